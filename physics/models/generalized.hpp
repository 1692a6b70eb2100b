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
//   ghnn          dx/dt = J(x) grad H + Hess(v)(x) grad H (Course, Evans & Nair 2020): J_ij a
//                 network of x without x_i and x_j, antisymmetrised, so div(J grad H) = 0;
//                 v = -ICNN(x) concave (an input-convex network: softplus, non-negative weights on
//                 its hidden path), so Hess(v) <= 0 and dH/dt <= 0; H = ReHU(N(x) - N(0)) +
//                 eps |x|^2 >= 0 with equality only at 0. Trained with the weak form and Gaussian
//                 test functions in the paper (TrainOptions::test_function = kRbf).
//   nsf           dx/dt = W(x)^{-1} grad H(x) (neural symplectic form, Chen et al. 2021): a learned
//                 1-form theta(x), W = J + D theta - D theta^T (closed by construction, being the
//                 exterior derivative of sum_i x_{i+n/2} dx_i + theta), applied by a linear solve,
//                 never inverted. The canonical J keeps W invertible at the start: without it
//                 random weights make W near-singular somewhere, the first losses are 1e6 and
//                 training settles on a flat H (two springs: test MSE 11 against 0.11 with J).
//                 For Hamiltonian motion in coordinates that are not canonical; even dimension.
//   symoden       x = (q, p, u), d entries each (fully actuated): H = p^T M^{-1}(q) p / 2 + V(q)
//                 with M^{-1} = L L^T + eps I positive definite, dq/dt = dH/dp, dp/dt = -dH/dq +
//                 g(q) u, du/dt = 0 (SymODEN, Zhong et al. 2019; trained through RK4 rollouts,
//                 --loss rollout --rollout-steps TAU); so dH/dt = dq/dt . g(q) u, the power of
//                 the drive. With ModelConfig::angles = d, M^{-1}, V and g are networks of
//                 (cos q, sin q), periodic in q; the state may then also be SymODEN's embedded
//                 observation x = (cos q, sin q, dq/dt, u): p = M(q) dq/dt by a linear solve, dp/dt = -dH/dq + g u with
//                 dH/dq from the chain rule through (cos q, sin q), and
//                 d(dq/dt)/dt = M^{-1} (dp/dt - (dM/dt) dq/dt), the last term a Jacobian-vector
//                 product; d(cos q)/dt = -sin q dq/dt, d(sin q)/dt = cos q dq/dt exactly.
// Energies and structure networks are the configured MLPs (hidden width, layers, activation).
// Every gradient comes from physics/models/field.hpp; matrices are applied as products, never
// inverted.
#pragma once

#include <utility>
#include <vector>

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
  bool has_entropy() const override { return true; }
  /// The learned entropy S(x): [B].
  torch::Tensor entropy(const torch::Tensor& x) override;
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

/// The rectified Huber unit of Kolter & Manek (2019): 0 for z <= 0, z^2 / (2d) up to d, z - d / 2
/// beyond: continuously differentiable and >= 0.
torch::Tensor rehu(const torch::Tensor& z, double d = 1.0);

/// An input-convex network (Amos, Xu & Kolter 2017): z_1 = softplus(W_0 x + b_0), z_{k+1} =
/// softplus(P_k z_k + W_k x + b_k), out = p . z_L + w . x, convex in x because every weight on
/// the hidden path (P_k, p) is non-negative and softplus is convex and increasing. The hidden
/// path's raw weights U become P = softplus(U) (started at N(0, 1/h) - 2), or with `squared`
/// P = U^2 (U started uniform in (-1/sqrt(h), 1/sqrt(h)), the GHNN authors' choice: far weaker).
class IcnnImpl : public torch::nn::Module {
 public:
  IcnnImpl(int64_t in, int64_t hidden, int64_t layers, bool squared = false);
  /// x [B, in] -> [B].
  torch::Tensor forward(const torch::Tensor& x);
  /// The non-negative weights in use: P_k [hidden, hidden] (k = 1 .. layers - 1) and p [hidden].
  torch::Tensor hidden_weight(std::size_t k) const;
  torch::Tensor out_weight() const;

 private:
  torch::Tensor positive(const torch::Tensor& raw) const { return squared_ ? raw.square() : torch::softplus(raw); }
  std::vector<torch::nn::Linear> from_input_;
  std::vector<torch::Tensor> hidden_path_;  // raw U_k
  torch::Tensor out_;                       // raw u
  torch::nn::Linear skip_{nullptr};
  bool squared_ = false;
};
TORCH_MODULE(Icnn);

class GhnnImpl : public DynamicsModelImpl {
 public:
  /// The most states the curl regulariser is evaluated at in one call (structure_penalty).
  static constexpr int64_t kCurlStates = 1024;

  explicit GhnnImpl(const ModelConfig& c);
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override;
  bool has_energy() const override { return true; }
  /// ReHU(N(x) - N(0)) + eps |x|^2: positive definite.
  torch::Tensor energy(const torch::Tensor& x) override;
  /// The concave potential v(x) = -ICNN(x) whose Hessian is the friction: [B].
  torch::Tensor friction_potential(const torch::Tensor& x);
  /// max(dH/dt, 0) per sample: round-off by construction.
  torch::Tensor structure_residual(const torch::Tensor& x) override;
  /// J(x) and R(x) = Hess v(x), each [B, n, n].
  std::pair<torch::Tensor, torch::Tensor> structure(const torch::Tensor& x, bool create_graph = false);
  /// The friction's field R(x) grad H(x)'s curl, the antisymmetric part of its Jacobian: [B, n, n]
  /// (entry (i, j) = d(R grad H)_j / dx_i - d(R grad H)_i / dx_j). Differentiable in the weights.
  torch::Tensor friction_curl(const torch::Tensor& x);
  /// config.curl_weight times the mean of the squared curl over the pairs i < j and the states
  /// (the authors' curl regulariser); undefined when the weight is 0. Of more than kCurlStates
  /// states, kCurlStates drawn at random (torch's generator) stand for all.
  torch::Tensor structure_penalty(const torch::Tensor& x) override;
  static constexpr double kEpsilon = 1e-2;  ///< weight of |x|^2 in H

 private:
  Mlp n_{nullptr};
  torch::nn::ModuleList j_{nullptr};  // one network per pair i < j, blind to x_i and x_j
  torch::Tensor masks_;                // [pairs, n]: 0 at i and j
  Icnn v_{nullptr};
};

class NsfImpl : public DynamicsModelImpl {
 public:
  explicit NsfImpl(const ModelConfig& c);  // throws InvalidInput for an odd state dimension
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override;
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override;
  /// The learned 1-form theta(x): [B, n].
  torch::Tensor one_form(const torch::Tensor& x);
  /// W(x) = J + D theta - D theta^T: [B, n, n].
  torch::Tensor symplectic_form(const torch::Tensor& x, bool create_graph = false);
  /// |dH/dt| per sample: round-off, W^{-1} being skew.
  torch::Tensor structure_residual(const torch::Tensor& x) override;

 private:
  Mlp h_{nullptr}, theta_{nullptr};
};

class SymodenImpl : public DynamicsModelImpl {
 public:
  /// state_dim 3d (q, p, u), or 4d with config.angles = d; throws InvalidInput otherwise.
  explicit SymodenImpl(const ModelConfig& c);
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override;
  bool has_energy() const override { return true; }
  /// H = p^T M^{-1} p / 2 + V of x = (q, p, u), or of x = (cos q, sin q, dq/dt, u) with
  /// p = M dq/dt: [B].
  torch::Tensor energy(const torch::Tensor& x) override;
  /// M^{-1} [B, d, d], V [B] and g [B, d, d] at the networks' coordinates: q [B, d], or
  /// (cos q, sin q) [B, 2d] for angles (coordinates_of).
  torch::Tensor inverse_mass(const torch::Tensor& coords);
  torch::Tensor potential(const torch::Tensor& coords);
  torch::Tensor input_map(const torch::Tensor& coords);
  /// |dH/dt - dq/dt . g u| per sample: round-off.
  torch::Tensor structure_residual(const torch::Tensor& x) override;
  /// The networks' coordinates at states x: q, or (cos q, sin q) for angles.
  torch::Tensor coordinates_of(const torch::Tensor& x) const;
  /// d: the angles or coordinates q.
  int64_t dof_q() const { return config_.angles > 0 ? config_.angles : state_dim() / 3; }
  /// True when the networks see (cos q, sin q).
  bool periodic() const { return config_.angles > 0; }
  /// True when the state is (cos q, sin q, dq/dt, u).
  bool embedded() const { return config_.angles > 0 && state_dim() == 4 * config_.angles; }
  static constexpr double kEpsilon = 1e-2;  ///< floor on M^{-1}'s eigenvalues

 private:
  torch::Tensor embedded_derivative(const torch::Tensor& x, bool create_graph);
  Mlp m_{nullptr}, v_{nullptr}, g_{nullptr};
};

}  // namespace noether::physics
