// physics/models.hpp: learned models of Hamiltonian dynamics on the torch path.
//
//   ModelConfig c; c.kind = "hnn"; c.dof = 1; c.hidden = 200;
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
// MLPs follow the papers: tanh, orthogonal weight init, no bias on the last layer (H is defined up
// to a constant, so that bias would get no gradient). Everything runs on the device and dtype of
// the input; nothing here hard-codes the CPU.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "physics/models/field.hpp"

namespace noether::physics {

struct ModelConfig {
  std::string kind = "hnn";  ///< baseline, hnn, dhnn or separable
  int64_t dof = 1;           ///< D: q and p have D entries each
  int64_t hidden = 200;      ///< width of each hidden layer
  int64_t layers = 2;        ///< number of hidden layers
  std::string activation = "tanh";  ///< tanh, relu, softplus or sin
  /// Throws InvalidInput naming the bad field.
  void validate() const;
  bool operator==(const ModelConfig& o) const {
    return kind == o.kind && dof == o.dof && hidden == o.hidden && layers == o.layers &&
           activation == o.activation;
  }
  bool operator!=(const ModelConfig& o) const { return !(*this == o); }
  /// "hnn(dof=1, hidden=200, layers=2, tanh)"
  std::string describe() const;
};

/// Names accepted by ModelConfig::kind.
const std::vector<std::string>& model_kinds();

/// Multilayer perceptron in -> hidden (x layers) -> out.
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t layers, const std::string& activation,
          bool last_bias);
  /// x: [B, in] -> [B, out]
  torch::Tensor forward(const torch::Tensor& x);
  /// The linear layers in order (for the Eigen inference path and inspection).
  std::vector<torch::nn::Linear> linears() const { return linears_; }
  const std::string& activation() const { return activation_; }

 private:
  torch::Tensor act(const torch::Tensor& x) const;
  std::vector<torch::nn::Linear> linears_;
  std::string activation_;
};
TORCH_MODULE(Mlp);

/// A learned vector field dx/dt = f_theta(x) on states x = [q, p] of shape [B, 2D].
class DynamicsModelImpl : public torch::nn::Module {
 public:
  explicit DynamicsModelImpl(ModelConfig config) : config_(std::move(config)) {}
  const ModelConfig& config() const { return config_; }
  int64_t dof() const { return config_.dof; }

  /// dx/dt at x: [B, 2D] -> [B, 2D]. With create_graph the result stays differentiable with
  /// respect to the parameters (training); without it the result is detached (rollouts).
  virtual torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) = 0;
  /// True for models with a learned scalar energy.
  virtual bool has_energy() const { return false; }
  /// The learned energy H_theta(x): [B, 2D] -> [B]. Throws InvalidInput for the baseline.
  virtual torch::Tensor energy(const torch::Tensor& x);
  /// The learned dissipation D_theta(x): [B] (dhnn only; zeros otherwise).
  virtual torch::Tensor dissipation(const torch::Tensor& x);

 protected:
  ModelConfig config_;
};

/// Builds an untrained model (weights drawn from torch's current seed).
std::shared_ptr<DynamicsModelImpl> make_model(const ModelConfig& config);

class SeparableHamiltonianImpl;
/// The separable model's parts for leapfrog: dH/dq depends on q only, dH/dp on p only.
struct SeparableGradients {
  std::function<torch::Tensor(const torch::Tensor&)> dH_dq;  ///< [B, D] -> [B, D]
  std::function<torch::Tensor(const torch::Tensor&)> dH_dp;  ///< [B, D] -> [B, D]
};
/// Throws InvalidInput when the model is not of kind "separable".
SeparableGradients separable_gradients(const std::shared_ptr<DynamicsModelImpl>& model,
                                       bool create_graph);

}  // namespace noether::physics
