// physics/models/eigen_hamiltonian.hpp: a trained MLP Hamiltonian evaluated with Eigen, no autograd.
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
  enum class Activation { kTanh, kRelu, kSoftplus, kSin };
  /// Runs hidden layers 0 .. count-1 (filling z_ and h_) and returns the input of layer `count`.
  const Vec& forward_layers(const Eigen::VectorXd& x, std::size_t count) const;
  Scalar forward(const Eigen::VectorXd& x) const;
  void backward(const Eigen::VectorXd& x) const;  ///< leaves dH/dx in g_
  void check_state(const Eigen::VectorXd& x) const;
  template <class In, class Out>
  void activate(const In& z, Out&& h) const;  ///< h = act(z), elementwise
  template <class Z, class H, class G>
  void times_derivative(const Z& z, const H& h, G&& g) const;  ///< g *= act'(z), h = act(z)
  std::vector<Matrix> weights_;  ///< layer l: [out, in]
  std::vector<Vec> biases_;      ///< zero-size for the bias-free output layer
  /// The last hidden layer's weights again, row-major, for the one-pass gradient in backward():
  /// a block of rows is then contiguous. (All layers row-major made the thin first layer's
  /// products slower: float rollouts 19x instead of 22x.)
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> last_rows_;
  Activation activation_ = Activation::kTanh;
  int dof_ = 0;
  // Scratch space for the forward pass (pre-activations and activations), reused between calls:
  // an instance is not safe to share between threads.
  mutable std::vector<Vec> z_, h_;
  mutable Vec x_, g_, next_;
};

using EigenMlpHamiltonian = EigenMlpHamiltonianT<double>;
using EigenMlpHamiltonianF = EigenMlpHamiltonianT<float>;

}  // namespace noether::physics
