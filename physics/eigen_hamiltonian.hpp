// physics/eigen_hamiltonian.hpp: a trained MLP Hamiltonian evaluated with Eigen, no autograd.
//
//   auto fast = EigenMlpHamiltonian::from_model(*run.model);   // copies the weights (as double)
//   double H = fast.energy(x);                                  // x = [q; p], 2D entries
//   Eigen::VectorXd f = fast.time_derivative(x);                // J grad H, analytic gradient
//   rk4_step(x, t, dt, [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); });
//
// For long rollouts of a trained HNN: the network and its input gradient are written out by hand
// (forward pass, then the chain rule back through each layer), so a step costs a few matrix-
// vector products instead of a torch graph. Agrees with the torch path to round-off (tested).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

namespace noether::physics {

class DynamicsModelImpl;

class EigenMlpHamiltonian {
 public:
  /// Copies an "hnn" model's energy network (throws InvalidInput for other kinds).
  static EigenMlpHamiltonian from_model(DynamicsModelImpl& model);

  int dof() const { return dof_; }
  /// H(x) for x = [q; p].
  double energy(const Eigen::VectorXd& x) const;
  /// dH/dx (2D entries).
  Eigen::VectorXd gradient(const Eigen::VectorXd& x) const;
  /// dx/dt = J grad H = (dH/dp, -dH/dq).
  Eigen::VectorXd time_derivative(const Eigen::VectorXd& x) const;

 private:
  enum class Activation { kTanh, kRelu, kSoftplus, kSin };
  std::vector<Eigen::MatrixXd> weights_;  ///< layer l: [out, in]
  std::vector<Eigen::VectorXd> biases_;   ///< zero-size for the bias-free output layer
  Activation activation_ = Activation::kTanh;
  int dof_ = 0;
  // Scratch space for the forward pass (pre-activations), reused between calls.
  mutable std::vector<Eigen::VectorXd> z_, h_;
};

}  // namespace noether::physics
