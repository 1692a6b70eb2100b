#include "physics/models/model.hpp"

#include <cmath>
#include <sstream>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "physics/models/constrained.hpp"
#include "physics/models/generalized.hpp"
#include "physics/models/hnn.hpp"
#include "physics/models/normalized.hpp"
#include "physics/models/separable.hpp"
#include "physics/models/sphere_hnn.hpp"
#include "physics/models/vin.hpp"

namespace noether::physics {

namespace {
constexpr EnumName<ModelKind> kKinds[] = {
    {ModelKind::kBaseline, "baseline"}, {ModelKind::kHnn, "hnn"}, {ModelKind::kDhnn, "dhnn"},
    {ModelKind::kSeparable, "separable"}, {ModelKind::kPq, "pq"}, {ModelKind::kGeneric, "generic"},
    {ModelKind::kGenericSoft, "generic-soft"}, {ModelKind::kGhnn, "ghnn"}, {ModelKind::kNsf, "nsf"},
    {ModelKind::kSymoden, "symoden"}, {ModelKind::kChnn, "chnn"}, {ModelKind::kVinVv, "vin-vv"},
    {ModelKind::kVinSv, "vin-sv"}, {ModelKind::kVinSo2, "vin-so2"}, {ModelKind::kSphereHnn, "sphere-hnn"}};
}  // namespace

const char* model_kind_name(ModelKind kind) {
  return enum_name(kKinds, kind);
}

bool canonical_kind(ModelKind kind) {
  return kind == ModelKind::kHnn || kind == ModelKind::kDhnn || kind == ModelKind::kSeparable ||
         kind == ModelKind::kChnn || kind == ModelKind::kSphereHnn || vin_kind(kind);
}

bool vin_kind(ModelKind kind) {
  return kind == ModelKind::kVinVv || kind == ModelKind::kVinSv || kind == ModelKind::kVinSo2;
}

ModelKind parse_model_kind(const std::string& name) {
  if (name == "odenet") return ModelKind::kBaseline;  // the constrained-HNN papers' name for it
  return parse_enum(kKinds, name, "model");
}

void ModelConfig::validate() const {
  if (state_dim < 0) throw InvalidInput("model state_dim = " + std::to_string(state_dim) + ": must be >= 0");
  if (state_dim == 0 && dof < 1) throw InvalidInput("model dof = " + std::to_string(dof) + ": must be >= 1");
  if (dof < 0 || (state_dim > 0 && dof != 0 && 2 * dof != state_dim))
    throw InvalidInput("model dof = " + std::to_string(dof) + " does not fit state_dim = " + std::to_string(state_dim));
  if (canonical_kind(kind) && (dof < 1 || dim() != 2 * dof))
    throw InvalidInput(std::string("model '") + model_kind_name(kind) + "' needs canonical (q, p) states; " +
                       std::to_string(dim()) + " entries with dof = " + std::to_string(dof) +
                       " are not (baseline and the generalized kinds pq, generic, generic-soft, ghnn, nsf, symoden take other states)");
  if (!(degeneracy_weight >= 0.0) || !std::isfinite(degeneracy_weight))
    throw InvalidInput("model degeneracy_weight must be finite and >= 0");
  if (icnn_weights != "softplus" && icnn_weights != "squared")
    throw InvalidInput("model icnn_weights '" + icnn_weights + "': use softplus or squared");
  if (!(curl_weight >= 0.0) || !std::isfinite(curl_weight))
    throw InvalidInput("model curl_weight must be finite and >= 0");
  if (kind != ModelKind::kGhnn && (icnn_weights != "softplus" || curl_weight != 0.0))
    throw InvalidInput(std::string("model '") + model_kind_name(kind) +
                       "' has no friction network: icnn_weights and curl_weight are ghnn's");
  if (angles < 0) throw InvalidInput("model angles = " + std::to_string(angles) + ": must be >= 0");
  if (angles > 0 && kind != ModelKind::kSymoden)
    throw InvalidInput(std::string("model '") + model_kind_name(kind) +
                       "' does not take embedded angles (cos q, sin q); only symoden does");
  if (angles > 0 && dim() != 3 * angles && dim() != 4 * angles)
    throw InvalidInput("model angles = " + std::to_string(angles) + " needs states (q, p, u) of " + std::to_string(3 * angles) +
                       " entries or (cos q, sin q, dq/dt, u) of " + std::to_string(4 * angles) + ", not " +
                       std::to_string(dim()));
  if (kind == ModelKind::kChnn && constraints.empty())
    throw InvalidInput("model 'chnn' needs the constrained system whose constraints it keeps (config.constraints)");
  if (kind != ModelKind::kChnn && !constraints.empty())
    throw InvalidInput(std::string("model '") + model_kind_name(kind) + "' takes no constraints; only chnn does");
  if (hidden < 1) throw InvalidInput("model hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("model layers = " + std::to_string(layers) + ": must be >= 1");
  check_activation(activation, "model");
  if (!(time_scale > 0.0) || !std::isfinite(time_scale))
    throw InvalidInput("model time_scale must be finite and > 0");
  if (input_shift.size() != input_scale.size())
    throw InvalidInput("model input_shift and input_scale must have the same size");
  if (normalized()) {
    if (kind != ModelKind::kBaseline && (canonical_kind(kind) || kind == ModelKind::kSymoden))
      throw InvalidInput(std::string("model '") + model_kind_name(kind) +
                         "' cannot learn in normalised coordinates (its structure is canonical or in angles); "
                         "only baseline, pq, generic, generic-soft, ghnn and nsf can");
    if (static_cast<int64_t>(input_scale.size()) != dim())
      throw InvalidInput("model input_scale has " + std::to_string(input_scale.size()) + " entries; the state has " +
                         std::to_string(dim()));
    for (std::size_t i = 0; i < input_scale.size(); ++i)
      if (!(input_scale[i] > 0.0) || !std::isfinite(input_scale[i]) || !std::isfinite(input_shift[i]))
        throw InvalidInput("model input_scale[" + std::to_string(i) + "] must be finite and > 0 (and its shift finite)");
  } else if (time_scale != 1.0) {
    throw InvalidInput("model time_scale needs input_scale (normalisation)");
  }
}

std::string ModelConfig::describe() const {
  std::ostringstream os;
  os << model_kind_name(kind) << "(" << (canonical_kind(kind) ? "dof=" + std::to_string(dof) : "dim=" + std::to_string(dim()))
     << (angles > 0 ? ", angles=" + std::to_string(angles) : std::string())
     << ", hidden=" << hidden << ", layers=" << layers << ", "
     << activation << (icnn_weights != "softplus" ? ", icnn " + icnn_weights : std::string());
  if (curl_weight != 0.0) os << ", curl weight " << curl_weight;
  os << (normalized() ? ", normalized" : "") << ")";
  return os.str();
}

torch::Tensor DynamicsModelImpl::energy(const torch::Tensor&) {
  throw InvalidInput(std::string("model '") + model_kind_name(config_.kind) + "' has no learned energy");
}

torch::Tensor DynamicsModelImpl::dissipation(const torch::Tensor& x) {
  return torch::zeros({x.size(0)}, x.options());
}

torch::Tensor DynamicsModelImpl::energy_gradient_at(const torch::Tensor& x, bool create_graph) {
  return energy_gradient([this](const torch::Tensor& s) { return energy(s); }, x, create_graph);
}

torch::Tensor DynamicsModelImpl::energy_rate(const torch::Tensor& x) {
  const auto g = energy_gradient_at(x, false);
  const auto f = time_derivative(x, false);
  torch::NoGradGuard no_grad;
  return (g * f).sum(-1);
}

torch::Tensor DynamicsModelImpl::entropy(const torch::Tensor&) {
  throw InvalidInput(std::string("model '") + model_kind_name(config_.kind) + "' has no learned entropy");
}

torch::Tensor DynamicsModelImpl::structure_residual(const torch::Tensor&) { return {}; }

torch::Tensor DynamicsModelImpl::structure_penalty(const torch::Tensor&) { return {}; }

namespace detail {
void check_state(const torch::Tensor& x, int64_t dof) {
  if (x.dim() != 2 || x.size(1) != 2 * dof) {
    std::ostringstream os;
    os << "model input has shape " << x.sizes() << "; expected [B, " << 2 * dof << "] (q then p)";
    throw InvalidInput(os.str());
  }
}
void check_width(const torch::Tensor& x, int64_t dim) {
  if (x.dim() != 2 || x.size(1) != dim) {
    std::ostringstream os;
    os << "model input has shape " << x.sizes() << "; expected [B, " << dim << "]";
    throw InvalidInput(os.str());
  }
}
}  // namespace detail

std::shared_ptr<DynamicsModelImpl> make_model(const ModelConfig& c) {
  c.validate();
  if (c.normalized()) return std::make_shared<NormalizedModelImpl>(c);
  switch (c.kind) {
    case ModelKind::kBaseline: return std::make_shared<BaselineImpl>(c);
    case ModelKind::kHnn: return std::make_shared<HnnImpl>(c);
    case ModelKind::kDhnn: return std::make_shared<DhnnImpl>(c);
    case ModelKind::kSeparable: return std::make_shared<SeparableHamiltonianImpl>(c);
    case ModelKind::kPq: return std::make_shared<PqImpl>(c);
    case ModelKind::kGeneric:
    case ModelKind::kGenericSoft: return std::make_shared<GenericImpl>(c);
    case ModelKind::kGhnn: return std::make_shared<GhnnImpl>(c);
    case ModelKind::kNsf: return std::make_shared<NsfImpl>(c);
    case ModelKind::kSymoden: return std::make_shared<SymodenImpl>(c);
    case ModelKind::kChnn: return std::make_shared<ChnnImpl>(c);
    case ModelKind::kVinVv:
    case ModelKind::kVinSv:
    case ModelKind::kVinSo2: return std::make_shared<VinImpl>(c);
    case ModelKind::kSphereHnn: return std::make_shared<SphereHnnImpl>(c);
  }
  throw InternalError("model kind without a constructor");
}

}  // namespace noether::physics
