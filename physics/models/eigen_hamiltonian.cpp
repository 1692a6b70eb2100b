#include "physics/models/eigen_hamiltonian.hpp"

#include <cmath>

#include "noether/error.hpp"
#include "physics/models/eigen_generalized.hpp"
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
  const auto dense = EigenDenseMlp::from(*mlp);
  std::vector<Matrix> weights;
  std::vector<Vec> biases;
  for (const auto& w : dense.weights) weights.push_back(w.cast<Scalar>());
  for (const auto& b : dense.biases) biases.push_back(b.cast<Scalar>());
  e.net_ = EigenMlp<Scalar>(std::move(weights), std::move(biases), dense.activation);
  return e;
}

template <class Scalar>
void EigenMlpHamiltonianT<Scalar>::check_state(const Eigen::VectorXd& x) const {
  if (x.size() != 2 * dof_)
    throw InvalidInput("EigenMlpHamiltonian: state has " + std::to_string(x.size()) +
                       " entries; expected " + std::to_string(2 * dof_));
}

template <class Scalar>
double EigenMlpHamiltonianT<Scalar>::energy(const Eigen::VectorXd& x) const {
  check_state(x);
  x_ = x.cast<Scalar>();
  return static_cast<double>(net_.value(x_));
}

template <class Scalar>
Eigen::VectorXd EigenMlpHamiltonianT<Scalar>::gradient(const Eigen::VectorXd& x) const {
  check_state(x);
  x_ = x.cast<Scalar>();
  return net_.input_gradient(x_).template cast<double>();
}

template <class Scalar>
Eigen::VectorXd EigenMlpHamiltonianT<Scalar>::time_derivative(const Eigen::VectorXd& x) const {
  check_state(x);
  x_ = x.cast<Scalar>();
  const Vec& g = net_.input_gradient(x_);
  Eigen::VectorXd f(g.size());
  f.head(dof_) = g.tail(dof_).template cast<double>();
  f.tail(dof_) = -g.head(dof_).template cast<double>();
  return f;
}

template class EigenMlpHamiltonianT<double>;
template class EigenMlpHamiltonianT<float>;

}  // namespace noether::physics
