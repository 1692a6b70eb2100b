// physics/learning/evaluation.hpp: the HNN papers' metrics for a learned model against the true system.
//
//   Evaluation e = evaluate(*run.model, *system, data, EvaluationOptions{});
//   e.test_loss     // pointwise derivative MSE on the held-out set
//   e.energy_mse    // true energy along learned rollouts vs along true ones
//   e.state_mse     // learned rollouts vs true trajectories
#pragma once

#include <cstdint>
#include <vector>

#include "integrators/registry.hpp"
#include "physics/learning/dataset.hpp"
#include "physics/models/model.hpp"
#include "physics/systems/systems.hpp"

namespace noether::physics {

struct EvaluationOptions {
  int starts = 15;        ///< random initial states (from the system's sampler)
  double t1 = 20.0;       ///< rollouts cover [0, t1]
  int points = 1000;      ///< samples along each rollout
  int substeps = 2;       ///< steps of `integrator` between samples for the learned model
  /// The scheme of the learned rollouts: any fixed-step one (rk4; leapfrog for separable models;
  /// lie-euler, rkmk4, cf4 for sphere-hnn; rattle for chnn, on the constraints to round-off). VIN
  /// models always step their own map, once per sample.
  integrators::Scheme integrator = integrators::Scheme::kRk4;
  /// chnn: project the learned state onto the constraints (positions, then momenta, in the metric
  /// of the learned M^{-1}) after every step of `integrator`.
  bool project = false;
  uint64_t seed = 1234;   ///< for the initial states
  bool trace = false;     ///< keep the first start's energies along both rollouts (Evaluation::trace)
  bool fixed_start = false;  ///< roll out from the system's default state (starts must then be 1)
  void validate() const;
};

/// Energies along the first start's rollouts: the true H on the true and on the learned
/// trajectory, and the model's own H (and S, for GENERIC models of systems with an entropy),
/// shifted by a constant to agree with the truth at t = 0 (they are defined up to one).
struct RolloutTrace {
  std::vector<double> t, true_energy, energy_on_learned, learned_energy;
  std::vector<double> true_entropy, entropy_on_learned, learned_entropy;  ///< empty without an entropy
  std::vector<Vector> true_states, learned_states;  ///< the first start's states, sample by sample
};

struct Evaluation {
  double test_loss = 0.0;
  double energy_mse = 0.0;  ///< mean over starts and samples of (H(x_learned) - H(x_true))^2
  double state_mse = 0.0;   ///< mean over starts, samples and coordinates of (x_learned - x_true)^2
  /// Mean over starts of |H(x_learned(t1)) - H(x_true(t1))| / |H(x(0))|, H the true energy: how
  /// far the learned rollout's energy has drifted from the truth's by the end.
  double energy_drift = 0.0;
  /// Mean of the model's structure_residual over the test set; -1 for kinds that promise none.
  double structure_residual = -1.0;
  /// The constrained-HNN papers' metric: |x_learned - x_true| / (|x_learned| + |x_true|) at each
  /// sample after the first, geometric mean over samples and starts (infinity when a rollout
  /// blew up).
  double geometric_mean_relative_error = 0.0;
  /// Truths with holonomic constraints: the largest |phi(q)| along the learned rollouts (how far
  /// they leave the rods' lengths); -1 for the other systems.
  double constraint_drift = -1.0;
  RolloutTrace trace;  ///< filled when EvaluationOptions::trace
  int starts = 0;
};

/// The mean of model.structure_residual over the rows of x; -1 when the kind promises no law.
double mean_structure_residual(DynamicsModelImpl& model, const torch::Tensor& x);

/// Rolls the learned field (RK4) and the true one (DOP853, tolerance 1e-12) from the same random
/// starts and compares them. The energy is the true system's H in both cases. The rollouts of this
/// file take the generalized models (pq, generic, ghnn, nsf, symoden) through their Eigen path
/// (physics/models/eigen_generalized.hpp), in double; the others through time_derivative.
Evaluation evaluate(DynamicsModelImpl& model, const System& truth, const DataSet& data,
                    const EvaluationOptions& options);

/// SymODEN's per-trajectory error (Zhong et al. 2019): each trajectory of traj [T, N, W] is rolled
/// by the learned field from its first sample, `substeps` RK4 steps per sample spacing dt; the
/// squared error is summed over samples and entries, then averaged over trajectories. Infinity
/// when a rollout blows up; 0 for no trajectories.
double trajectory_sse(DynamicsModelImpl& model, const torch::Tensor& traj, double dt, int substeps = 1);

/// Prediction past the data: from each row of `starts` [N, W] the true system (DOP853, tolerance
/// 1e-12) and the learned field are rolled `steps` steps of dt, and trajectory_sse of the result
/// is returned (SymODEN's prediction error has steps + 1 = 90 samples for task 1, 40 for task 2).
/// Throws NumericalError when the truth cannot be integrated.
double prediction_sse(DynamicsModelImpl& model, const System& truth, const torch::Tensor& starts, double dt,
                      int steps, int substeps = 1);

/// For measured data (one recorded trajectory): rolls the learned field from the first test
/// state through the test times and compares with the measurements, the energy measured with
/// `energy` (the HNN paper's real-pendulum protocol). starts = 1.
Evaluation evaluate_measured(DynamicsModelImpl& model, const System& energy, const DataSet& data,
                             int substeps = 4);

}  // namespace noether::physics
