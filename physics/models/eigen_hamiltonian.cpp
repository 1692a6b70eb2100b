#include "physics/models/eigen_hamiltonian.hpp"

#include <cmath>
#include <type_traits>

#include "noether/error.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

template <class Scalar>
EigenMlpHamiltonianT<Scalar> EigenMlpHamiltonianT<Scalar>::from_model(DynamicsModelImpl& model) {
  if (model.config().kind != ModelKind::kHnn)
    throw InvalidInput(std::string("the Eigen inference path takes an hnn model, not '") +
                       model_kind_name(model.config().kind) + "'");
  torch::NoGradGuard no_grad;
  std::shared_ptr<MlpImpl> mlp;
  for (const auto& child : model.named_children())
    if (child.key() == "hamiltonian") mlp = std::dynamic_pointer_cast<MlpImpl>(child.value());
  NOETHER_CHECK(mlp != nullptr, "hnn model without a 'hamiltonian' MLP");
  EigenMlpHamiltonianT e;
  e.dof_ = static_cast<int>(model.dof());
  const auto& act = mlp->activation();
  e.activation_ = act == "tanh" ? Activation::kTanh
                  : act == "relu" ? Activation::kRelu
                  : act == "softplus" ? Activation::kSoftplus
                                      : Activation::kSin;
  for (const auto& lin : mlp->linears()) {
    const auto w = lin->weight.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    // torch is row-major; Eigen's Matrix is column-major: the assignment from the map transposes.
    using RowMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    e.weights_.push_back(Eigen::Map<const RowMajorD>(w.data_ptr<double>(), w.size(0), w.size(1)).cast<Scalar>());
    Vec b;
    if (lin->bias.defined()) {
      const auto bt = lin->bias.detach().to(torch::kCPU, torch::kFloat64).contiguous();
      b = Eigen::Map<const Eigen::VectorXd>(bt.data_ptr<double>(), bt.numel()).cast<Scalar>();
    }
    e.biases_.push_back(std::move(b));
  }
  e.last_rows_ = e.weights_[e.weights_.size() - 2];  // models have at least one hidden layer
  e.z_.resize(e.weights_.size());
  e.h_.resize(e.weights_.size());
  return e;
}

template <class Scalar>
template <class In, class Out>
void EigenMlpHamiltonianT<Scalar>::activate(const In& z, Out&& h) const {
  switch (activation_) {
    case Activation::kTanh:
      if constexpr (std::is_same_v<Scalar, double>) {
        // Eigen vectorises exp but not tanh for doubles; this form has an absolute error of a
        // few ulp, which is what the network's output sees.
        h = 1.0 - 2.0 / ((2.0 * z.array()).exp() + 1.0);
      } else {
        h = z.array().tanh();
      }
      break;
    case Activation::kRelu: h = z.array().cwiseMax(Scalar(0)); break;
    case Activation::kSoftplus:
      h = z.unaryExpr([](Scalar v) { return v > Scalar(20) ? v : std::log1p(std::exp(v)); }).array();
      break;
    case Activation::kSin: h = z.array().sin(); break;
  }
}

template <class Scalar>
template <class Z, class H, class G>
void EigenMlpHamiltonianT<Scalar>::times_derivative(const Z& z, const H& h, G&& g) const {
  switch (activation_) {
    case Activation::kTanh: g.array() *= Scalar(1) - h.array().square(); break;
    case Activation::kRelu: g.array() *= (z.array() > Scalar(0)).template cast<Scalar>(); break;
    case Activation::kSoftplus: g.array() *= Scalar(1) / (Scalar(1) + (-z.array()).exp()); break;
    case Activation::kSin: g.array() *= z.array().cos(); break;
  }
}

template <class Scalar>
void EigenMlpHamiltonianT<Scalar>::check_state(const Eigen::VectorXd& x) const {
  if (x.size() != 2 * dof_)
    throw InvalidInput("EigenMlpHamiltonian: state has " + std::to_string(x.size()) +
                       " entries; expected " + std::to_string(2 * dof_));
}

template <class Scalar>
const typename EigenMlpHamiltonianT<Scalar>::Vec& EigenMlpHamiltonianT<Scalar>::forward_layers(
    const Eigen::VectorXd& x, std::size_t count) const {
  check_state(x);
  x_ = x.cast<Scalar>();
  const Vec* in = &x_;
  for (std::size_t l = 0; l < count; ++l) {
    z_[l].noalias() = weights_[l] * *in;
    if (biases_[l].size()) z_[l] += biases_[l];
    h_[l].resize(z_[l].size());
    activate(z_[l], h_[l].array());
    in = &h_[l];
  }
  return *in;
}

template <class Scalar>
Scalar EigenMlpHamiltonianT<Scalar>::forward(const Eigen::VectorXd& x) const {
  const Vec& in = forward_layers(x, weights_.size() - 1);
  Scalar out = weights_.back().row(0).dot(in);
  if (biases_.back().size()) out += biases_.back()[0];
  return out;
}

template <class Scalar>
double EigenMlpHamiltonianT<Scalar>::energy(const Eigen::VectorXd& x) const {
  return static_cast<double>(forward(x));
}

template <class Scalar>
Eigen::VectorXd EigenMlpHamiltonianT<Scalar>::gradient(const Eigen::VectorXd& x) const {
  backward(x);
  return g_.template cast<double>();
}

template <class Scalar>
void EigenMlpHamiltonianT<Scalar>::backward(const Eigen::VectorXd& x) const {
  const std::size_t hidden = weights_.size() - 1;  // >= 1: models have at least one hidden layer
  const Vec& in = forward_layers(x, hidden - 1);      // all hidden layers but the last
  // The last hidden layer in one pass over its weights, a block of rows at a time: the block's
  // pre-activations, then at once its share of the gradient at the layer's input,
  // sum_i w_out[i] act'(z_i) W[i, :], while the block is still in L1. Separate forward and backward
  // products would stream the (largest) matrix from L2 twice per evaluation.
  const std::size_t last = hidden - 1;
  const auto& w = last_rows_;
  const Vec& b = biases_[last];
  const auto w_out = weights_.back().row(0);
  const Eigen::Index rows = w.rows();
  constexpr Eigen::Index kBlock = 32;  // 32 rows of 200 floats: 25 KB, fits L1 (8: 18x, 16: 20x, 64: 19x)
  next_.setZero(w.cols());
  Eigen::Matrix<Scalar, kBlock, 1> z, h, s;
  for (Eigen::Index r = 0; r < rows; r += kBlock) {
    const Eigen::Index n = std::min(kBlock, rows - r);
    auto zb = z.head(n);
    auto hb = h.head(n);
    auto sb = s.head(n);
    zb.noalias() = w.middleRows(r, n) * in;
    if (b.size()) zb += b.segment(r, n);
    activate(zb, hb.array());
    sb = w_out.segment(r, n).transpose();
    times_derivative(zb, hb, sb);
    next_.noalias() += w.middleRows(r, n).transpose() * sb;
  }
  g_.swap(next_);
  // Back through the remaining layers.
  for (std::size_t l = last; l-- > 0;) {
    times_derivative(z_[l], h_[l], g_);
    next_.noalias() = weights_[l].transpose() * g_;
    g_.swap(next_);
  }
}

template <class Scalar>
Eigen::VectorXd EigenMlpHamiltonianT<Scalar>::time_derivative(const Eigen::VectorXd& x) const {
  backward(x);
  Eigen::VectorXd f(g_.size());
  f.head(dof_) = g_.tail(dof_).template cast<double>();
  f.tail(dof_) = -g_.head(dof_).template cast<double>();
  return f;
}

template class EigenMlpHamiltonianT<double>;
template class EigenMlpHamiltonianT<float>;

}  // namespace noether::physics
