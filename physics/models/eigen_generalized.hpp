// physics/models/eigen_generalized.hpp: a trained (P + Q) grad H or GENERIC model's vector field
// evaluated with Eigen, no autograd (issue 16's Eigen inference path, where it applies).
//
//   auto fast = EigenGeneralizedField::from_model(*run.model);   // pq, generic, generic-soft
//   Eigen::VectorXd f = fast.time_derivative(x);                  // x: state_dim() entries
//   rk4_step(x, t, dt, [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); });
//
// The energy (and entropy) networks' input gradients come from eigen_mlp.hpp's hand-written chain
// rule; the structure networks are plain forward passes; the matrices are those of
// physics/models/generalized.hpp (P = A - A^T, Q = -L L^T; GENERIC's L = P_S A P_S and
// M = P_E B B^T P_E, or A and B B^T for the soft form). Agrees with the torch path to round-off
// (tested). The models whose fields need a network's Jacobian or Hessian (nsf, ghnn, symoden) stay
// on the torch path.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "physics/models/eigen_mlp.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

/// A torch MLP's weights as doubles (the one copy both Eigen paths make), and its forward pass for
/// any number of outputs (hidden layers with the activation, linear output layer).
struct EigenDenseMlp {
  std::vector<Eigen::MatrixXd> weights;  ///< [out x in] per layer
  std::vector<Eigen::VectorXd> biases;   ///< size out, or 0 for none
  EigenActivation activation = EigenActivation::kTanh;
  Eigen::VectorXd forward(const Eigen::VectorXd& x) const;
  /// Copies a torch MLP's weights (as double).
  static EigenDenseMlp from(const MlpImpl& mlp);
};

class EigenGeneralizedField {
 public:
  /// Copies the networks of a pq, generic or generic-soft model; throws InvalidInput for other
  /// kinds.
  static EigenGeneralizedField from_model(DynamicsModelImpl& model);
  int state_dim() const { return n_; }
  /// The learned energy H (pq) or E (GENERIC) at x.
  double energy(const Eigen::VectorXd& x) const;
  /// dx/dt at x; throws InvalidInput for a state of another size or a non-finite entry.
  Eigen::VectorXd time_derivative(const Eigen::VectorXd& x) const;

 private:
  void check_state(const Eigen::VectorXd& x) const;
  /// A - A^T from the n(n-1)/2 upper-triangle entries, row by row (torch's triu_indices order).
  Eigen::MatrixXd skew(const Eigen::VectorXd& entries) const;
  ModelKind kind_ = ModelKind::kPq;
  int n_ = 0;
  EigenMlp<double> energy_, entropy_;
  EigenDenseMlp structure_, friction_;  ///< pq: structure_ only; GENERIC: A and B
};

}  // namespace noether::physics
