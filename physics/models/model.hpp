// physics/models/model.hpp: the interface of the learned models on the torch path, their
// configuration, and make_model. Each family lives in a file of its own beside this one
// (hnn.hpp: baseline, HNN, D-HNN; separable.hpp: SRNN's K(p) + V(q)); a new family adds a file,
// a ModelKind and a line in make_model, and reaches its dynamics through field.hpp.
//
//   ModelConfig c; c.kind = ModelKind::kHnn; c.dof = 1; c.hidden = 200;
//   auto model = make_model(c);                        // std::shared_ptr<DynamicsModelImpl>
//   torch::Tensor x = ...;                             // [B, 2D] = (q, p), float32 or float64
//   torch::Tensor dxdt = model->time_derivative(x, /*create_graph=*/true);   // [B, 2D]
//   torch::Tensor H = model->energy(x);                // [B] (energy-based models only)
//
// Kinds:
//   baseline   an MLP predicts dx/dt directly (the HNN paper's baseline; no conservation law)
//   hnn        Hamiltonian Neural Network (Greydanus et al. 2019): scalar H_theta(q, p), and
//              dq/dt = dH/dp, dp/dt = -dH/dq from autograd
//   dhnn       dissipative HNN (Greydanus & Sosanya 2022): dx/dt = J grad H + grad D with a second
//              learned scalar D (Rayleigh-style); D ~ 0 on conservative data
//   separable  H = K_theta(p) + V_theta(q) (SRNN, Chen et al. 2019): explicit leapfrog applies
//   pq, generic, generic-soft, ghnn, nsf, symoden: generalized forms on states of any dimension (generalized.hpp)
// MLPs follow the papers: tanh, orthogonal weight init, no bias on the last layer (H is defined up
// to a constant, so that bias would get no gradient). Everything runs on the device and dtype of
// the input; nothing here hard-codes the CPU.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/models/field.hpp"
#include "physics/models/mlp.hpp"

namespace noether::physics {

enum class ModelKind {
  kBaseline, kHnn, kDhnn, kSeparable, kPq, kGeneric, kGenericSoft, kGhnn, kNsf, kSymoden, kChnn, kVinVv, kVinSv, kVinSo2, kSphereHnn
};

/// "baseline", "hnn", "dhnn", "separable", "pq", "generic", "generic-soft", "ghnn", "nsf",
/// "symoden", "chnn", "vin-vv", "vin-sv", "vin-so2", "sphere-hnn".
/// True for the kinds whose state is canonical (q, p) pairs (hnn, dhnn, separable, chnn, the VINs,
/// sphere-hnn); the baseline
/// ODE-net and the generalized kinds take states of any dimension.
bool canonical_kind(ModelKind kind);
/// True for vin-vv, vin-sv and vin-so2: discrete maps trained and rolled out at the data's step.
bool vin_kind(ModelKind kind);
const char* model_kind_name(ModelKind kind);
/// The kind called `name`; throws InvalidInput naming it and the known kinds.
ModelKind parse_model_kind(const std::string& name);

struct ModelConfig {
  ModelKind kind = ModelKind::kHnn;
  int64_t dof = 1;           ///< D: q and p have D entries each
  int64_t hidden = 200;      ///< width of each hidden layer
  int64_t layers = 2;        ///< number of hidden layers
  std::string activation = "tanh";  ///< tanh, relu, softplus or sin
  /// Entries of a state; 0 means 2 dof (canonical). The generalized kinds take any dimension (dof
  /// then 0 or state_dim / 2); the canonical kinds need state_dim = 2 dof.
  int64_t state_dim = 0;
  /// generic-soft: weight of the degeneracy penalty |L grad S|^2 + |M grad E|^2 in the loss.
  double degeneracy_weight = 1.0;
  /// ghnn: how its input-convex friction network keeps the hidden path's weights non-negative:
  /// "softplus" (softplus(U), started at N(0, 1/h) - 2) or "squared" (U^2, U started uniform in
  /// (-1/sqrt(h), 1/sqrt(h)) as the GHNN authors' code does: a hidden path about 100 times weaker
  /// at the start, and weights that grow faster under Adam).
  std::string icnn_weights = "softplus";
  /// ghnn: weight of the mean squared curl of the friction's field Hess(v) grad H in the loss (the
  /// authors' curl regulariser, weight 1 in their tutorial); 0: none.
  double curl_weight = 0.0;
  /// symoden: the coordinates q are `angles` angles, and its networks see (cos q, sin q), so V,
  /// M^{-1} and g are 2 pi-periodic. The state is then (q, p, u) (3 angles entries) or SymODEN's
  /// embedded observation (cos q, sin q, dq/dt, u) (4 angles entries); 0: q is not an angle.
  int64_t angles = 0;
  /// chnn: the constrained system whose constraint graph the model keeps (e.g. "chain-pendulum-3");
  /// empty for the other kinds.
  std::string constraints;
  /// Input normalisation (`train --normalize`; baseline and the generalized kinds but symoden):
  /// the networks learn in x~ = (x - input_shift) / input_scale and time t~ = time_scale t, so
  /// the model is dx/dt = time_scale * input_scale (.) f~(x~), f~ the kind's field there
  /// (physics/models/normalized.hpp). Empty: none; else state_dim() entries each.
  std::vector<double> input_shift, input_scale;
  double time_scale = 1.0;
  bool normalized() const { return !input_scale.empty(); }
  /// The entries of a state: state_dim, or 2 dof when it is 0.
  int64_t dim() const { return state_dim > 0 ? state_dim : 2 * dof; }
  /// Throws InvalidInput naming the bad field.
  void validate() const;
  bool operator==(const ModelConfig& o) const {
    return kind == o.kind && dof == o.dof && hidden == o.hidden && layers == o.layers &&
           activation == o.activation && dim() == o.dim() && degeneracy_weight == o.degeneracy_weight &&
           icnn_weights == o.icnn_weights && curl_weight == o.curl_weight &&
           angles == o.angles && constraints == o.constraints && input_shift == o.input_shift &&
           input_scale == o.input_scale && time_scale == o.time_scale;
  }
  bool operator!=(const ModelConfig& o) const { return !(*this == o); }
  /// "hnn(dof=1, hidden=200, layers=2, tanh)"
  std::string describe() const;
};
NOETHER_JSON_ENUM(ModelKind, model_kind_name, parse_model_kind)
NOETHER_JSON(ModelConfig, kind, dof, hidden, layers, activation, state_dim, degeneracy_weight, icnn_weights, curl_weight, angles, constraints,
             input_shift, input_scale, time_scale)


/// A learned vector field dx/dt = f_theta(x) on states x = [q, p] of shape [B, 2D].
class DynamicsModelImpl : public torch::nn::Module {
 public:
  explicit DynamicsModelImpl(ModelConfig config) : config_(std::move(config)) {}
  const ModelConfig& config() const { return config_; }
  int64_t dof() const { return config_.dof; }
  /// Entries of a state x.
  int64_t state_dim() const { return config_.dim(); }

  /// dx/dt at x: [B, 2D] -> [B, 2D]. With create_graph the result stays differentiable with
  /// respect to the parameters (training); without it the result is detached (rollouts).
  virtual torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) = 0;
  /// True for models with a learned scalar energy.
  virtual bool has_energy() const { return false; }
  /// The learned energy H_theta(x): [B, 2D] -> [B]. Throws InvalidInput for the baseline.
  virtual torch::Tensor energy(const torch::Tensor& x);
  /// dH_theta/dx at x: [B, W] -> [B, W] (field.hpp's energy_gradient of energy()).
  torch::Tensor energy_gradient_at(const torch::Tensor& x, bool create_graph);
  /// dH_theta/dt = grad H . dx/dt along the model's own field, per sample [B] (detached).
  torch::Tensor energy_rate(const torch::Tensor& x);
  /// True for models with a learned entropy (GENERIC).
  virtual bool has_entropy() const { return false; }
  /// The learned entropy S_theta(x): [B]. Throws InvalidInput for models without one.
  virtual torch::Tensor entropy(const torch::Tensor& x);
  /// The learned dissipation D_theta(x): [B] (dhnn only; zeros otherwise).
  virtual torch::Tensor dissipation(const torch::Tensor& x);
  /// How far the learned field is from the law its structure promises, per sample [B]: |dH/dt|
  /// for hnn, max(dH/dt, 0) for pq, |L grad S|^2 + |M grad E|^2 for the GENERIC kinds; an
  /// undefined tensor for kinds that promise none (baseline, dhnn, separable).
  virtual torch::Tensor structure_residual(const torch::Tensor& x);
  /// A term the training loss adds (generic-soft: the weighted degeneracy penalty at x); an
  /// undefined tensor for the others. Differentiable in the parameters.
  virtual torch::Tensor structure_penalty(const torch::Tensor& x);

 protected:
  ModelConfig config_;
};

/// Builds an untrained model (weights drawn from torch's current seed).
std::shared_ptr<DynamicsModelImpl> make_model(const ModelConfig& config);

namespace detail {
/// Throws InvalidInput unless x is [B, 2 dof].
void check_state(const torch::Tensor& x, int64_t dof);
/// Throws InvalidInput unless x is [B, dim].
void check_width(const torch::Tensor& x, int64_t dim);
}  // namespace detail

}  // namespace noether::physics
