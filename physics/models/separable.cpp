#include "physics/models/separable.hpp"

#include "noether/error.hpp"

namespace noether::physics {

SeparableGradients separable_gradients(const std::shared_ptr<DynamicsModelImpl>& model,
                                       bool create_graph) {
  auto sep = std::dynamic_pointer_cast<SeparableHamiltonianImpl>(model);
  if (!sep)
    throw InvalidInput(std::string("the separable schemes need a separable model; '") +
                       model_kind_name(model->config().kind) + "' is not");
  return sep->separable_gradients_impl(create_graph);
}

}  // namespace noether::physics
