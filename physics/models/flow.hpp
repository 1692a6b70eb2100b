// physics/models/flow.hpp: normalising flows on 2-D densities (issue 18): the neural Hamiltonian
// flow, whose map is leapfrog steps of learned Hamiltonians, and RealNVP to compare it with.
//
//   FlowConfig c;  c.kind = FlowKind::kHamiltonian;          // or kRealNvp
//   auto flow = make_flow(c);                                 // std::shared_ptr<FlowModelImpl>
//   torch::Tensor lp = flow->log_prob(x);                     // x [B, 2] -> [B]
//   torch::Tensor s = flow->sample(1000);                     // [1000, 2]
//
// Hamiltonian flow: a point x = (q, p) of the plane comes from a base point z ~ N(mu, diag(s^2))
// (mu and log s learned) by `layers` stages, stage k being `leapfrog_steps` leapfrog steps of
// size dt of its own separable H_k = K_k(p) + V_k(q) (physics/models/separable.hpp). Each leapfrog
// step is three shears, so the map keeps areas exactly: log p(x) = log N(z; mu, s) with z the
// stages run backwards (leapfrog with -dt inverts leapfrog), and no Jacobian determinant at all.
// RealNVP (Dinh et al. 2017): `layers` affine couplings, alternating the coordinate they change,
// x_b -> x_b exp(s(x_a)) + t(x_a) with s = tanh(.) of an MLP, base N(0, I); log p adds -sum s.
// With base_components = K > 1 either flow's base is a learned mixture of K diagonal Gaussians
// (means starting on the unit circle). A map that keeps areas keeps the distribution of density
// values its base has, so the Hamiltonian flow's base decides how many levels its density can
// take: one Gaussian cannot become two rings of different densities without folding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

enum class FlowKind { kHamiltonian, kRealNvp };
/// "hnf", "realnvp".
const char* flow_kind_name(FlowKind kind);
FlowKind parse_flow_kind(const std::string& name);
NOETHER_JSON_ENUM(FlowKind, flow_kind_name, parse_flow_kind)

struct FlowConfig {
  FlowKind kind = FlowKind::kHamiltonian;
  int64_t layers = 4;          ///< Hamiltonian stages, or coupling layers
  int64_t hidden = 32;         ///< width of every MLP (2 hidden layers)
  int64_t leapfrog_steps = 4;  ///< per Hamiltonian stage
  double dt = 0.25;            ///< leapfrog step
  /// Gaussians in the learned base density, a mixture when > 1. With 1 the Hamiltonian flow
  /// learns one Gaussian's mean and scales, and RealNVP keeps N(0, I) (the papers' bases).
  int64_t base_components = 1;
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};
NOETHER_JSON(FlowConfig, kind, layers, hidden, leapfrog_steps, dt, base_components)

class FlowModelImpl : public torch::nn::Module {
 public:
  explicit FlowModelImpl(FlowConfig config) : config_(std::move(config)) {}
  const FlowConfig& config() const { return config_; }
  /// log density at x [B, 2] -> [B] (differentiable in the weights).
  virtual torch::Tensor log_prob(const torch::Tensor& x) = 0;
  /// The base point of x (the map run backwards): [B, 2] -> [B, 2].
  virtual torch::Tensor to_base(const torch::Tensor& x) = 0;
  /// The map: base points [B, 2] -> [B, 2].
  virtual torch::Tensor from_base(const torch::Tensor& z) = 0;
  /// n draws from the flow's density, [n, 2], with torch's current seed.
  virtual torch::Tensor sample(int64_t n) = 0;
  /// Parameters in all.
  int64_t parameter_count() const;

 protected:
  /// Registers the learned base's parameters (K = config_.base_components; fixed N(0, I) when
  /// `learned` is false and K = 1).
  void register_base(bool learned);
  /// log density of the base at z [B, 2] -> [B].
  torch::Tensor base_log_prob(const torch::Tensor& z) const;
  /// n draws from the base, [n, 2], with torch's current seed.
  torch::Tensor base_sample(int64_t n, const torch::TensorOptions& options) const;

  FlowConfig config_;

 private:
  torch::Tensor mean_, log_scale_, log_weight_;  // [K, 2], [K, 2], [K]; undefined for N(0, I)
};

class HamiltonianFlowImpl : public FlowModelImpl {
 public:
  explicit HamiltonianFlowImpl(const FlowConfig& c);
  torch::Tensor log_prob(const torch::Tensor& x) override;
  torch::Tensor to_base(const torch::Tensor& x) override;
  torch::Tensor from_base(const torch::Tensor& z) override;
  torch::Tensor sample(int64_t n) override;

 private:
  torch::Tensor run(const torch::Tensor& x, double dt, bool backwards);
  std::vector<std::shared_ptr<DynamicsModelImpl>> stages_;
};

class RealNvpImpl : public FlowModelImpl {
 public:
  explicit RealNvpImpl(const FlowConfig& c);
  torch::Tensor log_prob(const torch::Tensor& x) override;
  torch::Tensor to_base(const torch::Tensor& x) override;
  torch::Tensor from_base(const torch::Tensor& z) override;
  torch::Tensor sample(int64_t n) override;

 private:
  /// z and the log-determinant of dz/dx.
  std::pair<torch::Tensor, torch::Tensor> inverse(const torch::Tensor& x);
  std::vector<Mlp> couplings_;
};

/// An untrained flow (weights from torch's current seed).
std::shared_ptr<FlowModelImpl> make_flow(const FlowConfig& config);

}  // namespace noether::physics
