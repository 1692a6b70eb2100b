#include "graph/training.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>
#include <string>

#include <ATen/CPUGeneratorImpl.h>

#include "graph/fused_hogn.hpp"
#include "integrators/dop853.hpp"
#include "integrators/registry.hpp"
#include "physics/torch_state.hpp"
#include "noether/error.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/learning/trainer.hpp"

namespace noether::graph {

namespace {

torch::TensorOptions model_options(Hogn& model) {
  const auto params = model->parameters();
  if (params.empty()) throw InvalidInput("HOGN training: the model has no parameters");
  return params.front().options().requires_grad(false);
}

using LossFn = std::function<torch::Tensor(const ParticleSamples&, bool create_graph)>;

/// The derivative loss of a HOGN's `samples` (in its dtype and device) with the parameters'
/// gradients filled by hand (FusedHognLoss); empty where that does not apply.
using FusedFn = std::function<double(const ParticleSamples&)>;

FusedFn fused_derivative_loss(HognImpl* hogn, const ParticleFeatures& features, const GraphTrainOptions& o) {
  if (!o.fused || o.loss != GraphLoss::kDerivative || !hogn || !FusedHognLoss::supports(*hogn)) return {};
  auto fused = std::make_shared<FusedHognLoss>(*hogn);
  return [fused, features](const ParticleSamples& s) {
    const int64_t D = s.dim();
    return fused->loss_and_gradients(s.q.reshape({-1, D}), s.p.reshape({-1, D}), s.masses.reshape({-1}),
                                     particle_batch(s, features), s.dqdt.reshape({-1, D}), s.dpdt.reshape({-1, D}));
  };
}

/// Adam on `loss` over `train` (already in the parameters' dtype and device) through the shared
/// trainer, or on `fused` where given; the losses on the full sets before and after.
GraphTrainResult fit(const std::vector<torch::Tensor>& params, const ParticleSamples& train,
                     const ParticleSamples& test, const GraphTrainOptions& o, const LossFn& loss_fn,
                     const FusedFn& fused = {}) {
  auto eval = [&](const ParticleSamples& s) { return loss_fn(s, false).item<double>(); };
  GraphTrainResult r;
  r.initial_train_loss = eval(train);
  r.initial_test_loss = eval(test);
  physics::TrainerOptions to;
  to.steps = o.steps;
  to.learning_rate = o.learning_rate;
  if (o.final_learning_rate > 0.0) {
    to.schedule = physics::Schedule::kExponential;
    to.final_fraction = o.final_learning_rate / o.learning_rate;
  }
  to.label = "graph training";
  physics::Trainer trainer(params, to);
  const int64_t B = train.size();
  const bool full = o.batch_size == 0 || o.batch_size >= B;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  torch::Tensor order;
  int64_t cursor = B;
  physics::TrainerHooks hooks;
  hooks.on_step = [&](int64_t step, double value) {
    if (o.record_every > 0 && (step - 1) % o.record_every == 0) r.history.push_back(value);
    if (o.on_step) o.on_step(static_cast<int>(step), value);
  };
  // Under torchrun each rank takes its part of the step's states (the same draw on every rank),
  // and the trainer sums the parts' gradients by their shares.
  const auto& ranks = physics::Distributed::process();
  auto step_on = [&](const ParticleSamples& s, double share) -> physics::StepLoss {
    if (fused) return {{}, fused(s), true, share};
    return {loss_fn(s, true), std::numeric_limits<double>::quiet_NaN(), false, share};
  };
  auto on_part = [&](const torch::Tensor& states) -> physics::StepLoss {
    const auto [mine, share] = ranks.split_batch(states);
    return step_on(train.select(mine), share);
  };
  const auto result = trainer.run(
      [&](int64_t) -> physics::StepLoss {
        if (full)
          return ranks.active() ? on_part(torch::arange(B, torch::TensorOptions().dtype(torch::kLong)).to(train.q.device()))
                                : step_on(train, -1.0);
        if (cursor + o.batch_size > B) {
          order = torch::randperm(B, gen, torch::TensorOptions().dtype(torch::kLong)).to(train.q.device());
          cursor = 0;
        }
        const auto batch = order.narrow(0, cursor, o.batch_size);
        cursor += o.batch_size;
        return ranks.active() ? on_part(batch) : step_on(train.select(batch), -1.0);
      },
      hooks);
  r.seconds = result.seconds;
  r.train_loss = eval(train);
  r.test_loss = eval(test);
  return r;
}

}  // namespace

void GraphTrainOptions::validate() const {
  if (steps < 0) throw InvalidInput("graph training: steps must be >= 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate))
    throw InvalidInput("graph training: learning_rate must be > 0");
  if (batch_size < 0) throw InvalidInput("graph training: batch_size must be >= 0");
  if (record_every < 0) throw InvalidInput("graph training: record_every must be >= 0");
  if (final_learning_rate < 0.0 || !std::isfinite(final_learning_rate))
    throw InvalidInput("graph training: final_learning_rate must be >= 0");
}

torch::Tensor derivative_loss(Hogn& model, const ParticleSamples& s,
                              const ParticleFeatures& features, bool create_graph) {
  const int64_t D = s.dim();
  const GraphBatch g = particle_batch(s, features);
  auto [dq, dp] = model->time_derivative(s.q.reshape({-1, D}), s.p.reshape({-1, D}),
                                         s.masses.reshape({-1}), g, create_graph);
  const auto pred = torch::cat({dq, dp}, -1);
  const auto target = torch::cat({s.dqdt.reshape({-1, D}), s.dpdt.reshape({-1, D})}, -1);
  return torch::mse_loss(pred, target);
}

GraphTrainResult train_hogn(Hogn& model, const ParticleSamples& train_in,
                            const ParticleSamples& test_in, const ParticleFeatures& features,
                            const GraphTrainOptions& o) {
  o.validate();
  const auto opts = model_options(model);
  return fit(model->parameters(), train_in.to(opts), test_in.to(opts), o,
             [&](const ParticleSamples& s, bool create_graph) {
               return derivative_loss(model, s, features, create_graph);
             },
             fused_derivative_loss(model.get(), features, o));
}

torch::Tensor model_loss(ParticleModel& model, const ParticleSamples& in, const GraphTrainOptions& o,
                         bool create_graph) {
  const auto s = in.to(model.options());
  const int64_t D = s.dim();
  const GraphBatch g = particle_batch(s, model.features());
  const auto q = s.q.reshape({-1, D}), p = s.p.reshape({-1, D}), m = s.masses.reshape({-1});
  if (o.loss == GraphLoss::kDerivative) {
    auto [dq, dp] = model.time_derivative(q, p, m, g, create_graph);
    return torch::mse_loss(torch::cat({dq, dp}, -1),
                           torch::cat({s.dqdt.reshape({-1, D}), s.dpdt.reshape({-1, D})}, -1));
  }
  if (!s.q_next.defined() || !s.p_next.defined())
    throw InvalidInput("graph training: the step loss needs next states (ParticleData::pairs())");
  torch::Tensor q1, p1;
  if (create_graph) {
    std::tie(q1, p1) = model.step(q, p, m, g, o.dt, o.integrator, true);
  } else {
    torch::NoGradGuard no_grad;
    std::tie(q1, p1) = model.step(q, p, m, g, o.dt, o.integrator, false);
  }
  const auto pred = torch::cat({q1, p1}, -1) / o.dt;
  const auto target = torch::cat({s.q_next.reshape({-1, D}), s.p_next.reshape({-1, D})}, -1) / o.dt;
  return torch::mse_loss(pred, target);
}

GraphTrainResult train_model(ParticleModel& model, const ParticleSamples& train_in,
                             const ParticleSamples& test_in, const GraphTrainOptions& o) {
  o.validate();
  if (o.loss == GraphLoss::kDerivative && !model.has_vector_field())
    throw InvalidInput(std::string("graph training: ") + graph_model_kind_name(model.config().kind) +
                       " predicts state changes; train it with loss \"step\"");
  const auto opts = model.options();
  return fit(model.parameters(), train_in.to(opts), test_in.to(opts), o,
             [&](const ParticleSamples& s, bool create_graph) {
               return model_loss(model, s, o, create_graph);
             },
             fused_derivative_loss(dynamic_cast<HognImpl*>(&model.module()), model.features(), o));
}

void RolloutMetricsOptions::validate() const {
  if (steps < 1) throw InvalidInput("rollout metrics: steps must be >= 1");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw InvalidInput("rollout metrics: dt must be > 0");
  if (record_every < 1) throw InvalidInput("rollout metrics: record_every must be >= 1");
  if (!(tolerance > 0.0)) throw InvalidInput("rollout metrics: tolerance must be > 0");
  if (!(divergence_energy_error > 0.0))
    throw InvalidInput("rollout metrics: divergence_energy_error must be > 0");
}

RolloutMetrics evaluate_rollouts(ParticleModel& model, const ParticleData& data, int64_t s0,
                                 int64_t s1, const RolloutMetricsOptions& o) {
  o.validate();
  if (s0 < 0 || s1 > data.num_systems() || s0 >= s1)
    throw InvalidInput("rollout metrics: system range [" + std::to_string(s0) + ", " +
                       std::to_string(s1) + ") is empty or outside the data's " +
                       std::to_string(data.num_systems()) + " systems");
  const int64_t S = s1 - s0, N = data.q.size(2), D = data.q.size(3);
  if (D != model.config().dim)
    throw InvalidInput("rollout metrics: the data is " + std::to_string(D) + "-D, the model " +
                       std::to_string(model.config().dim) + "-D");
  // Recorded step indices.
  std::vector<int64_t> record;
  for (int64_t k = 0; k < o.steps; k += o.record_every) record.push_back(k);
  record.push_back(o.steps);

  // Ground truth: each system from its t = 0 state, DOP853 to every recorded time.
  std::vector<physics::Particles> systems;
  std::vector<physics::Vector> y0;
  const auto q0 = data.q[0].narrow(0, s0, S).contiguous(), p0 = data.p[0].narrow(0, s0, S).contiguous();
  for (int64_t s = 0; s < S; ++s) {
    systems.emplace_back(data.systems[static_cast<std::size_t>(s0 + s)]);
    physics::Vector y(2 * N * D);
    const double* qd = q0[s].data_ptr<double>();
    const double* pd = p0[s].data_ptr<double>();
    for (int64_t i = 0; i < N * D; ++i) {
      y[i] = qd[i];
      y[N * D + i] = pd[i];
    }
    y0.push_back(y);
  }
  integrators::AdaptiveOptions ao;
  ao.rtol = ao.atol = o.tolerance;
  // truth[r][s]: the true state of system s at record r.
  std::vector<std::vector<physics::Vector>> truth(record.size(), std::vector<physics::Vector>(S));
  for (int64_t s = 0; s < S; ++s) {
    const auto& sys = systems[static_cast<std::size_t>(s)];
    auto field = [&](double, const physics::Vector& y) { return sys.vector_field(y); };
    physics::Vector y = y0[static_cast<std::size_t>(s)];
    for (std::size_t r = 0; r < record.size(); ++r) {
      if (r > 0) {
        const auto res = integrators::integrate_dop853(y, record[r - 1] * o.dt, record[r] * o.dt, field, ao);
        if (!res.ok()) throw NumericalError("rollout metrics: ground truth of system " +
                                            std::to_string(s0 + s) + ": " + res.message);
      }
      truth[r][static_cast<std::size_t>(s)] = y;
    }
  }

  // The model: all S systems in one batch.
  const auto mopts = model.options();
  ParticleSamples start = data.at(0).select(torch::arange(s0, s1, torch::kLong));
  start = start.to(mopts);
  const GraphBatch g = particle_batch(start, model.features());
  torch::Tensor q = start.q.reshape({-1, D}), p = start.p.reshape({-1, D});
  const torch::Tensor m = start.masses.reshape({-1});

  RolloutMetrics out;
  out.systems = S;
  out.particles = N;
  auto measure = [&](std::size_t r) {
    const auto qc = q.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    const auto pc = p.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    const double* qd = qc.data_ptr<double>();
    const double* pd = pc.data_ptr<double>();
    double mse = 0.0, eerr = 0.0;
    for (int64_t s = 0; s < S; ++s) {
      const auto& yt = truth[r][static_cast<std::size_t>(s)];
      physics::Vector qm(N * D), pm(N * D);
      for (int64_t i = 0; i < N * D; ++i) {
        qm[i] = qd[s * N * D + i];
        pm[i] = pd[s * N * D + i];
        const double d = qm[i] - yt[i];
        mse += d * d;
      }
      if (!qm.allFinite() || !pm.allFinite()) return false;
      const auto& sys = systems[static_cast<std::size_t>(s)];
      const auto& ys = y0[static_cast<std::size_t>(s)];
      const double e0 = sys.energy(ys.head(N * D), ys.tail(N * D));
      const double et = sys.energy(yt.head(N * D), yt.tail(N * D));
      const double em = sys.energy(qm, pm);
      eerr += std::abs(em - et) / std::max(std::abs(e0), 1e-300);
    }
    const double energy_error = eerr / static_cast<double>(S);
    if (!(energy_error <= o.divergence_energy_error)) return false;  // also NaN
    out.t.push_back(record[r] * o.dt);
    out.position_mse.push_back(mse / static_cast<double>(S * N * D));
    out.rel_energy_error.push_back(energy_error);
    return true;
  };
  measure(0);
  double seconds = 0.0;
  for (std::size_t r = 1; r < record.size(); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t k = record[r - 1]; k < record[r]; ++k) {
      auto next = model.step(q, p, m, g, o.dt, o.integrator, false, o.omega);
      q = next.first.detach();
      p = next.second.detach();
    }
    if (q.is_cuda()) torch::cuda::synchronize();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!measure(r)) {
      out.diverged = true;
      break;
    }
    out.steps_done = record[r];
  }
  out.model_seconds = seconds;
  out.final_position_mse = out.position_mse.back();
  out.final_rel_energy_error = out.rel_energy_error.back();
  for (double e : out.rel_energy_error) out.max_rel_energy_error = std::max(out.max_rel_energy_error, e);
  if (out.diverged) out.max_rel_energy_error = std::numeric_limits<double>::infinity();
  return out;
}

Rollout rollout(Hogn& model, const GraphBatch& g, const torch::Tensor& q0, const torch::Tensor& p0,
                const torch::Tensor& masses, double dt, int64_t steps, integrators::Scheme integrator) {
  if (steps < 0) throw InvalidInput("rollout: steps must be >= 0");
  if (!(std::isfinite(dt))) throw InvalidInput("rollout: dt must be finite");
  const auto& info = integrators::scheme_info(integrator);
  if (info.form != integrators::SchemeForm::kField && info.form != integrators::SchemeForm::kSeparable)
    throw InvalidInput(std::string("rollout: ") + info.name + " is not a fixed-step scheme; use rk4 or leapfrog");
  if (info.separable_only && model->options().dissipation)
    throw InvalidInput(std::string("rollout: ") + info.name +
                       " needs a conservative model (dissipation is on); use rk4");
  torch::NoGradGuard no_grad;
  const int64_t D = model->options().dim;
  torch::Tensor q = q0.detach().clone(), p = p0.detach().clone();
  std::vector<torch::Tensor> qs{q}, ps{p}, es{model->energy(q, p, masses, g).detach()};
  for (int64_t k = 0; k < steps; ++k) {
    if (info.form == integrators::SchemeForm::kField) {
      torch::Tensor y = torch::cat({q, p}, -1);
      integrators::step_field(integrator, y, k * dt, dt, [&](double, const torch::Tensor& s) {
        auto [dq, dp] = model->time_derivative(s.narrow(1, 0, D), s.narrow(1, D, D), masses, g);
        return torch::cat({dq, dp}, -1);
      });
      q = y.narrow(1, 0, D).clone();
      p = y.narrow(1, D, D).clone();
    } else {
      // H is separable: dH/dq ignores p and dH/dp ignores q, so the other argument is a dummy.
      integrators::step_separable(
          integrator, q, p, dt,
          [&](const torch::Tensor& qq) { return -model->time_derivative(qq, p, masses, g).second; },
          [&](const torch::Tensor& pp) { return model->time_derivative(q, pp, masses, g).first; });
    }
    if (!torch::isfinite(q).all().item<bool>() || !torch::isfinite(p).all().item<bool>())
      throw NumericalError("rollout: non-finite state at step " + std::to_string(k + 1));
    qs.push_back(q);
    ps.push_back(p);
    es.push_back(model->energy(q, p, masses, g).detach());
  }
  return {torch::stack(qs), torch::stack(ps), torch::stack(es)};
}

}  // namespace noether::graph
