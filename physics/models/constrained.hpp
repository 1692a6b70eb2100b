// physics/models/constrained.hpp: the constrained Hamiltonian network (CHNN, Finzi et al. 2020):
// bodies in Cartesian coordinates, constraints enforced by projecting the learned field.
//
//   ModelConfig c; c.kind = ModelKind::kChnn; c.constraints = "chain-pendulum-3"; c.dof = 6;
//   auto model = make_model(c);                          // z = (x, p) [B, 2 dof]
//   auto dzdt = model->time_derivative(z, /*create_graph=*/true);
//
// z = (x, p) with x the n bodies' positions in d dimensions (body by body) and p their momenta;
// H = p^T M^{-1} p / 2 + V(x) with M^{-1} = (L L^T + eps I) (x) I_d, L a learned lower-triangular
// n x n matrix (a constant mass matrix, positive definite by construction, shared by the d
// directions) and V an MLP. The constraints are the distance links of the system named
// config.constraints (a ConstrainedSystem: which bodies, to what anchor; their lengths are read
// from the state, not learned), with their velocity form: Phi = (phi(x), G(x) M^{-1} p). The field
// is projected onto the manifold they define:
//   dz/dt = P(z) J grad H,   P = I - J DPhi (DPhi^T J DPhi)^{-1} DPhi^T,
// so DPhi^T dz/dt = 0: phi and G M^{-1} p are kept along the learned motion for any weights, and
// dH/dt = 0 (P J is still skew with respect to grad H). Requires that config.dof = n d.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "physics/models/model.hpp"

namespace noether::physics {

class ChnnImpl : public DynamicsModelImpl {
 public:
  /// Throws InvalidInput when config.constraints names no constrained system or its bodies do
  /// not fill config.dof.
  explicit ChnnImpl(const ModelConfig& c);
  torch::Tensor time_derivative(const torch::Tensor& z, bool create_graph) override;
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& z) override;
  /// |DPhi^T dz/dt| per sample: the rates of the constraints and of their velocity form along the
  /// learned field (round-off by construction).
  torch::Tensor structure_residual(const torch::Tensor& z) override;
  /// M^{-1} over bodies [n, n].
  torch::Tensor inverse_mass() const;
  /// Starts M^{-1} at the diagonal that best maps momenta to velocities along observed
  /// trajectories [T >= 3, N, 2 dof] sampled every dt (velocities by central differences of the
  /// positions; per body, 1/m = sum v . p / sum p . p), so that training starts at the data's mass
  /// scale rather than at unit masses. No change for shorter trajectories.
  void initialise_masses(const torch::Tensor& trajectories, double dt);
  /// DPhi [B, 2 dof, 2 m]: the gradients of phi (first m columns) and of G M^{-1} p (last m).
  torch::Tensor constraint_gradients(const torch::Tensor& z) const;
  static constexpr double kEpsilon = 1e-3;  ///< floor on M^{-1}'s eigenvalues

 private:
  struct Link {
    int64_t i, j;                   ///< j < 0: tethered to `anchor`
    std::vector<double> anchor;
  };
  int64_t bodies_ = 0, space_dim_ = 0;
  std::vector<Link> links_;
  Mlp v_{nullptr};
  torch::Tensor mass_factor_;  ///< L's lower triangle, [n (n + 1) / 2]
};

}  // namespace noether::physics
