// physics/models/vin.hpp: variational integrator networks (Saemundsson et al. 2020): the network is
// a learned potential U(q) and inverse mass, and the model *is* a discrete variational integrator
// at the data's sample spacing h.
//
//   ModelConfig c; c.kind = ModelKind::kVinSo2; c.dof = 1;
//   auto vin = std::make_shared<VinImpl>(c);
//   auto next = vin->step(z, 0.1, /*create_graph=*/false);          // z = (q, p) [B, 2D]
//   auto loss = vin_window_loss(*vin, window, 0.1);                  // window [T, B, 2D]
//
// H = p^T M^{-1} p / 2 + U(q), M^{-1} = diag(exp(theta)) learned (unit at the start) and U an MLP
// of q, or of (cos q, sin q) for vin-so2 (so U is 2 pi-periodic). The kinds differ in their map
// and in what they are trained on:
//   vin-vv: velocity Verlet on states (q, p), trained on whole observed states;
//   vin-sv: Stormer-Verlet on positions, q+ = 2 q - q- - h^2 M^{-1} grad U(q), trained on
//     positions only (its first step from the window's first observed state);
//   vin-so2: the variational integrator of L_d(q0, q1) = M (1 - cos(q1 - q0)) / h - h U(q0) on the
//     circle, sin(q+ - q) = sin(q - q-) - h^2 M^{-1} grad U(q), trained like vin-sv with the
//     wrapped angle difference, so that it is unchanged by whole turns.
// On states every kind steps with its discrete Legendre transforms (p = M sin(q - q-) / h - h/2
// grad U(q) for so2), which makes vin-sv's state map velocity Verlet. time_derivative is H's
// canonical field, the map's continuous limit.
#pragma once

#include <torch/torch.h>

#include "physics/models/mlp.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

class VinImpl : public DynamicsModelImpl {
 public:
  /// config.kind is vin-vv, vin-sv or vin-so2.
  explicit VinImpl(const ModelConfig& c);
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& z) override;
  torch::Tensor time_derivative(const torch::Tensor& z, bool create_graph) override;

  /// U(q) [B] and its gradient [B, D].
  torch::Tensor potential(const torch::Tensor& q);
  torch::Tensor potential_gradient(const torch::Tensor& q, bool create_graph);
  /// The diagonal of M^{-1} [D].
  torch::Tensor inverse_mass() const { return log_inverse_mass_.exp(); }
  /// True for vin-sv and vin-so2: trained on positions only.
  bool positions_only() const { return config().kind != ModelKind::kVinVv; }
  bool on_circle() const { return config().kind == ModelKind::kVinSo2; }

  /// One step of the map on states z = (q, p) [B, 2D].
  torch::Tensor step(const torch::Tensor& z, double h, bool create_graph);
  /// q+ from (q-, q) [B, D]: Stormer-Verlet, or the circle's form for vin-so2.
  torch::Tensor position_step(const torch::Tensor& q_previous, const torch::Tensor& q, double h, bool create_graph);

 private:
  Mlp u_{nullptr};
  torch::Tensor log_inverse_mass_;
};

/// The multi-step loss on observed windows [T, B, 2D] at sample spacing h: T - 1 steps from the
/// first observed state; vin-vv scores every state, vin-sv and vin-so2 the positions of their
/// position map (so2: the wrapped difference). Mean squared error per step, averaged.
torch::Tensor vin_window_loss(VinImpl& model, const torch::Tensor& window, double h);

/// The angle difference a - b wrapped into (-pi, pi].
torch::Tensor wrapped_difference(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace noether::physics
