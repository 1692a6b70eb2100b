#include "physics/models/eigen_generalized.hpp"

#include <cmath>
#include <memory>
#include <string>

#include "noether/error.hpp"
#include "physics/models/mlp.hpp"

namespace noether::physics {

namespace {

double activate(EigenActivation a, double z) {
  switch (a) {
    case EigenActivation::kTanh: return std::tanh(z);
    case EigenActivation::kRelu: return z > 0.0 ? z : 0.0;
    case EigenActivation::kSoftplus: return z > 20.0 ? z : std::log1p(std::exp(z));  // torch's threshold
    case EigenActivation::kSin: return std::sin(z);
  }
  return z;
}

std::shared_ptr<MlpImpl> child_mlp(DynamicsModelImpl& model, const std::string& name) {
  for (const auto& child : model.named_children())
    if (child.key() == name) return std::dynamic_pointer_cast<MlpImpl>(child.value());
  throw InvalidInput("model " + model.config().describe() + " has no '" + name + "' network");
}

/// v - u (u . v) / |u|^2: the projection of v orthogonal to u (as generalized.cpp's project_out).
Eigen::VectorXd project_out(const Eigen::VectorXd& u, const Eigen::VectorXd& v) {
  const double uu = std::max(u.squaredNorm(), 1e-30);
  return v - u * (u.dot(v) / uu);
}

}  // namespace

Eigen::VectorXd EigenDenseMlp::forward(const Eigen::VectorXd& x) const {
  Eigen::VectorXd h = x;
  for (std::size_t l = 0; l < weights.size(); ++l) {
    Eigen::VectorXd z = weights[l] * h;
    if (biases[l].size()) z += biases[l];
    if (l + 1 < weights.size()) z = z.unaryExpr([&](double v) { return activate(activation, v); });
    h = std::move(z);
  }
  return h;
}

EigenDenseMlp EigenDenseMlp::from(const MlpImpl& mlp) {
  torch::NoGradGuard no_grad;
  EigenDenseMlp m;
  m.activation = parse_eigen_activation(mlp.activation());
  using RowMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (const auto& lin : mlp.linears()) {
    const auto w = lin->weight.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    // torch is row-major; Eigen's Matrix is column-major: the assignment from the map transposes.
    m.weights.push_back(Eigen::Map<const RowMajorD>(w.data_ptr<double>(), w.size(0), w.size(1)));
    Eigen::VectorXd b;
    if (lin->bias.defined()) {
      const auto bt = lin->bias.detach().to(torch::kCPU, torch::kFloat64).contiguous();
      b = Eigen::Map<const Eigen::VectorXd>(bt.data_ptr<double>(), bt.numel());
    }
    m.biases.push_back(std::move(b));
  }
  return m;
}

EigenGeneralizedField EigenGeneralizedField::from_model(DynamicsModelImpl& model) {
  const ModelKind kind = model.config().kind;
  if (kind != ModelKind::kPq && kind != ModelKind::kGeneric && kind != ModelKind::kGenericSoft)
    throw InvalidInput(std::string("the Eigen path for generalized models takes pq, generic or generic-soft, not '") +
                       model_kind_name(kind) + "' (its field needs a network's Jacobian or Hessian: use the torch path)");
  EigenGeneralizedField f;
  f.kind_ = kind;
  f.n_ = static_cast<int>(model.state_dim());
  auto scalar = [&](const std::string& name) {
    const auto dense = EigenDenseMlp::from(*child_mlp(model, name));
    return EigenMlp<double>(dense.weights, dense.biases, dense.activation);
  };
  if (kind == ModelKind::kPq) {
    f.energy_ = scalar("hamiltonian");
    f.structure_ = EigenDenseMlp::from(*child_mlp(model, "structure"));
  } else {
    f.energy_ = scalar("energy");
    f.entropy_ = scalar("entropy");
    f.structure_ = EigenDenseMlp::from(*child_mlp(model, "poisson"));
    f.friction_ = EigenDenseMlp::from(*child_mlp(model, "friction"));
  }
  return f;
}

void EigenGeneralizedField::check_state(const Eigen::VectorXd& x) const {
  if (x.size() != n_)
    throw InvalidInput("state has " + std::to_string(x.size()) + " entries; the model takes " + std::to_string(n_));
  if (!x.allFinite()) throw InvalidInput("state has a non-finite entry");
}

Eigen::MatrixXd EigenGeneralizedField::skew(const Eigen::VectorXd& entries) const {
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n_, n_);
  Eigen::Index k = 0;
  for (int i = 0; i < n_; ++i)
    for (int j = i + 1; j < n_; ++j) a(i, j) = entries[k++];
  return a - a.transpose();
}

double EigenGeneralizedField::energy(const Eigen::VectorXd& x) const {
  check_state(x);
  return energy_.value(x);
}

Eigen::VectorXd EigenGeneralizedField::time_derivative(const Eigen::VectorXd& x) const {
  check_state(x);
  const Eigen::VectorXd grad_e = energy_.input_gradient(x);
  const int k = n_ * (n_ - 1) / 2;
  if (kind_ == ModelKind::kPq) {
    const Eigen::VectorXd out = structure_.forward(x);
    Eigen::MatrixXd l = Eigen::MatrixXd::Zero(n_, n_);  // lower triangle, row by row (tril_indices)
    Eigen::Index m = k;
    for (int i = 0; i < n_; ++i)
      for (int j = 0; j <= i; ++j) l(i, j) = out[m++];
    return skew(out.head(k)) * grad_e - l * (l.transpose() * grad_e);
  }
  const Eigen::VectorXd grad_s = entropy_.input_gradient(x);
  const Eigen::MatrixXd a = skew(structure_.forward(x));
  const Eigen::VectorXd bflat = friction_.forward(x);
  // B is row-major [n, n] in torch's reshape: B(i, j) = bflat[i n + j].
  const Eigen::MatrixXd b = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(bflat.data(), n_, n_);
  if (kind_ == ModelKind::kGenericSoft) return a * grad_e + b * (b.transpose() * grad_s);
  const Eigen::VectorXd l_term = project_out(grad_s, a * project_out(grad_s, grad_e));
  const Eigen::VectorXd m_term = project_out(grad_e, b * (b.transpose() * project_out(grad_e, grad_s)));
  return l_term + m_term;
}

}  // namespace noether::physics
