// physics/systems/rigid_bodies.hpp: rigid bodies in 3-D as point masses held by distance
// constraints: the gyroscope, the rotor and the magnet pendulum of the constrained-HNN benchmarks
// (issue 17; Finzi et al. 2020's systems, built here from their physics).
//
//   auto top = noether::physics::make_system("gyroscope");    // a ConstrainedSystem
//   Eigen::VectorXd y = top->default_state();                  // [x; p] of its three points
//
// A rigid body is represented by point masses whose pairwise distances are fixed. Point masses
// m_k at body-frame positions b_k reproduce a body of mass M, centre of mass c and inertia I
// exactly when sum m_k b_k = M c and sum m_k b_k b_k^T = S, the second-moment tensor (I = tr(S) 1
// - S): then the kinetic energy sum |p_k|^2 / 2 m_k is the body's, and a uniform field's
// potential sum m_k g z_k is M g c_z.
//   gyroscope: a symmetric top (mass 1, moments 1, 1, 1/2 about its centre of mass, which lies 1
//     above the fixed pivot at the origin) under unit gravity: three points on a circle around the
//     symmetry axis, each tethered to the pivot and linked to the others (6 constraints, 3 degrees
//     of freedom). Starts: ZXZ Euler angles ~ N(0, 1), body rates (N(0, 1/4), N(0, 1/4), spin 6).
//   rotor: a free body (mass 1, second moments 1, 2, 3 about its centre: moments of inertia 5, 4,
//     3) without forces, four points (+-a, 0, c), (0, +-b, -c) linked pairwise (6 constraints, 6
//     degrees of freedom). Starts: centre ~ N(0, 0.1^2), its velocity ~ N(0, 0.1^2), Euler angles
//     and body rates ~ N(0, 1).
//   magnet-pendulum: a bob of mass 3 on a unit rod from the origin under g = 9.81, carrying a
//     magnetic dipole 0.3 x / |x|^2 along the rod, above two fixed dipoles 0.3 z at (+-0.1, 0,
//     -1.05); dipole energy (m_a . m_b |r|^2 - 3 (m_a . r)(m_b . r)) / (4 pi |r|^5). Starts: the
//     rod 0.3 N(0, 1) off the downward vertical in each horizontal direction, a tangent velocity
//     ~ N(0, 0.4^2).
#pragma once

#include <vector>

#include <Eigen/Core>

#include "physics/systems/constrained.hpp"

namespace noether::physics {

/// A ConstrainedSystem whose masses and links are fixed at construction.
class PointMassSystem : public ConstrainedSystem {
 public:
  int bodies() const override { return static_cast<int>(masses_.size()); }
  int space_dim() const override { return dim_; }
  const Eigen::VectorXd& masses() const override { return masses_; }
  const std::vector<Link>& links() const override { return links_; }

 protected:
  PointMassSystem(Eigen::VectorXd masses, std::vector<Link> links, int dim);
  /// The state of a rigid body whose points sit at `points` (body frame, one per column) in
  /// orientation `rotation`, with the body frame's origin at `origin` moving at `velocity` and
  /// angular velocity `rates` (body frame).
  Vector rigid_state(const Eigen::Matrix3Xd& points, const Eigen::Matrix3d& rotation, const Eigen::Vector3d& origin,
                     const Eigen::Vector3d& velocity, const Eigen::Vector3d& rates) const;

 private:
  Eigen::VectorXd masses_;
  std::vector<Link> links_;
  int dim_;
};

class Gyroscope : public PointMassSystem {
 public:
  Gyroscope();
  std::string name() const override { return "gyroscope"; }
  std::string description() const override;
  double potential(const Vector& q) const override;
  Vector potential_gradient(const Vector& q) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 900 trajectories (100 held out) of 101 samples on [0, 2] (dt 0.02), no noise.
  DataProtocol protocol() const override;
  /// The state at ZXZ Euler angles and body angular velocity.
  Vector at(const Eigen::Vector3d& euler, const Eigen::Vector3d& rates) const;

 private:
  Eigen::Matrix3Xd points_;  // body frame, pivot at the origin
};

class Rotor : public PointMassSystem {
 public:
  Rotor();
  std::string name() const override { return "rotor"; }
  std::string description() const override;
  double potential(const Vector&) const override { return 0.0; }
  Vector potential_gradient(const Vector& q) const override { return Vector::Zero(q.size()); }
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 900 trajectories (100 held out) of 101 samples on [0, 5] (dt 0.05), no noise.
  DataProtocol protocol() const override;

 private:
  Eigen::Matrix3Xd points_;  // body frame, centre of mass at the origin
};

class MagnetPendulum : public PointMassSystem {
 public:
  MagnetPendulum();
  std::string name() const override { return "magnet-pendulum"; }
  std::string description() const override;
  bool on_unit_spheres() const override { return true; }
  double potential(const Vector& q) const override;
  Vector potential_gradient(const Vector& q) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 900 trajectories (100 held out) of 101 samples on [0, 5] (dt 0.05), no noise.
  DataProtocol protocol() const override;
};

/// The rotation of ZXZ Euler angles (alpha, beta, gamma): Rz(alpha) Rx(beta) Rz(gamma).
Eigen::Matrix3d euler_zxz(const Eigen::Vector3d& angles);

}  // namespace noether::physics
