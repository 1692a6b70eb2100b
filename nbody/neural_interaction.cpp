#include "nbody/neural_interaction.hpp"

#include <cmath>
#include <limits>
#include <iterator>

#include <nlohmann/json.hpp>

#include "nbody/coordinates.hpp"
#include "nbody/detail/body.hpp"
#include "nbody/detail/jacobi_kick.hpp"
#include "nbody/detail/newtonian.hpp"
#include "nbody/kepler.hpp"
#include "nbody/neural_kick.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/learning/trainer.hpp"
#include "physics/models/field.hpp"

namespace noether::nbody::detail {

/// A body of B batched states: position or velocity [B, 3], scalars [B, 1]. Lets the
/// differentiable rollout below run the library's Wisdom-Holman pieces (nbody/detail/body.hpp).
template <>
struct Body<torch::Tensor> {
  using Scalar = torch::Tensor;
  static torch::Tensor norm2(const torch::Tensor& a) { return a.square().sum(-1, true); }
  static torch::Tensor dot(const torch::Tensor& a, const torch::Tensor& b) { return (a * b).sum(-1, true); }
  static torch::Tensor sqrt(const torch::Tensor& x) { return x.sqrt(); }
  static torch::Tensor zero_like(const torch::Tensor& a) { return torch::zeros_like(a); }
};

}  // namespace noether::nbody::detail

namespace noether::nbody {

using nlohmann::json;

namespace {

constexpr int64_t kModelVersion = 1;
constexpr const char* kModelKind = "noether.nbody.residual";
const physics::CheckpointFormat kModelFormat{kModelKind, kModelVersion, "residual model"};
constexpr const char* kDataKind = "noether.nbody.trajectory";
const physics::CheckpointFormat kDataFormat{kDataKind, ResidualData::kFormatVersion, "trajectory data"};

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

bool skipped(SkippedPairs skip, int64_t i, int64_t j) {
  if (skip == SkippedPairs::first_pair) return i == 0 && j == 1;
  if (skip == SkippedPairs::central) return i == 0;
  return false;
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

/// Newtonian accelerations [T, n, 3] of states X [T, n, 3] with masses m, leaving out `skip`:
/// the library's sum (nbody/detail/newtonian.hpp) over per-body tensors.
torch::Tensor newtonian(const torch::Tensor& X, const torch::Tensor& m, double G, SkippedPairs skip) {
  const auto mass = to_vector(m);
  const auto x = X.unbind(1);
  std::vector<torch::Tensor> acc(x.size());
  detail::newtonian_massive(G, mass.data(), x.data(), x.size(), skip, acc.data());
  return torch::stack(acc, 1);
}

/// The Kepler drifts of B states of K bodies, r, v [B, K, 3], about mu [K] by h, differentiable in
/// r and v: each orbit's root by the library's solver (nbody/kepler.hpp) on the values, then one
/// Newton step of the universal Kepler equation in torch carries the derivatives, and the
/// library's f and g map (kepler_advance) moves the state; all K bodies in one set of tensor
/// operations. Throws NumericalError as kepler_drift does.
void kepler_drift_batched(torch::Tensor& r, torch::Tensor& v, const std::vector<double>& mu, double h) {
  if (h == 0.0) return;
  const int64_t B = r.size(0), K = r.size(1);
  const auto rv = r.detach().to(torch::kCPU).contiguous(), vv = v.detach().to(torch::kCPU).contiguous();
  const auto ra = rv.accessor<double, 3>(), va = vv.accessor<double, 3>();
  auto X = torch::empty({B, K, 1}, torch::TensorOptions().dtype(torch::kFloat64));
  auto Xa = X.accessor<double, 3>();
  double zmax = 0.0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t k = 0; k < K; ++k) {
      const Vec3 rb{ra[b][k][0], ra[b][k][1], ra[b][k][2]}, vb{va[b][k][0], va[b][k][1], va[b][k][2]};
      const double m = mu[static_cast<std::size_t>(k)];
      const auto ob = detail::checked_orbit(rb, vb, m, h);
      const double Xb = detail::universal_root(ob, m, h, rb, vb).X;
      Xa[b][k][0] = Xb;
      zmax = std::max(zmax, std::abs(ob.beta * Xb * Xb));
    }
  int quarterings = 0;  // the Stumpff series wants |beta X^2| <= 0.1
  for (; zmax > 0.1 && quarterings < 600; zmax *= 0.25) ++quarterings;
  X = X.to(r.device());
  const auto mut = torch::tensor(mu, r.options().requires_grad(false)).view({1, K, 1});
  const auto o = detail::kepler_orbit(r, v, mut);
  auto g = detail::g_functions(X, o.beta, quarterings);
  const auto X1 = X - detail::kepler_equation(o, g, h) / detail::kepler_equation_slope(o, g);
  g = detail::g_functions(X1, o.beta, quarterings);
  detail::kepler_advance(r, v, mut, o, g, detail::kepler_equation_slope(o, g));
}

json metadata(const ResidualModel& model) {
  return {{"config", model.net->config()}, {"step", model.step},          {"G", model.G},
          {"train_span", model.train_span}, {"data", model.data_description}, {"training", model.options}};
}

}  // namespace

void PairPotentialConfig::validate() const {
  if (hidden < 1 || hidden > 256) throw InvalidInput("hidden = " + std::to_string(hidden) + ": use 1..256");
  if (layers < 1 || layers > 8) throw InvalidInput("layers = " + std::to_string(layers) + ": use 1..8");
  if (!(length_scale > 0.0) || !std::isfinite(length_scale))
    throw InvalidInput("length_scale = " + std::to_string(length_scale) + " must be positive");
  if (!std::isfinite(energy_scale) || energy_scale == 0.0)
    throw InvalidInput("energy_scale = " + std::to_string(energy_scale) + " must be finite and non-zero");
  if (!(velocity_scale > 0.0) || !std::isfinite(velocity_scale))
    throw InvalidInput("velocity_scale = " + std::to_string(velocity_scale) + " must be positive");
}

PairPotentialImpl::PairPotentialImpl(const PairPotentialConfig& config) : config_(config) {
  config_.validate();
  torch::nn::Sequential seq;
  int64_t in = config_.velocity_input ? 3 : 2;
  for (int64_t l = 0; l < config_.layers; ++l) {
    seq->push_back(torch::nn::Linear(in, config_.hidden));
    seq->push_back(torch::nn::Tanh());
    in = config_.hidden;
  }
  // H is defined up to a constant: no output bias.
  seq->push_back(torch::nn::Linear(torch::nn::LinearOptions(in, 1).bias(false)));
  net_ = register_module("net", seq);
  to(torch::kFloat64);
}

torch::Tensor PairPotentialImpl::forward(const torch::Tensor& features) {
  return net_->forward(features).squeeze(-1);
}

torch::Tensor PairPotentialImpl::energy(const torch::Tensor& X, const torch::Tensor& V, const torch::Tensor& m,
                                        double G, SkippedPairs skip) {
  const int64_t n = X.size(1);
  std::vector<int64_t> I, J;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      if (!skipped(skip, i, j)) {
        I.push_back(i);
        J.push_back(j);
      }
  if (I.empty()) return torch::zeros({X.size(0)}, X.options());
  const auto ii = torch::tensor(I, torch::kLong), jj = torch::tensor(J, torch::kLong);
  const double L = config_.length_scale;
  const auto r = (X.index_select(1, ii) - X.index_select(1, jj)).norm(2, -1);  // [B, P]
  const auto mi = m.index_select(0, ii), mj = m.index_select(0, jj);
  std::vector<torch::Tensor> feats{L / r, ((mi + mj) / m.sum()).expand_as(r)};
  if (config_.velocity_input) {
    const auto dv = V.index_select(1, ii) - V.index_select(1, jj);
    feats.push_back(dv.square().sum(-1) / (config_.velocity_scale * config_.velocity_scale));
  }
  const auto f = forward(torch::stack(feats, -1));  // [B, P]
  return (config_.energy_scale * G / L) * (f * (mi * mj)).sum(-1);
}

torch::Tensor PairPotentialImpl::accelerations(const torch::Tensor& X, const torch::Tensor& V, const torch::Tensor& m,
                                               double G, SkippedPairs skip, bool create_graph) {
  const auto g = physics::energy_gradient([&](const torch::Tensor& Xg) { return energy(Xg, V, m, G, skip); }, X,
                                          create_graph);
  return -g / m.view({1, -1, 1});
}

PairMlp PairPotentialImpl::to_plain() const {
  PairMlp p;
  p.inputs = config_.velocity_input ? 3 : 2;
  p.hidden = static_cast<int>(config_.hidden);
  p.layers = static_cast<int>(config_.layers);
  p.length_scale = config_.length_scale;
  p.energy_scale = config_.energy_scale;
  p.velocity_scale = config_.velocity_scale;
  for (const auto& child : net_->children()) {
    const auto* lin = child->as<torch::nn::LinearImpl>();
    if (!lin) continue;
    const auto w = lin->weight.detach().to(torch::kFloat64).contiguous();
    p.weights.emplace_back(w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
    if (lin->bias.defined()) {
      const auto b = lin->bias.detach().to(torch::kFloat64).contiguous();
      p.biases.emplace_back(b.data_ptr<double>(), b.data_ptr<double>() + b.numel());
    }
  }
  p.prepare();
  return p;
}

double ResidualData::span() const {
  return size() > 1 ? t[-1].item<double>() - t[0].item<double>() : 0.0;
}

void ResidualData::validate() const {
  if (!m.defined() || m.dim() != 1 || m.size(0) < 2) throw InvalidInput("trajectory data: m must hold >= 2 masses");
  const int64_t n = m.size(0);
  if (!t.defined() || t.dim() != 1 || t.size(0) < 2) throw InvalidInput("trajectory data: t must hold >= 2 times");
  for (const auto* p : {&X, &V, &A}) {
    if (!p->defined() || p->dim() != 3 || p->size(0) != t.size(0) || p->size(1) != n || p->size(2) != 3)
      throw InvalidInput("trajectory data: X, V and A must have shape [T, n, 3] with T = " +
                         std::to_string(t.size(0)) + ", n = " + std::to_string(n));
    if (!torch::isfinite(*p).all().item<bool>()) throw InvalidInput("trajectory data: non-finite X, V or A");
  }
  if (!(G > 0.0)) throw InvalidInput("trajectory data: G = " + std::to_string(G) + " must be positive");
  if (!(m > 0).all().item<bool>()) throw InvalidInput("trajectory data: masses must be positive");
}

void SampleOptions::validate() const {
  if (!(dt > 0.0) || !std::isfinite(dt)) throw InvalidInput("sample dt = " + std::to_string(dt) + " must be positive");
  if (every < 1) throw InvalidInput("sample every = " + std::to_string(every) + " must be >= 1");
  if (samples < 2) throw InvalidInput("samples = " + std::to_string(samples) + " must be >= 2");
}

ResidualData sample_trajectory(const PlanetarySystem& system, const std::shared_ptr<const InteractionKick>& truth,
                               const SampleOptions& o, const std::string& description) {
  o.validate();
  WisdomHolmanOptions w;
  w.dt = o.dt;
  w.corrector = 17;
  PlanetarySystem s0 = system;
  s0.test_particles.clear();
  WisdomHolman wh(s0, w, truth);
  const int64_t n = static_cast<int64_t>(s0.bodies.size()), T = o.samples;
  ResidualData d;
  d.description = description.empty() ? system.name + " (" + truth->name() + ")" : description;
  d.G = system.G;
  d.m = torch::empty({n}, kF64);
  d.t = torch::empty({T}, kF64);
  d.X = torch::empty({T, n, 3}, kF64);
  d.V = torch::empty({T, n, 3}, kF64);
  d.A = torch::empty({T, n, 3}, kF64);
  auto m = d.m.accessor<double, 1>();
  for (int64_t i = 0; i < n; ++i) m[i] = s0.bodies[static_cast<std::size_t>(i)].m;
  auto tt = d.t.accessor<double, 1>();
  auto X = d.X.accessor<double, 3>(), V = d.V.accessor<double, 3>(), A = d.A.accessor<double, 3>();
  std::vector<Vec3> pos(static_cast<std::size_t>(n)), acc(static_cast<std::size_t>(n));
  for (int64_t k = 0; k < T; ++k) {
    if (k > 0)
      if (const auto r = wh.integrate(o.every); !r.ok()) throw NumericalError("sampling the trajectory: " + r.message);
    const PlanetarySystem s = wh.state();
    tt[k] = s.time;
    for (int64_t i = 0; i < n; ++i) pos[static_cast<std::size_t>(i)] = s.bodies[static_cast<std::size_t>(i)].r;
    truth->massive_accelerations(s.G, d.m.data_ptr<double>(), pos.data(), static_cast<std::size_t>(n),
                                 SkippedPairs::none, acc.data());
    for (int64_t i = 0; i < n; ++i) {
      const auto& b = s.bodies[static_cast<std::size_t>(i)];
      const Vec3& a = acc[static_cast<std::size_t>(i)];
      X[k][i][0] = b.r.x; X[k][i][1] = b.r.y; X[k][i][2] = b.r.z;
      V[k][i][0] = b.v.x; V[k][i][1] = b.v.y; V[k][i][2] = b.v.z;
      A[k][i][0] = a.x; A[k][i][1] = a.y; A[k][i][2] = a.z;
    }
  }
  return d;
}

void accelerations_from_velocities(ResidualData& d) {
  const int64_t T = d.t.size(0);
  if (T < 8) throw InvalidInput("accelerations from velocities need >= 8 samples, got " + std::to_string(T));
  const auto dt = d.t.slice(0, 1) - d.t.slice(0, 0, T - 1);
  const double h = dt.mean().item<double>();
  if (!(h > 0.0) || (dt - h).abs().max().item<double>() > 1e-9 * h)
    throw InvalidInput("accelerations from velocities need equally spaced, increasing times");
  const auto& V = d.V;
  auto at = [&](int64_t shift) { return V.slice(0, 3 + shift, T - 3 + shift); };
  d.A = (at(3) - at(-3) - 9.0 * (at(2) - at(-2)) + 45.0 * (at(1) - at(-1))) / (60.0 * h);
  d.t = d.t.slice(0, 3, T - 3).clone();
  d.X = d.X.slice(0, 3, T - 3).clone();
  d.V = d.V.slice(0, 3, T - 3).clone();
  d.acceleration_source = "finite differences";
}

void save_residual_data(const ResidualData& d, const std::string& path, bool with_accelerations) {
  d.validate();
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("description", d.description);
  dict.insert("G", d.G);
  dict.insert("m", d.m);
  dict.insert("t", d.t);
  dict.insert("X", d.X);
  dict.insert("V", d.V);
  if (with_accelerations) dict.insert("A", d.A);
  physics::write_data_file(std::move(dict), path, kDataFormat);
}

ResidualData load_residual_data(const std::string& path) {
  const physics::DataFile file(path, kDataFormat);
  auto get = [&](const char* key) { return file.get(key); };
  ResidualData d;
  d.description = get("description").toStringRef();
  d.G = get("G").toDouble();
  d.m = get("m").toTensor().to(torch::kFloat64);
  d.t = get("t").toTensor().to(torch::kFloat64);
  d.X = get("X").toTensor().to(torch::kFloat64);
  d.V = get("V").toTensor().to(torch::kFloat64);
  try {
    if (file.contains("A")) {
      d.A = get("A").toTensor().to(torch::kFloat64);
    } else {
      if (!d.V.defined() || d.V.dim() != 3) throw InvalidInput("V must have shape [T, n, 3]");
      accelerations_from_velocities(d);
    }
    d.validate();
  } catch (const InvalidInput& e) {
    throw InvalidInput("'" + path + "': " + e.what());
  }
  return d;
}

void ResidualTrainOptions::validate() const {
  if (steps < 0) throw InvalidInput("steps = " + std::to_string(steps) + " must be >= 0");
  if (!(learning_rate > 0.0)) throw InvalidInput("learning_rate = " + std::to_string(learning_rate) + " must be positive");
  if (batch_size < 0) throw InvalidInput("batch_size = " + std::to_string(batch_size) + " must be >= 0");
  if (rollout_samples < 0) throw InvalidInput("rollout_samples = " + std::to_string(rollout_samples) + " must be >= 0");
  if (rollout_substeps < 1) throw InvalidInput("rollout_substeps = " + std::to_string(rollout_substeps) + " must be >= 1");
  if (rollout_batch < 1) throw InvalidInput("rollout_batch = " + std::to_string(rollout_batch) + " must be >= 1");
  if (!(rollout_weight >= 0.0)) throw InvalidInput("rollout_weight = " + std::to_string(rollout_weight) + " must be >= 0");
  if (checkpoint_every < 0) throw InvalidInput("checkpoint_every = " + std::to_string(checkpoint_every) + " must be >= 0");
}

torch::Tensor residual_targets(const ResidualData& d, ResidualMode mode) {
  const auto all = newtonian(d.X, d.m, d.G, SkippedPairs::none);
  if (mode == ResidualMode::residual) return d.A - all;
  // The pair (0, 1) alone: what the Jacobi Kepler drift holds.
  return d.A - (all - newtonian(d.X, d.m, d.G, SkippedPairs::first_pair));
}

namespace {
SkippedPairs learned_pairs(ResidualMode mode) {
  return mode == ResidualMode::residual ? SkippedPairs::none : SkippedPairs::first_pair;
}
}  // namespace

ResidualModel new_residual_model(PairPotentialConfig config, const ResidualData& data, uint64_t seed) {
  data.validate();
  torch::NoGradGuard ng;
  const int64_t n = data.m.size(0);
  std::vector<torch::Tensor> dist;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) dist.push_back((data.X.select(1, i) - data.X.select(1, j)).norm(2, -1));
  config.length_scale = torch::stack(dist).mean().item<double>();
  const auto T = residual_targets(data, config.mode);
  const auto N = newtonian(data.X, data.m, data.G, SkippedPairs::none);
  config.energy_scale = std::sqrt(T.square().mean().item<double>() / N.square().mean().item<double>());
  if (!(config.energy_scale > 0.0)) config.energy_scale = 1.0;
  config.velocity_scale = std::sqrt(data.G * data.m.sum().item<double>() / config.length_scale);
  torch::manual_seed(seed);
  ResidualModel model;
  model.net = PairPotential(config);
  model.data_description = data.description;
  model.train_span = data.span();
  model.G = data.G;
  return model;
}

torch::Tensor torch_wisdom_holman(PairPotentialImpl& net, const torch::Tensor& m, double G, const torch::Tensor& X0,
                                  const torch::Tensor& V0, double dt, int64_t steps) {
  const auto n = static_cast<std::size_t>(m.size(0));
  const auto mass = to_vector(m);
  std::vector<double> eta(n);
  cumulative_masses(mass.data(), n, eta.data());
  // Per-body tensors [B, 3] through the library's pieces: Jacobi transforms, Kepler drift,
  // Jacobi interaction kick (nbody/detail/body.hpp).
  std::vector<torch::Tensor> x(n), v(n), X(n), A(n), a(n), V(n);
  {
    const auto Xb = X0.unbind(1), Vb = V0.unbind(1);
    inertial_to_jacobi_pos(mass.data(), Xb.data(), x.data(), n);
    inertial_to_jacobi_pos(mass.data(), Vb.data(), v.data(), n);
  }
  const auto mode = net.config().mode;
  auto interaction = [&](const torch::Tensor* Xi, SkippedPairs skip, torch::Tensor* Ai) {
    torch::Tensor Vs;
    if (net.config().velocity_input) {
      jacobi_to_inertial_pos(mass.data(), eta.data(), v.data(), V.data(), n);
      Vs = torch::stack(V, 1);
    }
    const auto learned = net.accelerations(torch::stack(at::TensorList(Xi, n), 1), Vs, m, G, learned_pairs(mode), true)
                             .unbind(1);
    if (mode == ResidualMode::residual) detail::newtonian_massive(G, mass.data(), Xi, n, skip, Ai);
    for (std::size_t i = 0; i < n; ++i)
      Ai[i] = mode == ResidualMode::residual ? Ai[i] + learned[i] : learned[i];
  };
  std::vector<double> mu(n - 1);  // each Jacobi body's Kepler drift: G eta_i
  for (std::size_t i = 1; i < n; ++i) mu[i - 1] = G * eta[i];
  auto drift = [&](double h) {  // the n - 1 Kepler drifts as one batch [B, n - 1, 3]
    x[0] = x[0] + h * v[0];
    auto r = torch::stack(at::TensorList(x.data() + 1, n - 1), 1), w = torch::stack(at::TensorList(v.data() + 1, n - 1), 1);
    kepler_drift_batched(r, w, mu, h);
    const auto rs = r.unbind(1), ws = w.unbind(1);
    for (std::size_t i = 1; i < n; ++i) {
      x[i] = rs[i - 1];
      v[i] = ws[i - 1];
    }
  };
  std::vector<torch::Tensor> out;
  for (int64_t s = 0; s < steps; ++s) {
    drift(0.5 * dt);
    detail::jacobi_interaction(G, mass.data(), eta.data(), x.data(), n, interaction, X.data(), A.data(), a.data());
    for (std::size_t i = 1; i < n; ++i) v[i] = v[i] + dt * a[i];
    drift(0.5 * dt);
    jacobi_to_inertial_pos(mass.data(), eta.data(), x.data(), X.data(), n);
    out.push_back(torch::stack(X, 1));
  }
  return torch::stack(out);
}

ResidualTrainSummary train_residual(ResidualModel& model, const ResidualData& data, const ResidualTrainOptions& o,
                                    const std::function<void(int64_t, double)>& on_step) {
  o.validate();
  data.validate();
  if (data.m.size(0) != 0 && model.G != data.G)
    throw InvalidInput("train_residual: the model was set up for G = " + std::to_string(model.G) + ", the data has G = " +
                       std::to_string(data.G));
  auto& net = *model.net;
  const auto mode = net.config().mode;
  const int64_t T = data.size(), n = data.m.size(0);
  const auto target = residual_targets(data, mode);
  // Per-body weights: each body's accelerations relative to its own RMS target.
  const auto w = 1.0 / target.square().sum(-1).mean(0).clamp_min(1e-300).view({1, n});
  torch::manual_seed(o.seed);
  physics::TrainerOptions to;
  to.steps = o.steps;
  to.learning_rate = o.learning_rate;
  to.schedule = physics::Schedule::kCosine;  // down to 1% of the rate over the call
  to.final_fraction = 0.01;
  to.checkpoint_every = o.checkpoint.empty() ? 0 : o.checkpoint_every;
  to.progress = o.progress;
  to.label = "train_residual";
  physics::Trainer trainer(net.parameters(), to);
  trainer.set_step(model.step);
  auto pointwise = [&](const torch::Tensor& idx, bool graph) {
    const auto X = data.X.index_select(0, idx), V = data.V.index_select(0, idx);
    const auto A = net.accelerations(X, V, data.m, data.G, learned_pairs(mode), graph);
    return ((A - target.index_select(0, idx)).square().sum(-1) * w).mean();
  };
  const auto all = torch::arange(T, torch::kLong);
  // Rollout windows: K samples after a start, substeps WH steps per spacing.
  const int64_t K = std::min<int64_t>(o.rollout_samples, T - 1);
  const double spacing = T > 1 ? (data.t[1].item<double>() - data.t[0].item<double>()) : 0.0;
  torch::Tensor rollout_scale;
  auto rollout = [&](const torch::Tensor& starts) {
    const auto X0 = data.X.index_select(0, starts), V0 = data.V.index_select(0, starts);
    const auto P = torch_wisdom_holman(net, data.m, data.G, X0, V0, spacing / o.rollout_substeps,
                                       K * o.rollout_substeps);
    const auto pick = torch::arange(o.rollout_substeps - 1, K * o.rollout_substeps, o.rollout_substeps, torch::kLong);
    const auto pred = P.index_select(0, pick);  // [K, B, n, 3]
    const auto idx = (starts.view({1, -1}) + torch::arange(1, K + 1, torch::kLong).view({-1, 1})).reshape({-1});
    const auto obs = data.X.index_select(0, idx).view({K, -1, n, 3});
    return (pred - obs).square().sum(-1).mean(at::IntArrayRef{0, 1});  // per body [n]
  };
  if (K > 0) {
    torch::manual_seed(o.seed + 1);
    const auto starts = torch::randint(0, T - K, {o.rollout_batch}, torch::kLong);
    torch::NoGradGuard ng;
    rollout_scale = rollout(starts).detach().clamp_min(1e-300);
  }
  physics::TrainerHooks hooks;
  const int64_t first_step = model.step;
  hooks.on_step = [&](int64_t step, double loss) {
    model.step = step;
    if (on_step) on_step(step - first_step, loss);  // counted within this call
  };
  if (!o.checkpoint.empty())
    hooks.checkpoint = [&] {
      model.options = o;
      save_residual_model(model, o.checkpoint);
    };
  const auto result = trainer.run(
      [&](int64_t) -> physics::StepLoss {
        // Under torchrun each rank takes its part of the samples and of the rollout starts, each
        // term weighed by its own share, so that the ranks' losses sum to the whole batch's.
        const auto& ranks = physics::Distributed::process();
        const auto [idx, share] =
            ranks.split_batch(o.batch_size > 0 && o.batch_size < T ? torch::randint(0, T, {o.batch_size}, torch::kLong) : all);
        auto loss = share * pointwise(idx, true);
        if (K > 0 && o.rollout_weight > 0.0) {
          const auto [starts, rollout_share] = ranks.split_batch(torch::randint(0, T - K, {o.rollout_batch}, torch::kLong));
          loss = loss + rollout_share * o.rollout_weight * (rollout(starts) / rollout_scale).mean();
        }
        return {loss, std::numeric_limits<double>::quiet_NaN(), false, 1.0};
      },
      hooks);
  ResidualTrainSummary sum;
  sum.wall_seconds = result.seconds;
  sum.steps = model.step;
  sum.pointwise_loss = pointwise(all, false).item<double>();
  {
    const auto A = net.accelerations(data.X, data.V, data.m, data.G, learned_pairs(mode), false);
    sum.relative_error = std::sqrt((A - target).square().sum().item<double>() / target.square().sum().item<double>());
  }
  if (K > 0) {
    torch::manual_seed(o.seed + 2);
    const auto starts = torch::randint(0, T - K, {o.rollout_batch}, torch::kLong);
    torch::NoGradGuard ng;
    sum.rollout_loss = (rollout(starts) / rollout_scale).mean().item<double>();
  }
  model.options = o;
  return sum;
}

void save_residual_model(const ResidualModel& model, const std::string& path) {
  torch::serialize::OutputArchive root;
  torch::serialize::OutputArchive weights;
  model.net->save(weights);
  root.write("model", weights);
  physics::write_checkpoint(root, metadata(model), path, kModelFormat);
}

ResidualModel load_residual_model(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = physics::read_checkpoint(root, path, kModelFormat);
  const std::string what = "residual model '" + path + "'";
  ResidualModel model;
  try {
    model.net = PairPotential(from_json_checked<PairPotentialConfig>(meta.at("config"), what));
    model.step = meta.at("step").get<int64_t>();
    model.G = meta.at("G").get<double>();
    model.train_span = meta.at("train_span").get<double>();
    model.data_description = meta.at("data").get<std::string>();
    model.options = from_json_checked<ResidualTrainOptions>(meta.at("training"), what);
  } catch (const json::exception& e) {
    throw InvalidInput(what + ": bad metadata: " + e.what());
  }
  torch::serialize::InputArchive weights;
  try {
    root.read("model", weights);
    model.net->load(weights);
  } catch (const c10::Error& e) {
    throw InvalidInput("residual model '" + path + "': the weights do not fit the recorded architecture: " +
                       e.what_without_backtrace());
  }
  return model;
}

std::shared_ptr<const LearnedInteraction> make_learned_kick(const ResidualModel& model) {
  return std::make_shared<const LearnedInteraction>(model.net->config().mode, model.net->to_plain());
}

}  // namespace noether::nbody

namespace noether::nbody {

std::shared_ptr<const LearnedInteraction> load_learned_kick(const std::string& path, double G) {
  const ResidualModel model = load_residual_model(path);
  if (std::abs(model.G - G) > 1e-12 * std::abs(G))
    throw InvalidInput("residual model '" + path + "' was trained with G = " + std::to_string(model.G) +
                       ", the system has G = " + std::to_string(G) + " (other units)");
  if (model.net->config().velocity_input)
    throw InvalidInput("residual model '" + path +
                       "' takes velocities as input (momentum-dependent): it cannot be a symplectic kick");
  return make_learned_kick(model);
}

}  // namespace noether::nbody
