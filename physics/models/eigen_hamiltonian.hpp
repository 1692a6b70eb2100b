// physics/models/eigen_hamiltonian.hpp: a trained MLP Hamiltonian evaluated with Eigen, no autograd.
//
//   auto fast = EigenMlpHamiltonian::from_model(*run.model);   // copies the weights (as double)
//   double H = fast.energy(x);                                  // x = [q; p], 2D entries
//   Eigen::VectorXd f = fast.time_derivative(x);                // J grad H, analytic gradient
//   rk4_step(x, t, dt, [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); });
//
// For long rollouts of a trained HNN: the energy network as a physics/models/eigen_mlp.hpp MLP,
// whose input gradient is written out by hand, so a step costs a few matrix-vector products
// instead of a torch graph. Agrees with the torch path to round-off (tested).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "physics/models/eigen_mlp.hpp"

namespace noether::physics {

class DynamicsModelImpl;

/// `Scalar` is the arithmetic of the network pass: double agrees with torch's float64 to
/// round-off; float halves the memory traffic of the weights and doubles the SIMD width, for
/// rollouts of models trained in float32 anyway. States and results are double either way.
template <class Scalar>
class EigenMlpHamiltonianT {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vec = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  /// Copies an "hnn" model's energy network (throws InvalidInput for other kinds).
  static EigenMlpHamiltonianT from_model(DynamicsModelImpl& model);

  int dof() const { return dof_; }
  /// H(x) for x = [q; p].
  double energy(const Eigen::VectorXd& x) const;
  /// dH/dx (2D entries).
  Eigen::VectorXd gradient(const Eigen::VectorXd& x) const;
  /// dx/dt = J grad H = (dH/dp, -dH/dq).
  Eigen::VectorXd time_derivative(const Eigen::VectorXd& x) const;

 private:
  EigenMlp<Scalar> net_;
  int dof_ = 0;
  mutable Vec x_;
  void check_state(const Eigen::VectorXd& x) const;
};

using EigenMlpHamiltonian = EigenMlpHamiltonianT<double>;
using EigenMlpHamiltonianF = EigenMlpHamiltonianT<float>;

}  // namespace noether::physics
