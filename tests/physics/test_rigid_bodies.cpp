// Rigid bodies as constrained point masses (physics/systems/rigid_bodies.hpp): the gyroscope's and
// the rotor's points move as the rigid bodies they stand for (against Euler's equations integrated
// on their own), the magnet pendulum's potential has the gradient it claims, and every start lies
// on the constraint manifold.
#include "tests/support/test_common_core.hpp"

#include <cmath>

#include <Eigen/Dense>

#include "integrators/dop853.hpp"
#include "physics/systems/constrained.hpp"
#include "physics/systems/rigid_bodies.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;
using Eigen::Matrix3d;
using Eigen::Vector3d;
using Eigen::VectorXd;

namespace {
ni::AdaptiveOptions tight() {
  ni::AdaptiveOptions o;
  o.rtol = 1e-12;
  o.atol = 1e-13;
  return o;
}

Matrix3d hat(const Vector3d& w) {
  Matrix3d m;
  m << 0, -w[2], w[1], w[2], 0, -w[0], -w[1], w[0], 0;
  return m;
}

/// A rigid body by Euler's equations: state (R row-major, omega in the body frame), inertia
/// `inertia` about the body frame's origin, a torque (body frame) of R and omega.
template <class Torque>
VectorXd euler_body(const Matrix3d& r0, const Vector3d& w0, const Matrix3d& inertia, double t1, Torque torque) {
  VectorXd s(12);
  for (int i = 0; i < 3; ++i) s.segment<3>(3 * i) = r0.row(i).transpose();
  s.tail<3>() = w0;
  auto field = [&](double, const VectorXd& y) {
    Matrix3d r;
    for (int i = 0; i < 3; ++i) r.row(i) = y.segment<3>(3 * i).transpose();
    const Vector3d w = y.tail<3>();
    const Matrix3d rdot = r * hat(w);
    VectorXd f(12);
    for (int i = 0; i < 3; ++i) f.segment<3>(3 * i) = rdot.row(i).transpose();
    f.tail<3>() = inertia.ldlt().solve(Vector3d(torque(r) - w.cross(inertia * w)));
    return f;
  };
  ni::integrate_dop853(s, 0.0, t1, field, tight());
  return s;
}

Matrix3d rotation_of(const VectorXd& s) {
  Matrix3d r;
  for (int i = 0; i < 3; ++i) r.row(i) = s.segment<3>(3 * i).transpose();
  return r;
}

double kinetic(const np::ConstrainedSystem& sys, const VectorXd& y) {
  return sys.energy(sys.q_of(y), sys.p_of(y)) - sys.potential(sys.q_of(y));
}
}  // namespace

TEST_CASE("gyroscope: three points are the symmetric top on its pivot", "[physics][constrained][rigid]") {
  const np::Gyroscope top;
  REQUIRE(top.bodies() == 3);
  REQUIRE(top.constraint_count() == 6);
  np::Rng rng(5);
  const Matrix3d pivot_inertia = Vector3d(2.0, 2.0, 0.5).asDiagonal();  // 1, 1, 1/2 plus M c^2 = 1 off the axis
  for (int i = 0; i < 10; ++i) {
    const Vector3d euler(rng() % 1000 / 300.0, rng() % 1000 / 400.0, rng() % 1000 / 300.0);
    const Vector3d w(0.3, -0.7, 4.0);
    const VectorXd y = top.at(euler, w);
    CHECK(top.constraint_violation(y) < 1e-13);
    CHECK(kinetic(top, y) == Approx(0.5 * w.dot(pivot_inertia * w)).epsilon(1e-13));
    CHECK(top.potential(top.q_of(y)) == Approx(np::euler_zxz(euler)(2, 2)).margin(1e-14));  // M g c_z, c = R z
    CHECK(top.constraint_violation(top.random_state(rng)) < 1e-13);
  }
  // The points' motion is the top's: Euler's equations with the gravity torque c x (-g R^T z).
  const Vector3d euler(0.4, 0.6, -0.2), w(0.5, -0.3, 6.0);
  VectorXd y = top.at(euler, w);
  const double e0 = top.energy_at(y);
  ni::integrate_dop853(y, 0.0, 2.0, [&](double, const VectorXd& s) { return top.vector_field(s); }, tight());
  const VectorXd body = euler_body(np::euler_zxz(euler), w, pivot_inertia, 2.0, [](const Matrix3d& r) {
    return Vector3d(Vector3d::UnitZ().cross(-(r.transpose() * Vector3d::UnitZ())));
  });
  const VectorXd expected = top.at(Vector3d::Zero(), Vector3d::Zero());  // positions in the body frame
  const Matrix3d r = rotation_of(body);
  for (int k = 0; k < 3; ++k)
    CHECK((y.segment<3>(3 * k) - r * expected.segment<3>(3 * k)).norm() < 1e-8);
  CHECK(std::abs(top.energy_at(y) - e0) < 1e-9);
  CHECK(top.constraint_violation(y) < 1e-9);
}

TEST_CASE("rotor: four points are the free body, and it tumbles about its intermediate axis",
          "[physics][constrained][rigid]") {
  const np::Rotor rotor;
  REQUIRE(rotor.bodies() == 4);
  REQUIRE(rotor.constraint_count() == 6);
  np::Rng rng(9);
  for (int i = 0; i < 10; ++i) CHECK(rotor.constraint_violation(rotor.random_state(rng)) < 1e-13);
  const Matrix3d inertia = Vector3d(5.0, 4.0, 3.0).asDiagonal();
  // Spun about the intermediate axis with a small disturbance: the spin reverses (tennis racket).
  VectorXd y = rotor.default_state();
  CHECK(kinetic(rotor, y) == Approx(0.5 * Vector3d(0.02, 1.5, 0.02).dot(inertia * Vector3d(0.02, 1.5, 0.02))));
  const VectorXd start = y;
  const double t1 = 16.0;
  ni::integrate_dop853(y, 0.0, t1, [&](double, const VectorXd& s) { return rotor.vector_field(s); }, tight());
  const VectorXd body = euler_body(Matrix3d::Identity(), Vector3d(0.02, 1.5, 0.02), inertia, t1,
                                   [](const Matrix3d&) { return Vector3d::Zero(); });
  const Matrix3d r = rotation_of(body);
  for (int k = 0; k < 4; ++k) CHECK((y.segment<3>(3 * k) - r * start.segment<3>(3 * k)).norm() < 1e-7);
  CHECK(body[10] < -1.0);  // omega_y went from 1.5 to below -1: the body flipped
  CHECK(rotor.constraint_violation(y) < 1e-9);
}

TEST_CASE("magnet pendulum: potential gradient, energy, and states on the sphere", "[physics][constrained][rigid]") {
  const np::MagnetPendulum bob;
  CHECK(bob.on_unit_spheres());
  np::Rng rng(2);
  for (int i = 0; i < 10; ++i) {
    const VectorXd y = bob.random_state(rng);
    CHECK(bob.constraint_violation(y) < 1e-14);
    const VectorXd q = bob.q_of(y), g = bob.potential_gradient(q);
    for (int j = 0; j < 3; ++j) {
      const double h = 1e-6;
      VectorXd a = q, b = q;
      a[j] += h;
      b[j] -= h;
      CHECK(g[j] == Approx((bob.potential(a) - bob.potential(b)) / (2 * h)).epsilon(1e-6).margin(1e-6));
    }
  }
  // At the bottom the bob's dipole (0, 0, -0.3) and each magnet's (0, 0, 0.3) are r = (+-0.1, 0,
  // -0.05) apart: m.m |r|^2 - 3 (m0.r)(mi.r) = -0.09 * 0.0125 + 3 * 0.015 * 0.015 = -4.5e-4 each.
  const VectorXd bottom = (VectorXd(3) << 0.0, 0.0, -1.0).finished();
  const double pi = 3.14159265358979323846;
  CHECK(bob.potential(bottom) == Approx(-3.0 * 9.81 + 2 * -4.5e-4 / (4 * pi * std::pow(0.0125, 2.5))).epsilon(1e-13));
  VectorXd y = bob.default_state();
  const double e0 = bob.energy_at(y);
  ni::integrate_dop853(y, 0.0, 5.0, [&](double, const VectorXd& s) { return bob.vector_field(s); }, tight());
  CHECK(std::abs(bob.energy_at(y) - e0) < 1e-8 * std::abs(e0));
  CHECK(bob.constraint_violation(y) < 1e-8);
  for (const char* name : {"gyroscope", "rotor", "magnet-pendulum"}) CHECK(np::make_system(name)->name() == name);
}

namespace {
/// Two unit bobs in 3-D hanging in series from the origin on unit rods, g = 9.81, in Cartesian
/// coordinates: the spherical pendula by the other formulation.
class CartesianPendula : public np::ConstrainedSystem {
 public:
  CartesianPendula() : masses_(VectorXd::Ones(2)) {
    links_.push_back({0, -1, 1.0, VectorXd::Zero(3)});
    links_.push_back({1, 0, 1.0, VectorXd::Zero(3)});
  }
  std::string name() const override { return "cartesian-pendula"; }
  std::string description() const override { return ""; }
  int bodies() const override { return 2; }
  int space_dim() const override { return 3; }
  const VectorXd& masses() const override { return masses_; }
  const std::vector<Link>& links() const override { return links_; }
  double potential(const VectorXd& q) const override { return 9.81 * (q[2] + q[5]); }
  VectorXd potential_gradient(const VectorXd&) const override {
    return (VectorXd(6) << 0, 0, 9.81, 0, 0, 9.81).finished();
  }
  VectorXd default_state() const override { return VectorXd::Zero(12); }
  VectorXd random_state(np::Rng&) const override { return VectorXd::Zero(12); }

 private:
  VectorXd masses_;
  std::vector<Link> links_;
};
}  // namespace

TEST_CASE("spherical pendula: H's gradients, and the motion of the Cartesian double pendulum",
          "[physics][constrained][rigid]") {
  const np::SphericalPendula pendula;
  CHECK_FALSE(pendula.separable());
  CHECK(pendula.on_unit_spheres());
  np::Rng rng(4);
  for (int i = 0; i < 5; ++i) {
    VectorXd y = pendula.random_state(rng);
    CHECK(pendula.constraint_violation(y) < 1e-14);
    y += 0.05 * VectorXd::Ones(12);  // off the manifold: H's extension has these gradients too
    const VectorXd q = pendula.q_of(y), p = pendula.p_of(y);
    const VectorXd gq = pendula.dH_dq(q, p), gp = pendula.dH_dp(q, p);
    for (int j = 0; j < 6; ++j) {
      const double h = 1e-6;
      VectorXd e = VectorXd::Zero(6);
      e[j] = h;
      CHECK(gq[j] == Approx((pendula.energy(q + e, p) - pendula.energy(q - e, p)) / (2 * h)).epsilon(1e-6).margin(1e-7));
      CHECK(gp[j] == Approx((pendula.energy(q, p + e) - pendula.energy(q, p - e)) / (2 * h)).epsilon(1e-6).margin(1e-7));
    }
  }
  // The same motion as the Cartesian bobs x1 = q1, x2 = q1 + q2 held by their rods.
  const CartesianPendula cartesian;
  VectorXd y = pendula.default_state();
  const VectorXd v = pendula.bob_velocities(y);
  VectorXd z(12);
  z << y.head<3>(), y.head<3>() + y.segment<3>(3), v;  // unit masses: p = v
  CHECK(cartesian.constraint_violation(z) < 1e-14);
  CHECK(cartesian.energy_at(z) == Approx(pendula.energy_at(y)).epsilon(1e-13));
  ni::integrate_dop853(y, 0.0, 3.0, [&](double, const VectorXd& s) { return pendula.vector_field(s); }, tight());
  ni::integrate_dop853(z, 0.0, 3.0, [&](double, const VectorXd& s) { return cartesian.vector_field(s); }, tight());
  CHECK((y.head<3>() - z.head<3>()).norm() < 1e-8);
  CHECK((y.head<3>() + y.segment<3>(3) - z.segment<3>(3)).norm() < 1e-8);
  CHECK(pendula.constraint_violation(y) < 1e-9);
  CHECK(np::make_system("spherical-pendula")->name() == "spherical-pendula");
}
