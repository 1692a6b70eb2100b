// physics/models/sphere_hnn.hpp: a learned Hamiltonian on (T*S^2)^k (Celledoni et al. 2022), the
// state k unit directions and their conjugate momenta, for training through the Lie-group schemes.
//
//   ModelConfig c; c.kind = ModelKind::kSphereHnn; c.dof = 6;       // two spheres: z [B, 12]
//   auto model = make_model(c);
//   auto pred = rollout(model, z0, 0.025, 4, integrators::Scheme::kCf4, true);  // losses.hpp
//
// H = p^T A(q)^{-1} p / 2 + V(q) with A = P K P + (I - P), P the projection onto the spheres'
// tangent spaces (blockdiag(I - q_i q_i^T)), K = G^T G + diag(b)^2 a learned constant inertia on
// the stacked tangent velocities (positive definite by construction; G starts small and random, b at 1)
// and V an MLP of q. For tangent p, A^{-1} p is the velocity; off the manifold A stays invertible,
// which gives H the extension the schemes need. The field is the SphereBundle generator's:
// dq_i/dt = xi_i x q_i, dp_i/dt = xi_i x p_i + eta_i x q_i with xi_i = q_i x dH/dp_i and eta_i =
// dH/dq_i x q_i, so |q_i| and q_i . p_i are kept for any weights and H is conserved.
#pragma once

#include <torch/torch.h>

#include "physics/models/mlp.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

class SphereHnnImpl : public DynamicsModelImpl {
 public:
  /// config.dof = 3k (k spheres).
  explicit SphereHnnImpl(const ModelConfig& c);
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& z) override;
  torch::Tensor time_derivative(const torch::Tensor& z, bool create_graph) override;
  /// |d(|q_i|^2)/dt| + |d(q_i . p_i)/dt| summed over spheres, per sample: round-off by construction.
  torch::Tensor structure_residual(const torch::Tensor& z) override;
  /// The learned inertia K [3k, 3k].
  torch::Tensor inertia() const;
  int64_t spheres() const { return dof() / 3; }

 private:
  Mlp v_{nullptr};
  torch::Tensor gamma_, diagonal_;
};

/// The field that the SphereBundle generator (integrators::sphere_generator) of a Hamiltonian with
/// partial gradients dH/dq, dH/dp [B, 3k] induces on states z = (q, p) [B, 6k].
torch::Tensor sphere_field(const torch::Tensor& z, const torch::Tensor& dh_dq, const torch::Tensor& dh_dp);

}  // namespace noether::physics
