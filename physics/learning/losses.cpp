#include "physics/learning/losses.hpp"

#include <algorithm>
#include <cmath>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "integrators/lie_group.hpp"
#include "physics/torch_lie.hpp"
#include "physics/torch_state.hpp"

namespace noether::physics {

namespace {
constexpr EnumName<TestFunction> kTestFunctions[] = {{TestFunction::kSine, "sine"}, {TestFunction::kRbf, "rbf"}};
}  // namespace

const char* test_function_name(TestFunction kind) { return enum_name(kTestFunctions, kind); }

TestFunction parse_test_function(const std::string& name) {
  return parse_enum(kTestFunctions, name, "test function");
}

torch::Tensor pointwise_loss(DynamicsModelImpl& model, const torch::Tensor& x,
                             const torch::Tensor& dxdt) {
  return torch::mse_loss(model.time_derivative(x, /*create_graph=*/true), dxdt);
}

double derivative_mse(DynamicsModelImpl& model, const torch::Tensor& x, const torch::Tensor& dxdt) {
  if (x.size(0) == 0) return 0.0;
  const auto dtype = model.parameters().front().scalar_type();
  double sum = 0.0;
  const int64_t chunk = 8192;
  for (int64_t i = 0; i < x.size(0); i += chunk) {
    const int64_t n = std::min(chunk, x.size(0) - i);
    const auto pred = model.time_derivative(x.narrow(0, i, n).to(dtype), /*create_graph=*/false);
    sum += (pred - dxdt.narrow(0, i, n).to(dtype)).square().sum().item<double>();
  }
  return sum / static_cast<double>(x.numel());
}

torch::Tensor rollout(const std::shared_ptr<DynamicsModelImpl>& model, const torch::Tensor& x0,
                      double dt, int64_t steps, integrators::Scheme integrator, bool create_graph) {
  if (steps < 0) throw InvalidInput("rollout steps must be >= 0");
  const auto form = integrators::scheme_info(integrator).form;
  std::vector<torch::Tensor> states{x0};
  torch::Tensor x = x0;
  if (form == integrators::SchemeForm::kSeparable) {
    const auto g = separable_gradients(model, create_graph);
    const int64_t d = model->dof();
    torch::Tensor q = x.narrow(-1, 0, d), p = x.narrow(-1, d, d);
    for (int64_t i = 0; i < steps; ++i) {
      integrators::step_separable(integrator, q, p, dt, g.dH_dq, g.dH_dp);
      if (!create_graph) {
        q = q.detach();
        p = p.detach();
      }
      states.push_back(torch::cat({q, p}, -1));
    }
    return torch::stack(states);
  }
  if (form == integrators::SchemeForm::kLieGroup) {
    // A Hamiltonian on (T*S^2)^k, stepped in SphereBundle's order (q_1, p_1, ..., q_k, p_k).
    const int64_t n = model->dof(), k = n / 3;
    if (!model->has_energy() || !canonical_kind(model->config().kind) || n % 3 != 0)
      throw InvalidInput(std::string("integrator '") + integrators::scheme_name(integrator) +
                         "' steps Hamiltonians on spheres (sphere-hnn); model '" +
                         model_kind_name(model->config().kind) + "' is not one");
    std::vector<int64_t> order;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t part = 0; part < 2; ++part)
        for (int64_t c = 0; c < 3; ++c) order.push_back(part * n + 3 * i + c);
    const auto to_bundle = torch::tensor(order, torch::kLong);
    const auto from_bundle = torch::argsort(to_bundle);
    auto algebra = [&](double, const torch::Tensor& s) {
      const auto g = model->energy_gradient_at(s.index_select(-1, from_bundle), create_graph);
      return integrators::sphere_generator(s, g.narrow(-1, 0, n), g.narrow(-1, n, n));
    };
    torch::Tensor y = x.index_select(-1, to_bundle);
    for (int64_t i = 0; i < steps; ++i) {
      integrators::lie_step(integrator, integrators::SphereBundle(static_cast<int>(k)), y, i * dt, dt, algebra);
      if (!create_graph) y = y.detach();
      states.push_back(y.index_select(-1, from_bundle));
    }
    return torch::stack(states);
  }
  auto field = [&](double, const torch::Tensor& s) { return model->time_derivative(s, create_graph); };
  for (int64_t i = 0; i < steps; ++i) {
    integrators::step_field(integrator, x, i * dt, dt, field);
    if (!create_graph) x = x.detach();
    states.push_back(x);
  }
  return torch::stack(states);
}

torch::Tensor rollout_loss(const std::shared_ptr<DynamicsModelImpl>& model,
                           const torch::Tensor& traj, double dt, integrators::Scheme integrator,
                           const torch::Tensor& x0) {
  if (traj.dim() != 3 || traj.size(0) < 2)
    throw InvalidInput("rollout_loss needs a trajectory tensor [T >= 2, B, 2D]");
  const torch::Tensor start = x0.defined() ? x0 : traj[0];
  const auto pred = rollout(model, start, dt, traj.size(0) - 1, integrator, /*create_graph=*/true);
  if (x0.defined()) return torch::mse_loss(pred, traj);
  return torch::mse_loss(pred.narrow(0, 1, traj.size(0) - 1), traj.narrow(0, 1, traj.size(0) - 1));
}

torch::Tensor weak_form_loss(DynamicsModelImpl& model, const torch::Tensor& traj,
                             const torch::Tensor& t, int64_t test_functions, TestFunction kind,
                             double rbf_shape) {
  if (traj.dim() != 3 || t.dim() != 1 || t.size(0) != traj.size(0) || traj.size(0) < 3)
    throw InvalidInput("weak_form_loss needs traj [T >= 3, B, 2D] and t [T]");
  if (test_functions < 1) throw InvalidInput("weak_form_loss needs at least one test function");
  if (!(rbf_shape >= 0.0) || !std::isfinite(rbf_shape))
    throw InvalidInput("weak_form_loss: the test functions' shape must be finite and >= 0");
  const int64_t T = traj.size(0), B = traj.size(1), W = traj.size(2);
  const auto tt = t.to(traj.dtype());
  const double t0 = tt[0].item<double>(), t1 = tt[T - 1].item<double>();
  const double len = t1 - t0;
  // Trapezoid weights for the samples.
  auto dts = tt.narrow(0, 1, T - 1) - tt.narrow(0, 0, T - 1);
  auto w = torch::zeros({T}, traj.options());
  w.narrow(0, 0, T - 1).add_(0.5 * dts);
  w.narrow(0, 1, T - 1).add_(0.5 * dts);
  torch::Tensor psi, dpsi;  // [K, T]: the test functions and their derivatives at the samples
  if (kind == TestFunction::kSine) {
    const auto k = torch::arange(1, test_functions + 1, traj.options()).unsqueeze(1);  // [K, 1]
    const auto arg = k * (M_PI / len) * (tt - t0).unsqueeze(0);
    psi = torch::sin(arg);
    dpsi = torch::cos(arg) * (k * (M_PI / len));
  } else {
    const auto centres = torch::linspace(t0, t1, test_functions, traj.options()).unsqueeze(1);  // [K, 1]
    const double spacing = test_functions > 1 ? len / static_cast<double>(test_functions - 1) : len;
    // exp(-eps^2 d^2) = exp(-d^2 / (2 s^2)) for s = 1 / (eps sqrt 2).
    const double s = rbf_shape > 0.0 ? 1.0 / (rbf_shape * std::sqrt(2.0))
                                     : std::max(spacing, 2.0 * len / static_cast<double>(T - 1));
    const auto d = tt.unsqueeze(0) - centres;
    psi = torch::exp(-d.square() / (2.0 * s * s));
    dpsi = -d / (s * s) * psi;
  }
  const auto f = model.time_derivative(traj.reshape({T * B, W}), /*create_graph=*/true).reshape({T, B, W});
  auto r = torch::einsum("kt,tbw->kbw", {psi * w, f}) + torch::einsum("kt,tbw->kbw", {dpsi * w, traj});
  if (kind == TestFunction::kRbf)  // the boundary term [psi x] from t0 to t1
    r = r - (psi.select(1, T - 1).view({-1, 1, 1}) * traj[T - 1] - psi.select(1, 0).view({-1, 1, 1}) * traj[0]);
  return r.square().mean();
}

}  // namespace noether::physics
