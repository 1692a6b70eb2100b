// graph/simulator.hpp: the library user's entry point for learned particle systems.
//
//   #include "graph/simulator.hpp"
//   noether::graph::ParticleSimulator sim("springs.pt");          // a `noether train-graph` model
//   Eigen::MatrixXd q(4, 2), v(4, 2);  Eigen::VectorXd m(4);      // positions, velocities, masses
//   ...
//   sim.set_state(q, v, m);                 // one system of 4 particles (p = m v)
//   auto r = sim.step(0.01, 1000);  // r.ok(), r.message                   // 1000 steps of dt = 0.01 with the default integrator
//   Eigen::MatrixXd q1 = sim.positions();   // [4, 2]
//   Eigen::VectorXd e = sim.energies();     // the learned H of each system (hogn), [1]
//
// Many systems at once go in as tensors: set_state(q [B, N, D], p [B, N, D], masses [B, N]);
// they are stepped as one GraphBatch, on the device of the model (move it with to()). The
// integrator defaults to leapfrog for a conservative HOGN (symplectic: its learned energy stays
// bounded) and RK4 otherwise; DeltaGN steps by its own prediction.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Dense>
#include <torch/torch.h>

#include "graph/particle_model.hpp"
#include "integrators/result.hpp"

namespace noether::graph {

class ParticleSimulator {
 public:
  /// Loads a checkpoint written by save_particle_model (noether train-graph); CPU, float64.
  explicit ParticleSimulator(const std::string& checkpoint);
  /// Wraps a model (shares its parameters).
  explicit ParticleSimulator(ParticleModel model);

  ParticleModel& model() { return model_; }
  /// Moves the model and the current state to `device` (e.g. torch::kCUDA).
  void to(torch::Device device);
  void set_integrator(StepIntegrator integrator) { integrator_ = integrator; }
  StepIntegrator integrator() const { return integrator_; }

  /// One system: q, v [N, D] (positions, velocities), masses [N] (> 0); spring constants
  /// [N, N] symmetric when the model was trained with spring features (else ignored).
  void set_state(const Eigen::MatrixXd& q, const Eigen::MatrixXd& v, const Eigen::VectorXd& masses,
                 const Eigen::MatrixXd& springs = Eigen::MatrixXd());
  /// B systems of N particles: q, p [B, N, D] (momenta), masses [B, N], springs [B, N, N] or
  /// undefined. Moved to the model's dtype and device.
  void set_state(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                 const torch::Tensor& springs = {});

  /// `steps` steps of dt (> 0 or < 0 for backwards, not 0). A learned model diverging is an
  /// outcome (integrators/result.hpp): status kNonFinite and a message, the state left at its
  /// value before the call. InvalidInput for a bad dt or count, or no state.
  [[nodiscard]] integrators::Result step(double dt, int64_t steps = 1);

  int64_t systems() const { return q_.defined() ? q_.size(0) : 0; }
  /// The state as tensors [B, N, D] on the model's device.
  const torch::Tensor& q() const { return q_; }
  const torch::Tensor& p() const { return p_; }
  /// System `b`'s positions / velocities / momenta as [N, D] matrices.
  Eigen::MatrixXd positions(int64_t b = 0) const;
  Eigen::MatrixXd velocities(int64_t b = 0) const;
  Eigen::MatrixXd momenta(int64_t b = 0) const;
  /// The learned H of every system, [B] (HOGN only: InvalidInput for OGN and DeltaGN).
  torch::Tensor energy_tensor();
  Eigen::VectorXd energies();

 private:
  void require_state(const char* what) const;
  Eigen::MatrixXd matrix(const torch::Tensor& t, int64_t b) const;
  ParticleModel model_;
  StepIntegrator integrator_;
  torch::Tensor q_, p_, masses_, springs_;
  GraphBatch graph_;
};

}  // namespace noether::graph
