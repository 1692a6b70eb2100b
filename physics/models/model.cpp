#include "physics/models/model.hpp"

#include <sstream>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "physics/models/hnn.hpp"
#include "physics/models/separable.hpp"

namespace noether::physics {

namespace {
constexpr EnumName<ModelKind> kKinds[] = {
    {ModelKind::kBaseline, "baseline"}, {ModelKind::kHnn, "hnn"}, {ModelKind::kDhnn, "dhnn"},
    {ModelKind::kSeparable, "separable"}};
}  // namespace

const char* model_kind_name(ModelKind kind) {
  return enum_name(kKinds, kind);
}

ModelKind parse_model_kind(const std::string& name) {
  return parse_enum(kKinds, name, "model");
}

void ModelConfig::validate() const {
  if (dof < 1) throw InvalidInput("model dof = " + std::to_string(dof) + ": must be >= 1");
  if (hidden < 1) throw InvalidInput("model hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("model layers = " + std::to_string(layers) + ": must be >= 1");
  check_activation(activation, "model");
}

std::string ModelConfig::describe() const {
  std::ostringstream os;
  os << model_kind_name(kind) << "(dof=" << dof << ", hidden=" << hidden << ", layers=" << layers << ", "
     << activation << ")";
  return os.str();
}

torch::Tensor DynamicsModelImpl::energy(const torch::Tensor&) {
  throw InvalidInput(std::string("model '") + model_kind_name(config_.kind) + "' has no learned energy");
}

torch::Tensor DynamicsModelImpl::dissipation(const torch::Tensor& x) {
  return torch::zeros({x.size(0)}, x.options());
}

namespace detail {
void check_state(const torch::Tensor& x, int64_t dof) {
  if (x.dim() != 2 || x.size(1) != 2 * dof) {
    std::ostringstream os;
    os << "model input has shape " << x.sizes() << "; expected [B, " << 2 * dof << "] (q then p)";
    throw InvalidInput(os.str());
  }
}
}  // namespace detail

std::shared_ptr<DynamicsModelImpl> make_model(const ModelConfig& c) {
  c.validate();
  switch (c.kind) {
    case ModelKind::kBaseline: return std::make_shared<BaselineImpl>(c);
    case ModelKind::kHnn: return std::make_shared<HnnImpl>(c);
    case ModelKind::kDhnn: return std::make_shared<DhnnImpl>(c);
    case ModelKind::kSeparable: return std::make_shared<SeparableHamiltonianImpl>(c);
  }
  throw InternalError("model kind without a constructor");
}

}  // namespace noether::physics
