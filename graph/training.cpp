#include "graph/training.hpp"

#include <cmath>
#include <string>

#include <ATen/CPUGeneratorImpl.h>

#include "integrators/leapfrog.hpp"
#include "integrators/rk4.hpp"
#include "noether/error.hpp"

namespace noether::graph {

namespace {

torch::TensorOptions model_options(Hogn& model) {
  const auto params = model->parameters();
  if (params.empty()) throw InvalidInput("HOGN training: the model has no parameters");
  return params.front().options().requires_grad(false);
}

}  // namespace

void GraphTrainOptions::validate() const {
  if (steps < 0) throw InvalidInput("graph training: steps must be >= 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate))
    throw InvalidInput("graph training: learning_rate must be > 0");
  if (batch_size < 0) throw InvalidInput("graph training: batch_size must be >= 0");
  if (record_every < 0) throw InvalidInput("graph training: record_every must be >= 0");
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
  const auto train = train_in.to(opts), test = test_in.to(opts);
  auto eval = [&](const ParticleSamples& s) {
    return derivative_loss(model, s, features, false).item<double>();
  };
  GraphTrainResult r;
  r.initial_train_loss = eval(train);
  r.initial_test_loss = eval(test);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(o.learning_rate));
  const int64_t B = train.size();
  const bool full = o.batch_size == 0 || o.batch_size >= B;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  torch::Tensor order;
  int64_t cursor = B;
  for (int step = 0; step < o.steps; ++step) {
    ParticleSamples batch = train;
    if (!full) {
      if (cursor + o.batch_size > B) {
        order = torch::randperm(B, gen, torch::TensorOptions().dtype(torch::kLong)).to(opts.device());
        cursor = 0;
      }
      batch = train.select(order.narrow(0, cursor, o.batch_size));
      cursor += o.batch_size;
    }
    adam.zero_grad();
    auto loss = derivative_loss(model, batch, features, true);
    const double value = loss.item<double>();
    if (!std::isfinite(value))
      throw NumericalError("graph training: non-finite loss at step " + std::to_string(step));
    loss.backward();
    adam.step();
    if (o.record_every > 0 && step % o.record_every == 0) r.history.push_back(value);
  }
  r.train_loss = eval(train);
  r.test_loss = eval(test);
  return r;
}

Rollout rollout(Hogn& model, const GraphBatch& g, const torch::Tensor& q0, const torch::Tensor& p0,
                const torch::Tensor& masses, double dt, int64_t steps, RolloutIntegrator integrator) {
  if (steps < 0) throw InvalidInput("rollout: steps must be >= 0");
  if (!(std::isfinite(dt))) throw InvalidInput("rollout: dt must be finite");
  if (integrator == RolloutIntegrator::kLeapfrog && model->options().dissipation)
    throw InvalidInput("rollout: leapfrog needs a conservative model (dissipation is on); use RK4");
  torch::NoGradGuard no_grad;
  const int64_t D = model->options().dim;
  torch::Tensor q = q0.detach().clone(), p = p0.detach().clone();
  std::vector<torch::Tensor> qs{q}, ps{p}, es{model->energy(q, p, masses, g).detach()};
  for (int64_t k = 0; k < steps; ++k) {
    if (integrator == RolloutIntegrator::kRk4) {
      torch::Tensor y = torch::cat({q, p}, -1);
      integrators::rk4_step(y, k * dt, dt, [&](double, const torch::Tensor& s) {
        auto [dq, dp] = model->time_derivative(s.narrow(1, 0, D), s.narrow(1, D, D), masses, g);
        return torch::cat({dq, dp}, -1);
      });
      q = y.narrow(1, 0, D).clone();
      p = y.narrow(1, D, D).clone();
    } else {
      // H is separable: dH/dq ignores p and dH/dp ignores q, so the other argument is a dummy.
      integrators::leapfrog_step(
          q, p, dt,
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
