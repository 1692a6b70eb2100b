// physics/systems/constrained.hpp: bodies in Cartesian coordinates held by holonomic constraints,
// the ground truth of the constrained Hamiltonian models (issue 17; Finzi et al. 2020).
//
//   auto sys = noether::physics::make_system("chain-pendulum-3");   // a ConstrainedSystem
//   Eigen::VectorXd y = sys->default_state();        // [x; p]: every body's position, then momenta
//   Eigen::VectorXd dydt = sys->vector_field(y);     // with the constraint forces
//
// q stacks the bodies' positions (n bodies in d dimensions, body by body), p = M dq/dt with a
// diagonal mass per body; H = p^T M^{-1} p / 2 + V(q). The constraints are distances: a body
// tethered to a fixed point, or two bodies linked, phi = (|x_i - x_j|^2 - l^2) / 2 = 0, with their
// velocity form G(q) M^{-1} p = 0 (G = d phi / dq). The vector field adds the constraint force
// -G^T lambda, lambda from the constraints' second derivative (G M^{-1} G^T lambda =
// -G M^{-1} grad V + (|v_i - v_j|^2)_k), which keeps both forms to the integrator's accuracy;
// RATTLE (integrators/rattle.hpp) keeps them to round-off.
#pragma once

#include <utility>
#include <vector>

#include <Eigen/Core>

#include "physics/systems/systems.hpp"

namespace noether::physics {

class ConstrainedSystem : public System {
 public:
  /// A distance constraint: body i to body j, or to the fixed point `anchor` when j < 0.
  struct Link {
    int i = 0, j = -1;
    double length = 1.0;
    Eigen::VectorXd anchor;  ///< d entries; used when j < 0
  };

  int dof() const override { return bodies() * space_dim(); }
  bool separable() const override { return true; }
  /// Bodies and the dimension of their space.
  virtual int bodies() const = 0;
  virtual int space_dim() const = 0;
  /// One mass per body.
  virtual const Eigen::VectorXd& masses() const = 0;
  virtual const std::vector<Link>& links() const = 0;
  virtual double potential(const Vector& q) const = 0;
  virtual Vector potential_gradient(const Vector& q) const = 0;

  int constraint_count() const { return static_cast<int>(links().size()); }
  /// phi(q) [m] and G(q) = d phi / dq [m x dof].
  Vector constraints(const Vector& q) const;
  Eigen::MatrixXd constraint_jacobian(const Vector& q) const;
  /// M^{-1}, [dof x dof] diagonal.
  Eigen::MatrixXd inverse_mass() const;
  /// True when every body hangs from the origin on a rod of length 1 and nothing else links
  /// them: the state is then (T*S^2)^k and the Lie-group schemes' SphereBundle acts on it.
  virtual bool on_unit_spheres() const { return false; }
  /// max(|phi(q)|, |G(q) M^{-1} p|): how far y is from the constraint manifold.
  double constraint_violation(const Vector& y) const;

  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;  ///< grad V (no constraint force)
  Vector dH_dp(const Vector& q, const Vector& p) const override;  ///< M^{-1} p
  /// [M^{-1} p; -grad V - G^T lambda].
  Vector vector_field(const Vector& y) const override;
  /// The state moved onto the manifold (q along M^{-1} G^T, then p onto G M^{-1} p = 0).
  Vector project(const Vector& y) const;
};

/// A planar chain of `links` point masses hanging from the origin under unit gravity (V = sum m_i
/// y_i, Finzi et al.'s ChainPendulum): masses and lengths drawn uniformly in [0.6, 1.4] from
/// `seed`. Starts: each link's angle from the downward vertical and its rate ~ N(0, 1).
class ChainPendulum : public ConstrainedSystem {
 public:
  explicit ChainPendulum(int links = 3, uint64_t seed = 0);
  std::string name() const override;
  std::string description() const override;
  int bodies() const override { return links_; }
  int space_dim() const override { return 2; }
  const Eigen::VectorXd& masses() const override { return masses_; }
  const std::vector<Link>& links() const override { return constraints_; }
  double potential(const Vector& q) const override;
  Vector potential_gradient(const Vector& q) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 800 training and 100 test trajectories, 101 samples on [0, 3] (dt 0.03), no noise.
  DataProtocol protocol() const override;
  /// The state with these angles (from the downward vertical) and rates.
  Vector from_angles(const Vector& angles, const Vector& rates) const;

 private:
  int links_;
  Eigen::VectorXd masses_, lengths_;
  std::vector<Link> constraints_;
};

/// A point mass on a rod of length 1 from the origin in three dimensions, V = m g z (g = 1):
/// T*S^2, where the Lie-group schemes apply as well as RATTLE. Starts: a uniform direction and a
/// tangent momentum with N(0, 1) components.
class SphericalPendulum : public ConstrainedSystem {
 public:
  SphericalPendulum();
  std::string name() const override { return "spherical-pendulum"; }
  std::string description() const override;
  int bodies() const override { return 1; }
  int space_dim() const override { return 3; }
  const Eigen::VectorXd& masses() const override { return masses_; }
  const std::vector<Link>& links() const override { return links_; }
  bool on_unit_spheres() const override { return true; }
  double potential(const Vector& q) const override { return q[2]; }
  Vector potential_gradient(const Vector& q) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;

 private:
  Eigen::VectorXd masses_;
  std::vector<Link> links_;
};

/// Two spherical pendula in series (Celledoni et al. 2022's double spherical pendulum): unit
/// masses on unit rods, g = 9.81, the state the rods' directions and their conjugate momenta,
/// (q1, q2, p1, p2) on (T*S^2)^2 (|q_i| = 1, p_i . q_i = 0), in which the Lie-group schemes step it.
/// The kinetic energy of the bobs at x1 = q1, x2 = q1 + q2 is v^T K v / 2 with K = [[2 I, I], [I,
/// I]] on the tangent velocities; H = p^T A(q)^{-1} p / 2 + V(q) with A = P K P + (I - P), P the
/// projection onto the tangent spaces (so A^{-1} p is the velocity for tangent p; A is invertible
/// off the manifold too, which gives H the extension the schemes need), V = g (2 q1_z + q2_z).
/// Not separable (RATTLE does not apply); the field is the SphereBundle generator's. Starts:
/// uniform directions, momenta with N(0, 1) components projected onto the tangent spaces.
class SphericalPendula : public ConstrainedSystem {
 public:
  static constexpr double kGravity = 9.81;
  SphericalPendula();
  std::string name() const override { return "spherical-pendula"; }
  std::string description() const override;
  bool separable() const override { return false; }
  int bodies() const override { return 2; }
  int space_dim() const override { return 3; }
  const Eigen::VectorXd& masses() const override { return masses_; }
  const std::vector<Link>& links() const override { return links_; }
  bool on_unit_spheres() const override { return true; }
  double potential(const Vector& q) const override;
  Vector potential_gradient(const Vector& q) const override;
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector vector_field(const Vector& y) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 500 starts (50 held out), 5 samples on [0, 0.1], no noise.
  DataProtocol protocol() const override;
  /// The bobs' velocities (dx1/dt, dx2/dt) at a state on the manifold.
  Vector bob_velocities(const Vector& y) const;

 private:
  Eigen::VectorXd masses_;  // the directions' "masses" of the constraint bookkeeping: 1
  std::vector<Link> links_;
};

}  // namespace noether::physics
