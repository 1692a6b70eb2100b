// python/src/learned.cpp: learned Hamiltonians and particle systems, with torch tensors crossing
// through torch's own pybind11 casters (the same at::Tensor objects: autograd flows through
// noether's C++ operations from Python), and noether's integrators stepping a Python function.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/extension.h>

#include "graph/simulator.hpp"
#include "integrators/registry.hpp"
#include "noether/error.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/model.hpp"
#include "physics/torch_state.hpp"
#include "python/src/common.hpp"

namespace noether::python {

namespace {

/// torch's Python name of a dtype: "float32", "float64", ...
std::string dtype_name(torch::Dtype d) {
  switch (d) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kHalf: return "float16";
    default: return c10::toString(d);
  }
}

/// A learned model of `noether train`: its vector field and (for the energy-based kinds) its
/// energy, differentiable from Python.
class Model {
 public:
  Model(std::shared_ptr<physics::DynamicsModelImpl> impl, std::string path)
      : impl_(std::move(impl)), path_(std::move(path)) {}

  torch::Tensor time_derivative(const torch::Tensor& x, std::optional<bool> create_graph) {
    check(x);
    // As a torch module's forward: differentiable whenever autograd records (the C++ default,
    // detached, is for rollouts).
    const bool graph = create_graph.value_or(at::GradMode::is_enabled());
    return impl_->time_derivative(x, graph);
  }
  torch::Tensor energy(const torch::Tensor& x) {
    check(x);
    if (!impl_->has_energy())
      throw InvalidInput("the " + kind() + " model of '" + path_ + "' has no learned energy (it predicts dx/dt directly)");
    return impl_->energy(x);
  }
  torch::Tensor energy_gradient(const torch::Tensor& x) {
    check(x);
    if (!impl_->has_energy())
      throw InvalidInput("the " + kind() + " model of '" + path_ + "' has no learned energy (it predicts dx/dt directly)");
    return impl_->energy_gradient_at(x, /*create_graph=*/false);
  }
  std::string kind() const { return physics::model_kind_name(impl_->config().kind); }
  std::string config_json() const { return nlohmann::json(impl_->config()).dump(); }
  int64_t state_dim() const { return impl_->state_dim(); }
  bool has_energy() const { return impl_->has_energy(); }
  const std::string& path() const { return path_; }
  physics::DynamicsModelImpl& impl() { return *impl_; }
  torch::Dtype dtype() const {
    for (const auto& p : impl_->parameters()) return p.scalar_type();
    return torch::kFloat;
  }

 private:
  void check(const torch::Tensor& x) const {
    if (!x.defined()) throw InvalidInput("x is undefined");
    if (x.dim() < 1 || x.size(-1) != impl_->state_dim())
      throw InvalidInput("x must be [B, " + std::to_string(impl_->state_dim()) + "] for this " + kind() + " model, got " +
                         c10::str(x.sizes()));
    if (x.scalar_type() != dtype())
      throw InvalidInput("x is " + dtype_name(x.scalar_type()) + " but the model is " + dtype_name(dtype()) +
                         ": convert x (x.to(model.dtype)), or the model (model.to(x.dtype))");
  }
  std::shared_ptr<physics::DynamicsModelImpl> impl_;
  std::string path_;
};

/// Runs `steps` of a fixed-step scheme on y' = field(y) (field a Python callable on tensors), with
/// the GIL held (field is Python) and Ctrl-C checked every step. Returns [steps / every + 1, ...].
torch::Tensor integrate_python(const py::function& field, const torch::Tensor& x0, double dt, int64_t steps,
                               const std::string& scheme_name, int64_t every, double t0) {
  using integrators::Scheme;
  const Scheme scheme = integrators::parse_scheme(scheme_name);
  const auto& info = integrators::scheme_info(scheme);
  if (!(dt != 0.0 && std::isfinite(dt))) throw InvalidInput("dt must be finite and not 0");
  if (steps < 0) throw InvalidInput("steps must be >= 0");
  if (every < 1) throw InvalidInput("every must be >= 1");
  if (!x0.defined() || x0.dim() < 1) throw InvalidInput("x0 must be a tensor of at least one dimension");
  auto call = [&](const torch::Tensor& y) {
    py::object r = field(y);
    torch::Tensor out;
    try {
      out = r.cast<torch::Tensor>();
    } catch (const py::cast_error&) {
      throw InvalidInput("the field must return a torch.Tensor, got " + std::string(py::str(r.get_type())));
    }
    if (!out.sizes().equals(y.sizes()))
      throw InvalidInput("the field returned shape " + c10::str(out.sizes()) + " for a state of shape " +
                         c10::str(y.sizes()));
    return out;
  };
  std::vector<torch::Tensor> kept{x0};
  auto keep = [&](int64_t k, const torch::Tensor& y) {
    if (!torch::isfinite(y).all().item<bool>())
      throw NumericalError("the state is not finite after step " + std::to_string(k) + " (t = " +
                           std::to_string(t0 + static_cast<double>(k) * dt) + ")");
    if (k % every == 0) kept.push_back(y);
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  if (info.form == integrators::SchemeForm::kField) {
    torch::Tensor y = x0;
    for (int64_t k = 1; k <= steps; ++k) {
      integrators::step_field(scheme, y, t0 + static_cast<double>(k - 1) * dt, dt,
                              [&](double, const torch::Tensor& s) { return call(s); });
      keep(k, y);
    }
  } else if (info.form == integrators::SchemeForm::kSeparable) {
    // A separable field: dq/dt = dH/dp depends on p only and dp/dt = -dH/dq on q only, so each
    // half is read off the whole field at the state of the moment.
    const int64_t w = x0.size(-1);
    if (w % 2 != 0) throw InvalidInput(std::string(info.name) + " needs a state (q, p) of even width, got " + std::to_string(w));
    torch::Tensor q = x0.narrow(-1, 0, w / 2), p = x0.narrow(-1, w / 2, w / 2);
    auto dH_dq = [&](const torch::Tensor& qq) { return -call(torch::cat({qq, p}, -1)).narrow(-1, w / 2, w / 2); };
    auto dH_dp = [&](const torch::Tensor& pp) { return call(torch::cat({q, pp}, -1)).narrow(-1, 0, w / 2); };
    for (int64_t k = 1; k <= steps; ++k) {
      integrators::step_separable(scheme, q, p, dt, dH_dq, dH_dp);
      keep(k, torch::cat({q, p}, -1));
    }
  } else {
    throw InvalidInput(std::string("integrate: '") + info.name +
                       "' is not a fixed-step scheme of a vector field; use euler, rk4, implicit-midpoint, avf, "
                       "leapfrog, velocity-verlet, yoshida4 or yoshida6");
  }
  return torch::stack(kept);
}

}  // namespace

void bind_learned(py::module_& m) {
  py::class_<Model>(m, "_Model")
      // Without the GIL: the fields of the energy-based models run torch's autograd engine, which
      // refuses to start while the calling thread holds it.
      .def("time_derivative", &Model::time_derivative, py::arg("x"), py::arg("create_graph") = py::none(),
           py::call_guard<py::gil_scoped_release>())
      .def("energy", &Model::energy, py::arg("x"), py::call_guard<py::gil_scoped_release>())
      .def("energy_gradient", &Model::energy_gradient, py::arg("x"), py::call_guard<py::gil_scoped_release>())
      .def("named_parameters",
           [](Model& mm) {
             std::vector<std::pair<std::string, torch::Tensor>> out;
             for (const auto& item : mm.impl().named_parameters()) out.emplace_back(item.key(), item.value());
             return out;
           })
      .def("train", [](Model& mm, bool on) { mm.impl().train(on); }, py::arg("mode") = true)
      .def_property_readonly("training", [](Model& mm) { return mm.impl().is_training(); })
      .def(
          "to",
          [](Model& mm, const std::string& d) {
            if (d != "float32" && d != "float64") throw InvalidInput("dtype must be float32 or float64, got '" + d + "'");
            mm.impl().to(d == "float64" ? torch::kDouble : torch::kFloat);
          },
          py::arg("dtype"))
      .def_property_readonly("dtype", [](const Model& mm) { return mm.dtype() == torch::kDouble ? "float64" : "float32"; })
      .def_property_readonly("kind", &Model::kind)
      .def_property_readonly("config_json", &Model::config_json)
      .def_property_readonly("state_dim", &Model::state_dim)
      .def_property_readonly("has_energy", &Model::has_energy)
      .def_property_readonly("path", &Model::path);

  m.def(
      "_load_model",
      [](const std::string& path) {
        physics::TrainingRun run = physics::load_checkpoint(path);
        return Model(run.model, path);
      },
      py::arg("path"));

  py::class_<graph::ParticleSimulator>(m, "ParticleSimulator", R"doc(
A learned particle system (`noether train-graph`) stepped on batches of graphs.

    sim = noether.ParticleSimulator("springs.pt")
    sim.set_state(q, p, masses)     # [B, N, D], [B, N, D], [B, N] tensors (or one system: [N, D], [N, D], [N])
    sim.step(0.01, 1000)
    sim.q, sim.p, sim.energies()    # tensors; energies: the learned H of each system (HOGN)
)doc")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def(
          "set_state",
          [](graph::ParticleSimulator& s, torch::Tensor q, torch::Tensor p, torch::Tensor masses,
             std::optional<torch::Tensor> springs) {
            if (q.dim() == 2) {
              q = q.unsqueeze(0);
              p = p.unsqueeze(0);
              masses = masses.unsqueeze(0);
              if (springs) springs = springs->unsqueeze(0);
            }
            s.set_state(q, p, masses, springs ? *springs : torch::Tensor());
          },
          py::arg("q"), py::arg("p"), py::arg("masses"), py::arg("springs") = py::none(),
          "Positions and momenta [B, N, D] (or [N, D] for one system), masses [B, N], spring constants [B, N, N] "
          "for a model trained with them.")
      .def(
          "step",
          [](graph::ParticleSimulator& s, double dt, int64_t steps) {
            if (steps < 0) throw InvalidInput("steps must be >= 0");
            std::string failure;
            run_in_chunks(steps, [&](int64_t n) {
              const auto r = s.step(dt, n);
              if (!r.ok()) failure = r.message;
              return r.ok();
            });
            if (!failure.empty()) throw NumericalError(failure);
          },
          py::arg("dt"), py::arg("steps") = 1,
          "steps steps of dt without the GIL (Ctrl-C stops between blocks); a diverging model raises "
          "NumericalError and leaves the state as it was before the block.")
      .def_property_readonly("q", &graph::ParticleSimulator::q)
      .def_property_readonly("p", &graph::ParticleSimulator::p)
      .def_property_readonly("systems", &graph::ParticleSimulator::systems)
      .def("energies", &graph::ParticleSimulator::energy_tensor, "The learned H of every system, [B] (HOGN).")
      .def_property(
          "integrator", [](const graph::ParticleSimulator& s) { return std::string(integrators::scheme_name(s.integrator())); },
          [](graph::ParticleSimulator& s, const std::string& name) { s.set_integrator(graph::parse_step_integrator(name)); });

  m.def("_integrate", &integrate_python, py::arg("field"), py::arg("x0"), py::arg("dt"), py::arg("steps"),
        py::arg("scheme"), py::arg("every"), py::arg("t0"));

  m.def(
      "integrators",
      [] {
        std::vector<std::string> out;
        for (const auto& i : integrators::schemes())
          if (i.form == integrators::SchemeForm::kField || i.form == integrators::SchemeForm::kSeparable)
            out.emplace_back(i.name);
        return out;
      },
      "The schemes noether.integrate takes.");
}

}  // namespace noether::python
