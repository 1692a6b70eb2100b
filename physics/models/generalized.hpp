// physics/models/generalized.hpp: generalized Hamiltonian models, whose structure matrices are
// learned with the energy (issue 16), on states x of any dimension n (odd included):
//
//   ModelConfig c; c.kind = ModelKind::kPq; c.state_dim = 3;    // or kGeneric, kGenericSoft
//   auto model = make_model(c);
//   auto dxdt = model->time_derivative(x, /*create_graph=*/true);   // x [B, n]
//
//   pq            dx/dt = (P(x) + Q(x)) grad H(x) (Howse et al. 1995): P = A - A^T skew, Q = -L L^T
//                 symmetric negative semi-definite (A, L from one network of x), so
//                 dH/dt = grad H^T Q grad H <= 0: energy is kept by P and only drained by Q.
//   generic       dx/dt = L(x) grad E(x) + M(x) grad S(x) (GENERIC; Lee, Trask & Stinis 2021) with
//                 the degeneracy conditions L grad S = 0, M grad E = 0 exact by construction (as in
//                 GFINNs): L = P_S A P_S and M = P_E B B^T P_E, P_v = I - v v^T / |v|^2 the
//                 projection orthogonal to v; so dE/dt = 0 and dS/dt = grad S^T M grad S >= 0.
//   generic-soft  L = A - A^T, M = B B^T, and the conditions as a penalty
//                 degeneracy_weight * mean(|L grad S|^2 + |M grad E|^2) added to the loss.
// Energies and structure networks are the configured MLPs (hidden width, layers, activation).
// Every gradient comes from physics/models/field.hpp; matrices are applied as products, never
// inverted.
#pragma once

#include <utility>

#include <torch/torch.h>

#include "physics/models/model.hpp"

namespace noether::physics {

/// [B, n(n-1)/2] entries -> the skew matrices A - A^T [B, n, n] with A strictly upper triangular.
torch::Tensor skew_from(const torch::Tensor& entries, int64_t n);
/// [B, n(n+1)/2] entries -> lower triangular matrices [B, n, n] (diagonal included).
torch::Tensor lower_from(const torch::Tensor& entries, int64_t n);
/// [B, n, n] times [B, n] -> [B, n].
torch::Tensor mat_vec(const torch::Tensor& m, const torch::Tensor& v);

class PqImpl : public DynamicsModelImpl {
 public:
  explicit PqImpl(const ModelConfig& c);
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override;
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override;
  /// max(dH/dt, 0) per sample: zero up to round-off by construction.
  torch::Tensor structure_residual(const torch::Tensor& x) override;
  /// P(x) and Q(x), each [B, n, n].
  std::pair<torch::Tensor, torch::Tensor> structure(const torch::Tensor& x);

 private:
  Mlp h_{nullptr}, s_{nullptr};
};

class GenericImpl : public DynamicsModelImpl {
 public:
  explicit GenericImpl(const ModelConfig& c);  // kGeneric (exact) or kGenericSoft (penalty)
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override;
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override;
  /// The learned entropy S(x): [B].
  torch::Tensor entropy(const torch::Tensor& x);
  /// |L grad S|^2 + |M grad E|^2 per sample (round-off for the exact form).
  torch::Tensor structure_residual(const torch::Tensor& x) override;
  torch::Tensor structure_penalty(const torch::Tensor& x) override;
  /// L(x) and M(x), each [B, n, n] (for tests and inspection).
  std::pair<torch::Tensor, torch::Tensor> structure(const torch::Tensor& x);
  bool exact() const { return config_.kind == ModelKind::kGeneric; }

 private:
  struct Parts {
    torch::Tensor grad_e, grad_s, a, b;  // [B, n], [B, n], [B, n, n] skew, [B, n, n]
  };
  Parts parts(const torch::Tensor& x, bool create_graph);
  /// L v and M v for the parts' state.
  torch::Tensor apply_l(const Parts& p, const torch::Tensor& v) const;
  torch::Tensor apply_m(const Parts& p, const torch::Tensor& v) const;
  Mlp e_{nullptr}, s_{nullptr}, a_{nullptr}, b_{nullptr};
};

}  // namespace noether::physics
