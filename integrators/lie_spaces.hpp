// integrators/lie_spaces.hpp: the homogeneous spaces the Lie-group schemes step on (Celledoni et
// al. 2022), written once over the state type.
//
//   Rotations space({0, 0, 0, 1});   // SO(3)^2 turning four 3-blocks of the state
//   State y1 = space.act(v, y);      // exp(v) . y
//   State w = space.bracket(u, v);   // [u, v], for RKMK's dexp^{-1}
//
// A Space gives `State act(const State& v, const State& y)` (exp(v) . y) and
// `State bracket(u, v)`; algebra elements are stored as States too (vectors with +, - and scaling
// by a double). Vec3<State> supplies the 3-vector operations: this header for Eigen vectors,
// physics/torch_lie.hpp for torch::Tensor batches [B, n].
//   Rotations     SO(3)^k acting on a list of 3-blocks, each turned by one algebra block: points
//                 on S^2, the columns of a rotation matrix, a body's angular momentum.
//   SphereBundle  SE(3)^k acting on (T*S^2)^k, state (q_i, p_i) with |q_i| = 1 and p_i . q_i = 0,
//                 algebra (xi_i, eta_i): (A, a) . (q, p) = (A q, A p + a x A q), the action of
//                 Celledoni et al. for spherical pendula; keeps both constraints exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Geometry>

#include "noether/error.hpp"

namespace noether::integrators {

/// The 3-vector operations the spaces are written with, for one State type. This primary template
/// serves Eigen::VectorXd; physics/torch_lie.hpp specialises it for torch::Tensor [B, n].
template <class State>
struct Vec3 {
  using Block = Eigen::Vector3d;
  static Block block(const State& v, int i) { return v.template segment<3>(3 * i); }
  static State join(const std::vector<Block>& blocks) {
    State out(3 * static_cast<Eigen::Index>(blocks.size()));
    for (std::size_t i = 0; i < blocks.size(); ++i)
      out.template segment<3>(3 * static_cast<Eigen::Index>(i)) = blocks[i];
    return out;
  }
  static int blocks(const State& v) { return static_cast<int>(v.size() / 3); }
  static Block cross(const Block& a, const Block& b) { return a.cross(b); }
  /// exp(xi^) v (Rodrigues) and J(xi) v, J = (exp(xi^) - I) / xi^ the left Jacobian of SO(3):
  /// v + a xi x v + b xi x (xi x v) with a, b the series of rotation_coefficients.
  static Block rotate(const Block& xi, const Block& v) {
    const auto [a, b] = coefficients(xi.norm(), false);
    const Block c = xi.cross(v);
    return v + a * c + b * xi.cross(c);
  }
  static Block left_jacobian(const Block& xi, const Block& v) {
    const auto [a, b] = coefficients(xi.norm(), true);
    const Block c = xi.cross(v);
    return v + a * c + b * xi.cross(c);
  }

 private:
  /// (sin t / t, (1 - cos t) / t^2), or for the Jacobian ((1 - cos t) / t^2, (t - sin t) / t^3),
  /// by their Taylor series below t = 1e-3 (where the closed forms lose digits).
  static std::pair<double, double> coefficients(double t, bool jacobian) {
    const double t2 = t * t;
    if (t < 1e-3) {
      if (!jacobian) return {1.0 - t2 / 6.0 + t2 * t2 / 120.0, 0.5 - t2 / 24.0 + t2 * t2 / 720.0};
      return {0.5 - t2 / 24.0 + t2 * t2 / 720.0, 1.0 / 6.0 - t2 / 120.0 + t2 * t2 / 5040.0};
    }
    if (!jacobian) return {std::sin(t) / t, (1.0 - std::cos(t)) / t2};
    return {(1.0 - std::cos(t)) / t2, (t - std::sin(t)) / (t2 * t)};
  }
};

/// SO(3)^k acting on 3-blocks of the state: state block b is turned by algebra block owner[b].
/// The algebra is R^{3k} (angular velocities), with the cross product as bracket.
class Rotations {
 public:
  /// owner[b]: the algebra block that turns state block b; k = 1 + the largest owner.
  explicit Rotations(std::vector<int> owner) : owner_(std::move(owner)) {
    if (owner_.empty()) throw InvalidInput("Rotations: no state blocks");
    for (int o : owner_) {
      if (o < 0) throw InvalidInput("Rotations: a state block's owner must be >= 0");
      algebra_blocks_ = std::max(algebra_blocks_, o + 1);
    }
  }
  int state_dim() const { return 3 * static_cast<int>(owner_.size()); }
  int algebra_dim() const { return 3 * algebra_blocks_; }

  template <class State>
  State act(const State& v, const State& y) const {
    using V = Vec3<State>;
    check(V::blocks(v), V::blocks(y));
    std::vector<typename V::Block> out;
    for (std::size_t b = 0; b < owner_.size(); ++b)
      out.push_back(V::rotate(V::block(v, owner_[b]), V::block(y, static_cast<int>(b))));
    return V::join(out);
  }
  template <class State>
  State bracket(const State& u, const State& v) const {
    using V = Vec3<State>;
    std::vector<typename V::Block> out;
    for (int k = 0; k < algebra_blocks_; ++k) out.push_back(V::cross(V::block(u, k), V::block(v, k)));
    return V::join(out);
  }

 private:
  void check(int algebra, int state) const {
    if (algebra != algebra_blocks_ || state != static_cast<int>(owner_.size()))
      throw InvalidInput("Rotations: algebra element of " + std::to_string(3 * algebra) + " entries and state of " +
                         std::to_string(3 * state) + " for a space of " + std::to_string(algebra_dim()) + " and " +
                         std::to_string(state_dim()));
  }
  std::vector<int> owner_;
  int algebra_blocks_ = 0;
};

/// SE(3)^k acting on k copies of T*S^2: state (q_1, p_1, ..., q_k, p_k), algebra
/// (xi_1, eta_1, ...); (A, a) = exp(xi, eta) = (exp(xi^), J(xi) eta) acts by
/// (q, p) -> (A q, A p + a x A q); bracket (xi1 x xi2, xi1 x eta2 - xi2 x eta1).
/// For H(q, p) on T*S^2, xi = q x dH/dp and eta = dH/dq x q give Hamilton's equations with the
/// constraint forces (sphere_generator below).
class SphereBundle {
 public:
  explicit SphereBundle(int bodies) : bodies_(bodies) {
    if (bodies < 1) throw InvalidInput("SphereBundle: needs at least one body");
  }
  int state_dim() const { return 6 * bodies_; }
  int algebra_dim() const { return 6 * bodies_; }

  template <class State>
  State act(const State& v, const State& y) const {
    using V = Vec3<State>;
    if (V::blocks(v) != 2 * bodies_ || V::blocks(y) != 2 * bodies_)
      throw InvalidInput("SphereBundle: states and algebra elements have " + std::to_string(6 * bodies_) + " entries");
    std::vector<typename V::Block> out;
    for (int i = 0; i < bodies_; ++i) {
      const auto xi = V::block(v, 2 * i), eta = V::block(v, 2 * i + 1);
      const auto q = V::rotate(xi, V::block(y, 2 * i));
      out.push_back(q);
      out.push_back(V::rotate(xi, V::block(y, 2 * i + 1)) + V::cross(V::left_jacobian(xi, eta), q));
    }
    return V::join(out);
  }
  template <class State>
  State bracket(const State& u, const State& v) const {
    using V = Vec3<State>;
    std::vector<typename V::Block> out;
    for (int i = 0; i < bodies_; ++i) {
      const auto x1 = V::block(u, 2 * i), e1 = V::block(u, 2 * i + 1);
      const auto x2 = V::block(v, 2 * i), e2 = V::block(v, 2 * i + 1);
      out.push_back(V::cross(x1, x2));
      out.push_back(V::cross(x1, e2) - V::cross(x2, e1));
    }
    return V::join(out);
  }

 private:
  int bodies_;
};

/// The generator of Hamilton's equations on (T*S^2)^k for the SphereBundle action, from the
/// partial gradients g_q = dH/dq and g_p = dH/dp (3k entries each, body by body):
/// xi_i = q_i x g_p,i, eta_i = g_q,i x q_i. Then dq/dt = g_p - (q . g_p) q and dp/dt =
/// -(g_q - (q . g_q) q) + (q x g_p) x p: the motion on the sphere with its constraint force.
template <class State>
State sphere_generator(const State& y, const State& dH_dq, const State& dH_dp) {
  using V = Vec3<State>;
  std::vector<typename V::Block> out;
  for (int i = 0; i < V::blocks(y) / 2; ++i) {
    const auto q = V::block(y, 2 * i);
    out.push_back(V::cross(q, V::block(dH_dp, i)));
    out.push_back(V::cross(V::block(dH_dq, i), q));
  }
  return V::join(out);
}

/// dexp^{-1}_u(v) to the terms order 4 needs: v - [u, v] / 2 + [u, [u, v]] / 12.
template <class Space, class State>
State dexp_inverse(const Space& space, const State& u, const State& v) {
  const State uv = space.bracket(u, v);
  return v - 0.5 * uv + (1.0 / 12.0) * space.bracket(u, uv);
}

}  // namespace noether::integrators
