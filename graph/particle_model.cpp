#include "graph/particle_model.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "integrators/registry.hpp"
#include "integrators/tao.hpp"
#include "physics/torch_state.hpp"
#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"

namespace noether::graph {

using nlohmann::json;

namespace {

const physics::CheckpointFormat kFormat{"noether.graph_model", 1, "graph model"};

constexpr EnumName<GraphModelKind> kKinds[] = {
    {GraphModelKind::kHogn, "hogn"}, {GraphModelKind::kOgn, "ogn"}, {GraphModelKind::kDeltaGn, "deltagn"}};
constexpr EnumName<GraphLoss> kLosses[] = {{GraphLoss::kDerivative, "derivative"},
                                                        {GraphLoss::kStep, "step"}};

}  // namespace

const char* graph_model_kind_name(GraphModelKind kind) {
  return enum_name(kKinds, kind);
}

GraphModelKind parse_graph_model_kind(const std::string& name) {
  return parse_enum(kKinds, name, "graph model");
}

const char* graph_loss_name(GraphLoss loss) {
  return enum_name(kLosses, loss);
}

GraphLoss parse_graph_loss(const std::string& name) {
  return parse_enum(kLosses, name, "graph loss");
}

StepIntegrator parse_step_integrator(const std::string& name) {
  using integrators::Scheme;
  return integrators::parse_scheme(name, {Scheme::kEuler, Scheme::kRk4, Scheme::kImplicitMidpoint, Scheme::kLeapfrog,
                                          Scheme::kVelocityVerlet, Scheme::kYoshida4, Scheme::kYoshida6, Scheme::kTao},
                                   "graph models");
}

void ParticleModelConfig::validate() const {
  if (dim < 1) throw InvalidInput("graph model dim = " + std::to_string(dim) + ": must be >= 1");
  if (hidden < 1) throw InvalidInput("graph model hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("graph model layers = " + std::to_string(layers) + ": must be >= 1");
  if (rounds < 1) throw InvalidInput("graph model rounds = " + std::to_string(rounds) + ": must be >= 1");
  if (dissipation && kind != GraphModelKind::kHogn)
    throw InvalidInput(std::string("graph model: dissipation is a HOGN term; ") + graph_model_kind_name(kind) +
                       " learns damping directly");
  physics::check_activation(activation, "graph model");
}

std::string ParticleModelConfig::describe() const {
  std::string s = graph_model_kind_name(kind) + std::string("(dim=") + std::to_string(dim) + ", hidden=" + std::to_string(hidden) +
                  ", layers=" + std::to_string(layers) + ", rounds=" + std::to_string(rounds) +
                  ", " + activation;
  if (mass_features) s += ", masses";
  if (spring_features) s += ", springs";
  if (dissipation) s += ", dissipation";
  return s + ")";
}

bool ParticleModelConfig::operator==(const ParticleModelConfig& o) const {
  return json(*this) == json(o);
}

ParticleModel::ParticleModel(ParticleModelConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  if (c.kind == GraphModelKind::kHogn) {
    HognOptions o;
    o.dim = c.dim;
    o.node_features = c.mass_features ? 1 : 0;
    o.edge_features = c.spring_features ? 1 : 0;
    o.hidden = c.hidden;
    o.layers = c.layers;
    o.rounds = c.rounds;
    o.activation = c.activation;
    o.dissipation = c.dissipation;
    hogn_ = Hogn(o);
  } else {
    GnDynamicsOptions o;
    o.kind = c.kind == GraphModelKind::kOgn ? GnDynamicsKind::kOgn : GnDynamicsKind::kDeltaGn;
    o.dim = c.dim;
    o.node_features = c.mass_features ? 1 : 0;
    o.edge_features = c.spring_features ? 1 : 0;
    o.hidden = c.hidden;
    o.layers = c.layers;
    o.rounds = c.rounds;
    o.activation = c.activation;
    gn_ = GnDynamics(o);
  }
  module().to(torch::kFloat64);
}

torch::nn::Module& ParticleModel::module() const {
  if (hogn_) return *hogn_.ptr();
  return *gn_.ptr();
}

std::vector<torch::Tensor> ParticleModel::parameters() const { return module().parameters(); }

torch::TensorOptions ParticleModel::options() const {
  const auto params = parameters();
  NOETHER_CHECK(!params.empty(), "graph model without parameters");
  return params.front().options().requires_grad(false);
}

void ParticleModel::to(torch::Dtype dtype) { module().to(dtype); }
void ParticleModel::to(torch::Device device) { module().to(device); }
void ParticleModel::train(bool on) { module().train(on); }

torch::Tensor ParticleModel::energy(const torch::Tensor& q, const torch::Tensor& p,
                                    const torch::Tensor& masses, const GraphBatch& g) {
  if (!hogn_)
    throw InvalidInput(std::string("graph model ") + graph_model_kind_name(config_.kind) +
                       " has no learned energy (only hogn has)");
  return hogn_->energy(q, p, masses, g);
}

struct ParticleModel::FastHogn {
  EigenHogn hogn;
  std::vector<const void*> storage;
  std::vector<int64_t> versions;
};

const EigenHogn* ParticleModel::fast_hogn(const torch::Tensor& q) {
  if (!hogn_ || !q.device().is_cpu()) return nullptr;
  std::vector<const void*> storage;
  std::vector<int64_t> versions;
  for (const auto& w : hogn_->parameters()) {
    storage.push_back(w.data_ptr());
    versions.push_back(w._version());  // bumped by every in-place change (optimiser steps, loads)
  }
  if (!fast_ || fast_->storage != storage || fast_->versions != versions)
    fast_ = std::make_shared<FastHogn>(FastHogn{EigenHogn::from(*hogn_), std::move(storage), std::move(versions)});
  return &fast_->hogn;
}

std::pair<torch::Tensor, torch::Tensor> ParticleModel::time_derivative(
    const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
    const GraphBatch& g, bool create_graph) {
  if (hogn_ && !create_graph)
    if (const EigenHogn* fast = fast_hogn(q)) return fast->time_derivative(q, p, masses, g);
  if (hogn_) return hogn_->time_derivative(q, p, masses, g, create_graph);
  if (config_.kind == GraphModelKind::kDeltaGn)
    throw InvalidInput("deltagn predicts state changes, not time derivatives; use step()");
  torch::Tensor out;
  if (create_graph) {
    out = gn_->forward(q, p, masses, g);
  } else {
    torch::NoGradGuard no_grad;
    out = gn_->forward(q, p, masses, g);
  }
  const int64_t D = config_.dim;
  return {out.narrow(1, 0, D), out.narrow(1, D, D)};
}

std::pair<torch::Tensor, torch::Tensor> ParticleModel::step(const torch::Tensor& q0,
                                                            const torch::Tensor& p0,
                                                            const torch::Tensor& m,
                                                            const GraphBatch& g, double dt,
                                                            StepIntegrator integrator,
                                                            bool create_graph, double omega) {
  if (!std::isfinite(dt)) throw InvalidInput("graph model step: dt must be finite");
  const int64_t D = config_.dim;
  if (!has_vector_field()) {
    torch::Tensor out;
    if (create_graph) {
      out = gn_->forward(q0, p0, m, g, dt);
    } else {
      torch::NoGradGuard no_grad;
      out = gn_->forward(q0, p0, m, g, dt);
    }
    return {q0 + out.narrow(1, 0, D), p0 + out.narrow(1, D, D)};
  }
  auto field = [&](const torch::Tensor& q, const torch::Tensor& p) {
    return time_derivative(q, p, m, g, create_graph);
  };
  const auto& info = integrators::scheme_info(integrator);
  switch (info.form) {
    case integrators::SchemeForm::kField: {
      torch::Tensor y = torch::cat({q0, p0}, -1);
      integrators::step_field(integrator, y, 0.0, dt, [&](double, const torch::Tensor& s) {
        auto [dq, dp] = field(s.narrow(1, 0, D), s.narrow(1, D, D));
        return torch::cat({dq, dp}, -1);
      });
      return {y.narrow(1, 0, D), y.narrow(1, D, D)};
    }
    case integrators::SchemeForm::kSeparable: {
      if (!separable())
        throw InvalidInput(std::string(info.name) + " needs a separable H (a conservative "
                           "hogn); " + config_.describe() + " is not; use rk4 or tao");
      torch::Tensor q = q0, p = p0;
      // H = V(q) + T(p): dH/dq ignores p and dH/dp ignores q, so the other argument is a dummy.
      // The torch-free path computes only the half a stage needs (edges for a kick, nodes for
      // a drift): a leapfrog step then costs two potential gradients, not three whole fields.
      const EigenHogn* fast = create_graph ? nullptr : fast_hogn(q0);
      integrators::step_separable(
          integrator, q, p, dt,
          [&](const torch::Tensor& qq) {
            if (fast) return torch::Tensor(-fast->time_derivative(qq, p0, m, g, EigenHogn::Half::kForce).second);
            return torch::Tensor(-field(qq, p0).second);
          },
          [&](const torch::Tensor& pp) {
            if (fast) return fast->time_derivative(q0, pp, m, g, EigenHogn::Half::kVelocity).first;
            return field(q0, pp).first;
          });
      return {q, p};
    }
    case integrators::SchemeForm::kTao: {
      // grad(q, p) = (dH/dq, dH/dp) = (-dp/dt, dq/dt); for a non-Hamiltonian field the same
      // splitting still integrates the doubled system, but is no longer symplectic.
      integrators::TaoState<torch::Tensor> s(q0, p0);
      integrators::tao_step(s, dt, omega, [&](const torch::Tensor& q, const torch::Tensor& p) {
        auto [dq, dp] = field(q, p);
        return std::make_pair(torch::Tensor(-dp), dq);
      });
      return {s.q, s.p};
    }
    case integrators::SchemeForm::kConstrained:
    case integrators::SchemeForm::kLieGroup:
      throw InvalidInput(std::string("graph model step: ") + info.name +
                         " steps constrained or Lie-group states; use rk4, leapfrog or tao");
    case integrators::SchemeForm::kAdaptive: break;
  }
  throw InvalidInput(std::string("graph model step: ") + info.name +
                     " is adaptive; step a learned field with a fixed-step scheme");
}

void save_particle_model(const ParticleCheckpoint& c, const std::string& path) {
  json meta{{"config", c.model.config()},
            {"system", c.system},
            {"data", c.data},
            {"training", {{"loss", graph_loss_name(c.loss)}, {"integrator", c.train_integrator}, {"steps", c.steps},
                          {"train_loss", c.train_loss}, {"test_loss", c.test_loss},
                          {"seconds", c.seconds}}}};
  torch::serialize::OutputArchive root;
  // Weights go out as float64 on the CPU whatever the model runs on.
  ParticleModel copy(c.model.config());
  {
    torch::NoGradGuard no_grad;
    auto src = c.model.module().named_parameters();
    auto dst = copy.module().named_parameters();
    for (const auto& item : src) dst[item.key()].copy_(item.value().detach().to(torch::kCPU, torch::kFloat64));
  }
  torch::serialize::OutputArchive weights;
  copy.module().save(weights);
  root.write("model", weights);
  physics::write_checkpoint(root, meta, path, kFormat);
}

ParticleCheckpoint load_particle_model(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = physics::read_checkpoint(root, path, kFormat);
  const std::string what = "graph model '" + path + "'";
  ParticleCheckpoint c;
  try {
    c.model = ParticleModel(from_json_checked<ParticleModelConfig>(meta.at("config"), what));
    c.system = meta.at("system").get<std::string>();
    c.data = from_json_checked<ParticleDataOptions>(meta.at("data"), what);
    c.data.interaction = c.system == "gravity" ? physics::Particles::Interaction::kGravity
                                               : physics::Particles::Interaction::kSpring;
    const auto& t = meta.at("training");
    c.loss = parse_graph_loss(t.at("loss").get<std::string>());
    c.train_integrator = t.at("integrator").get<std::string>();
    c.steps = t.at("steps").get<int64_t>();
    c.train_loss = t.at("train_loss").get<double>();
    c.test_loss = t.at("test_loss").get<double>();
    c.seconds = t.at("seconds").get<double>();
  } catch (const json::exception& e) {
    throw InvalidInput(what + ": incomplete metadata: " + e.what());
  }
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  try {
    c.model.module().load(weights);
  } catch (const c10::Error& e) {
    throw InvalidInput(what + ": weights do not fit " + c.model.config().describe() + ": " +
                       e.what_without_backtrace());
  }
  return c;
}

void load_particle_weights(ParticleModel& model, const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = physics::read_checkpoint(root, path, kFormat);
  const auto stored = from_json_checked<ParticleModelConfig>(meta.at("config"), "graph model '" + path + "'");
  if (stored != model.config())
    throw InvalidInput("graph model '" + path + "' holds " + stored.describe() +
                       "; it cannot be loaded into " + model.config().describe());
  const auto options = model.options();
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  model.to(torch::kCPU);
  model.to(torch::kFloat64);
  model.module().load(weights);
  model.to(options.device());
  model.to(options.dtype().toScalarType());
}

}  // namespace noether::graph
