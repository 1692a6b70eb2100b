#include "physics/eigen_hamiltonian.hpp"

#include <cmath>

#include "noether/error.hpp"
#include "physics/models.hpp"

namespace noether::physics {

EigenMlpHamiltonian EigenMlpHamiltonian::from_model(DynamicsModelImpl& model) {
  if (model.config().kind != "hnn")
    throw InvalidInput("the Eigen inference path takes an hnn model, not '" + model.config().kind + "'");
  torch::NoGradGuard no_grad;
  std::shared_ptr<MlpImpl> mlp;
  for (const auto& child : model.named_children())
    if (child.key() == "hamiltonian") mlp = std::dynamic_pointer_cast<MlpImpl>(child.value());
  NOETHER_CHECK(mlp != nullptr, "hnn model without a 'hamiltonian' MLP");
  EigenMlpHamiltonian e;
  e.dof_ = static_cast<int>(model.dof());
  const auto& act = mlp->activation();
  e.activation_ = act == "tanh" ? Activation::kTanh
                  : act == "relu" ? Activation::kRelu
                  : act == "softplus" ? Activation::kSoftplus
                                      : Activation::kSin;
  for (const auto& lin : mlp->linears()) {
    const auto w = lin->weight.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    Eigen::MatrixXd m(w.size(0), w.size(1));
    // torch is row-major; copy element by element into Eigen's column-major storage.
    const double* pw = w.data_ptr<double>();
    for (int64_t r = 0; r < w.size(0); ++r)
      for (int64_t c = 0; c < w.size(1); ++c) m(r, c) = pw[r * w.size(1) + c];
    e.weights_.push_back(std::move(m));
    Eigen::VectorXd b;
    if (lin->bias.defined()) {
      const auto bt = lin->bias.detach().to(torch::kCPU, torch::kFloat64).contiguous();
      b = Eigen::Map<const Eigen::VectorXd>(bt.data_ptr<double>(), bt.numel());
    }
    e.biases_.push_back(std::move(b));
  }
  e.z_.resize(e.weights_.size());
  e.h_.resize(e.weights_.size());
  return e;
}

double EigenMlpHamiltonian::energy(const Eigen::VectorXd& x) const {
  if (x.size() != 2 * dof_)
    throw InvalidInput("EigenMlpHamiltonian: state has " + std::to_string(x.size()) +
                       " entries; expected " + std::to_string(2 * dof_));
  const std::size_t hidden = weights_.size() - 1;
  const Eigen::VectorXd* in = &x;
  for (std::size_t l = 0; l < hidden; ++l) {
    z_[l].noalias() = weights_[l] * *in;
    if (biases_[l].size()) z_[l] += biases_[l];
    switch (activation_) {
      case Activation::kTanh: h_[l] = z_[l].array().tanh(); break;
      case Activation::kRelu: h_[l] = z_[l].cwiseMax(0.0); break;
      case Activation::kSoftplus:
        h_[l] = z_[l].unaryExpr([](double v) { return v > 20 ? v : std::log1p(std::exp(v)); });
        break;
      case Activation::kSin: h_[l] = z_[l].array().sin(); break;
    }
    in = &h_[l];
  }
  double out = weights_.back().row(0).dot(*in);
  if (biases_.back().size()) out += biases_.back()[0];
  return out;
}

Eigen::VectorXd EigenMlpHamiltonian::gradient(const Eigen::VectorXd& x) const {
  energy(x);  // fills z_ and h_
  const std::size_t hidden = weights_.size() - 1;
  Eigen::VectorXd g = weights_.back().row(0).transpose();  // dH/dh_L
  for (std::size_t l = hidden; l-- > 0;) {
    switch (activation_) {
      case Activation::kTanh: g.array() *= 1.0 - h_[l].array().square(); break;
      case Activation::kRelu: g.array() *= (z_[l].array() > 0.0).cast<double>(); break;
      case Activation::kSoftplus: g.array() *= 1.0 / (1.0 + (-z_[l].array()).exp()); break;
      case Activation::kSin: g.array() *= z_[l].array().cos(); break;
    }
    g = weights_[l].transpose() * g;
  }
  return g;
}

Eigen::VectorXd EigenMlpHamiltonian::time_derivative(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd g = gradient(x);
  Eigen::VectorXd f(g.size());
  f.head(dof_) = g.tail(dof_);
  f.tail(dof_) = -g.head(dof_);
  return f;
}

}  // namespace noether::physics
