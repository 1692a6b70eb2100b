// graph/training.hpp: fitting a HOGN to particle data and rolling it out (issue 5).
//
//   using namespace noether::graph;
//   ParticleData d = generate_particle_data(o);
//   ParticleSamples train = d.samples(0, 24), test = d.samples(24, 32);
//   Hogn model(hogn_options);  model->to(torch::kFloat64);
//   GraphTrainOptions t; t.steps = 400; t.learning_rate = 3e-3;
//   GraphTrainResult r = train_hogn(model, train, test, {true, true}, t);   // r.test_loss
//   Rollout ro = rollout(model, particle_batch(s, f), q0, p0, m, 0.01, 100, Scheme::kRk4);
//
// Any of the three models (graph/particle_model.hpp) trains with train_model: the derivative
// loss (HOGN, OGN) or the one-step loss through an integrator (every model; DeltaGN's only one),
// and evaluate_rollouts measures position MSE and the true energy's error over time on systems
// the model never saw, with any dt, integrator or particle count (the zero-shot tests):
//   ParticleModel pm(config);
//   GraphTrainOptions t; t.loss = GraphLoss::kStep; t.integrator = StepIntegrator::kRk4; t.dt = 0.05;
//   train_model(pm, d.pairs(0, 24), d.pairs(24, 32), t);
//   RolloutMetrics r = evaluate_rollouts(pm, unseen, 0, 8, {1000, 0.05});   // r.max_rel_energy_error
//
// The loss is pointwise: MSE over every component of (dq/dt, dp/dt) of the model's Hamilton
// equations against the exact derivatives at the observed states (the HNN/HOGN objective).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "graph/graph.hpp"
#include "graph/hogn.hpp"
#include "graph/particle_data.hpp"
#include "graph/particle_model.hpp"

namespace noether::graph {

/// MSE of the model's (dq/dt, dp/dt) against samples' targets, averaged over all B N D 2
/// components. Samples must be in the model's dtype and on its device. With create_graph the
/// loss is differentiable in the parameters; without it, it is a detached value.
torch::Tensor derivative_loss(Hogn& model, const ParticleSamples& samples,
                              const ParticleFeatures& features, bool create_graph = true);

struct GraphTrainOptions {
  int steps = 300;             ///< Adam steps
  double learning_rate = 1e-3;
  double final_learning_rate = 0.0;  ///< > 0: decays geometrically from learning_rate to this
  int64_t batch_size = 0;      ///< samples per step; 0 or >= B: the whole training set
  uint64_t seed = 0;           ///< minibatch order
  int record_every = 0;        ///< > 0: record the train loss every so many steps
  /// train_model only (see GraphLoss).
  GraphLoss loss = GraphLoss::kDerivative;
  StepIntegrator integrator = StepIntegrator::kRk4;  ///< train_model with loss "step"
  double dt = 0.1;             ///< train_model with loss "step": the samples' interval
  /// HOGN with one GN block on the CPU, derivative loss: the hand-derived loss gradient
  /// (graph/fused_hogn.hpp) instead of autograd's double backward; the same gradients.
  bool fused = true;
  std::function<void(int step, double loss)> on_step;  ///< called after every step (progress)
  /// Throws InvalidInput naming the first bad field.
  void validate() const;
};

struct GraphTrainResult {
  double initial_train_loss = 0.0, initial_test_loss = 0.0;
  double train_loss = 0.0, test_loss = 0.0;  ///< after the last step, on the full sets
  std::vector<double> history;               ///< train losses every record_every steps
  double seconds = 0.0;                      ///< wall time of the Adam steps
};

/// Adam on derivative_loss over `train`; losses on the full `train` and `test` before and after.
/// Samples are moved to the model's dtype and device. Throws NumericalError on a non-finite loss.
GraphTrainResult train_hogn(Hogn& model, const ParticleSamples& train, const ParticleSamples& test,
                            const ParticleFeatures& features, const GraphTrainOptions& options);

/// The loss of train_model on `samples` (moved to the model's dtype and device first):
/// options.loss "derivative" or "step" (needs samples.q_next, p_next: ParticleData::pairs()).
torch::Tensor model_loss(ParticleModel& model, const ParticleSamples& samples,
                         const GraphTrainOptions& options, bool create_graph = true);

/// Adam on model_loss, as train_hogn, for any of the three models. DeltaGN needs loss "step".
GraphTrainResult train_model(ParticleModel& model, const ParticleSamples& train,
                             const ParticleSamples& test, const GraphTrainOptions& options);

struct RolloutMetricsOptions {
  int64_t steps = 1000;
  double dt = 0.1;
  StepIntegrator integrator = StepIntegrator::kRk4;
  double omega = 20.0;        ///< Tao's coupling
  int64_t record_every = 10;  ///< metrics at steps 0, k, 2k, ... (and the last)
  double tolerance = 1e-10;   ///< DOP853 tolerance of the ground truth
  /// A rollout whose mean relative energy error passes this has diverged (its state may still be
  /// finite: an energy 1e42 times the true one is not a trajectory of the system).
  double divergence_energy_error = 1e3;
  void validate() const;
};

/// Rollout metrics over time, averaged over the systems; see evaluate_rollouts.
struct RolloutMetrics {
  std::vector<double> t;                 ///< recorded times
  std::vector<double> position_mse;      ///< mean over systems, particles, axes of (q - q_true)^2
  std::vector<double> rel_energy_error;  ///< mean over systems of |E(x) - E(x_true)| / |E(x_true(0))|
  double final_position_mse = 0.0;
  double max_rel_energy_error = 0.0;     ///< max over the recorded times
  double final_rel_energy_error = 0.0;
  int64_t steps_done = 0;                ///< < steps when the model diverged
  /// A non-finite state, or a relative energy error above divergence_energy_error (metrics cover
  /// the steps before it).
  bool diverged = false;
  double model_seconds = 0.0;            ///< wall time of the model's steps
  int64_t systems = 0, particles = 0;
};

/// Rolls the model out from the t = 0 states of systems [s0, s1) of `data` (all in one batch)
/// and compares with the true trajectories (DOP853) of the same systems. E is the true
/// Hamiltonian of each system (physics::Particles::energy) on both trajectories, so the energy
/// error is comparable across HOGN, OGN and DeltaGN; for a damped system it measures the error in
/// the energy's decay. The step size and integrator may differ from training (the zero-shot tests).
RolloutMetrics evaluate_rollouts(ParticleModel& model, const ParticleData& data, int64_t s0, int64_t s1,
                                 const RolloutMetricsOptions& options);

struct Rollout {
  torch::Tensor q, p;    ///< [K + 1, N, D], the initial state first
  torch::Tensor energy;  ///< [K + 1, G] the model's H of each graph at each state
};

/// Advances (q0, p0) ([N, D] over the nodes of `graph`) by `steps` steps of dt under the model's
/// field, without autograd through the rollout, with a fixed-step scheme of integrators/registry.hpp.
/// The separable ones (leapfrog, yoshida4, ...) need a conservative model; with dissipation they
/// throw InvalidInput. Throws NumericalError on a non-finite state.
Rollout rollout(Hogn& model, const GraphBatch& graph, const torch::Tensor& q0,
                const torch::Tensor& p0, const torch::Tensor& masses, double dt, int64_t steps,
                integrators::Scheme integrator = integrators::Scheme::kRk4);

}  // namespace noether::graph
