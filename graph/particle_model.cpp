#include "graph/particle_model.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "integrators/registry.hpp"
#include "integrators/tao.hpp"
#include "physics/torch_state.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"

namespace noether::graph {

using nlohmann::json;

namespace {

const physics::CheckpointFormat kFormat{"noether.graph_model", 1, "graph model"};

json config_json(const ParticleModelConfig& c) {
  return {{"kind", c.kind},          {"dim", c.dim},
          {"mass_features", c.mass_features}, {"spring_features", c.spring_features},
          {"hidden", c.hidden},      {"layers", c.layers},
          {"rounds", c.rounds},      {"activation", c.activation},
          {"dissipation", c.dissipation}};
}

ParticleModelConfig config_from(const json& j) {
  ParticleModelConfig c;
  c.kind = j.at("kind").get<std::string>();
  c.dim = j.at("dim").get<int64_t>();
  c.mass_features = j.at("mass_features").get<bool>();
  c.spring_features = j.at("spring_features").get<bool>();
  c.hidden = j.at("hidden").get<int64_t>();
  c.layers = j.at("layers").get<int64_t>();
  c.rounds = j.at("rounds").get<int64_t>();
  c.activation = j.at("activation").get<std::string>();
  c.dissipation = j.at("dissipation").get<bool>();
  c.validate();
  return c;
}

json data_json(const ParticleDataOptions& d) {
  return {{"count", d.count},         {"dim", d.dim},
          {"systems", d.systems},     {"samples", d.samples},
          {"dt", d.dt},               {"mass_min", d.mass_min},
          {"mass_max", d.mass_max},   {"random_springs", d.random_springs},
          {"spring_min", d.spring_min}, {"spring_max", d.spring_max},
          {"rest_length", d.rest_length}, {"gravitational_constant", d.gravitational_constant},
          {"softening", d.softening}, {"damping", d.damping},
          {"tolerance", d.tolerance}, {"seed", d.seed}};
}

ParticleDataOptions data_from(const json& j, const std::string& system) {
  ParticleDataOptions d;
  d.interaction = system == "gravity" ? physics::Particles::Interaction::kGravity
                                      : physics::Particles::Interaction::kSpring;
  d.count = j.at("count").get<int>();
  d.dim = j.at("dim").get<int>();
  d.systems = j.at("systems").get<int>();
  d.samples = j.at("samples").get<int>();
  d.dt = j.at("dt").get<double>();
  d.mass_min = j.at("mass_min").get<double>();
  d.mass_max = j.at("mass_max").get<double>();
  d.random_springs = j.at("random_springs").get<bool>();
  d.spring_min = j.at("spring_min").get<double>();
  d.spring_max = j.at("spring_max").get<double>();
  d.rest_length = j.at("rest_length").get<double>();
  d.gravitational_constant = j.at("gravitational_constant").get<double>();
  d.softening = j.at("softening").get<double>();
  d.damping = j.at("damping").get<double>();
  d.tolerance = j.at("tolerance").get<double>();
  d.seed = j.at("seed").get<uint64_t>();
  return d;
}

}  // namespace

StepIntegrator parse_step_integrator(const std::string& name) {
  using integrators::Scheme;
  return integrators::parse_scheme(name, {Scheme::kEuler, Scheme::kRk4, Scheme::kImplicitMidpoint, Scheme::kLeapfrog,
                                          Scheme::kVelocityVerlet, Scheme::kYoshida4, Scheme::kYoshida6, Scheme::kTao},
                                   "graph models");
}

void ParticleModelConfig::validate() const {
  if (kind != "hogn" && kind != "ogn" && kind != "deltagn")
    throw InvalidInput("unknown graph model '" + kind + "'; known: hogn, ogn, deltagn");
  if (dim < 1) throw InvalidInput("graph model dim = " + std::to_string(dim) + ": must be >= 1");
  if (hidden < 1) throw InvalidInput("graph model hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("graph model layers = " + std::to_string(layers) + ": must be >= 1");
  if (rounds < 1) throw InvalidInput("graph model rounds = " + std::to_string(rounds) + ": must be >= 1");
  if (dissipation && kind != "hogn")
    throw InvalidInput("graph model: dissipation is a HOGN term; " + kind + " learns damping directly");
  if (activation != "tanh" && activation != "relu" && activation != "softplus" && activation != "sin")
    throw InvalidInput("unknown activation '" + activation + "'; known: tanh, relu, softplus, sin");
}

std::string ParticleModelConfig::describe() const {
  std::string s = kind + "(dim=" + std::to_string(dim) + ", hidden=" + std::to_string(hidden) +
                  ", layers=" + std::to_string(layers) + ", rounds=" + std::to_string(rounds) +
                  ", " + activation;
  if (mass_features) s += ", masses";
  if (spring_features) s += ", springs";
  if (dissipation) s += ", dissipation";
  return s + ")";
}

bool ParticleModelConfig::operator==(const ParticleModelConfig& o) const {
  return config_json(*this) == config_json(o);
}

ParticleModel::ParticleModel(ParticleModelConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  if (c.kind == "hogn") {
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
    o.kind = c.kind == "ogn" ? GnDynamicsKind::kOgn : GnDynamicsKind::kDeltaGn;
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
  if (!hogn_) throw InvalidInput("graph model " + config_.kind + " has no learned energy (only hogn has)");
  return hogn_->energy(q, p, masses, g);
}

std::pair<torch::Tensor, torch::Tensor> ParticleModel::time_derivative(
    const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
    const GraphBatch& g, bool create_graph) {
  if (hogn_) return hogn_->time_derivative(q, p, masses, g, create_graph);
  if (config_.kind == "deltagn")
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
      integrators::step_separable(
          integrator, q, p, dt, [&](const torch::Tensor& qq) { return -field(qq, p0).second; },
          [&](const torch::Tensor& pp) { return field(q0, pp).first; });
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
    case integrators::SchemeForm::kAdaptive: break;
  }
  throw InvalidInput(std::string("graph model step: ") + info.name +
                     " is adaptive; step a learned field with a fixed-step scheme");
}

void save_particle_model(const ParticleCheckpoint& c, const std::string& path) {
  json meta{{"config", config_json(c.model.config())},
            {"system", c.system},
            {"data", data_json(c.data)},
            {"training", {{"loss", c.loss}, {"integrator", c.train_integrator}, {"steps", c.steps},
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
  ParticleCheckpoint c;
  try {
    c.model = ParticleModel(config_from(meta.at("config")));
    c.system = meta.at("system").get<std::string>();
    c.data = data_from(meta.at("data"), c.system);
    const auto& t = meta.at("training");
    c.loss = t.at("loss").get<std::string>();
    c.train_integrator = t.at("integrator").get<std::string>();
    c.steps = t.at("steps").get<int64_t>();
    c.train_loss = t.at("train_loss").get<double>();
    c.test_loss = t.at("test_loss").get<double>();
    c.seconds = t.at("seconds").get<double>();
  } catch (const json::exception& e) {
    throw InvalidInput("graph model '" + path + "': incomplete metadata: " + e.what());
  }
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  try {
    c.model.module().load(weights);
  } catch (const c10::Error& e) {
    throw InvalidInput("graph model '" + path + "': weights do not fit " + c.model.config().describe() +
                       ": " + e.what_without_backtrace());
  }
  return c;
}

void load_particle_weights(ParticleModel& model, const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = physics::read_checkpoint(root, path, kFormat);
  ParticleModelConfig stored;
  try {
    stored = config_from(meta.at("config"));
  } catch (const json::exception& e) {
    throw InvalidInput("graph model '" + path + "': incomplete metadata: " + e.what());
  }
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
