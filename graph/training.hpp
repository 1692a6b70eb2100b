// graph/training.hpp: fitting a HOGN to particle data and rolling it out (issue 5).
//
//   using namespace noether::graph;
//   ParticleData d = generate_particle_data(o);
//   ParticleSamples train = d.samples(0, 24), test = d.samples(24, 32);
//   Hogn model(hogn_options);  model->to(torch::kFloat64);
//   GraphTrainOptions t; t.steps = 400; t.learning_rate = 3e-3;
//   GraphTrainResult r = train_hogn(model, train, test, {true, true}, t);   // r.test_loss
//   Rollout ro = rollout(model, particle_batch(s, f), q0, p0, m, 0.01, 100, RolloutIntegrator::kRk4);
//
// The loss is pointwise: MSE over every component of (dq/dt, dp/dt) of the model's Hamilton
// equations against the exact derivatives at the observed states (the HNN/HOGN objective).
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "graph/graph.hpp"
#include "graph/hogn.hpp"
#include "graph/particle_data.hpp"

namespace noether::graph {

/// MSE of the model's (dq/dt, dp/dt) against samples' targets, averaged over all B N D 2
/// components. Samples must be in the model's dtype and on its device. With create_graph the
/// loss is differentiable in the parameters; without it, it is a detached value.
torch::Tensor derivative_loss(Hogn& model, const ParticleSamples& samples,
                              const ParticleFeatures& features, bool create_graph = true);

struct GraphTrainOptions {
  int steps = 300;             ///< Adam steps
  double learning_rate = 1e-3;
  int64_t batch_size = 0;      ///< samples per step; 0 or >= B: the whole training set
  uint64_t seed = 0;           ///< minibatch order
  int record_every = 0;        ///< > 0: record the train loss every so many steps
  /// Throws InvalidInput naming the first bad field.
  void validate() const;
};

struct GraphTrainResult {
  double initial_train_loss = 0.0, initial_test_loss = 0.0;
  double train_loss = 0.0, test_loss = 0.0;  ///< after the last step, on the full sets
  std::vector<double> history;               ///< train losses every record_every steps
};

/// Adam on derivative_loss over `train`; losses on the full `train` and `test` before and after.
/// Samples are moved to the model's dtype and device. Throws NumericalError on a non-finite loss.
GraphTrainResult train_hogn(Hogn& model, const ParticleSamples& train, const ParticleSamples& test,
                            const ParticleFeatures& features, const GraphTrainOptions& options);

enum class RolloutIntegrator { kRk4, kLeapfrog };

struct Rollout {
  torch::Tensor q, p;    ///< [K + 1, N, D], the initial state first
  torch::Tensor energy;  ///< [K + 1, G] the model's H of each graph at each state
};

/// Advances (q0, p0) ([N, D] over the nodes of `graph`) by `steps` steps of dt under the model's
/// field, without autograd through the rollout. Leapfrog needs a conservative model (H is
/// separable); with dissipation it throws InvalidInput. Throws NumericalError on a non-finite state.
Rollout rollout(Hogn& model, const GraphBatch& graph, const torch::Tensor& q0,
                const torch::Tensor& p0, const torch::Tensor& masses, double dt, int64_t steps,
                RolloutIntegrator integrator = RolloutIntegrator::kRk4);

}  // namespace noether::graph
