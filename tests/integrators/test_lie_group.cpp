// The Lie-group schemes (integrators/lie_group.hpp) on Eigen states: orders fitted against a
// rigid body with a closed-form solution and against a tight DOP853 reference on the spherical
// pendulum; the group's constraints (R^T R = I, |q| = 1, q . p = 0) kept to round-off where a
// Euclidean RK4 drifts.
#include "tests/support/test_common_core.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Geometry>

#include "integrators/dop853.hpp"
#include "integrators/lie_group.hpp"
#include "integrators/rk4.hpp"

namespace ni = noether::integrators;
using Eigen::Matrix3d;
using Eigen::Vector3d;
using Eigen::VectorXd;
using noether::testing::fitted_order;

namespace {

// A symmetric free rigid body, I = diag(2, 2, 1): state (R's three columns, body momentum m).
// Space frame: dR/dt = (R w)^ R with w = I^{-1} m; body frame: dm/dt = m x w = (-w)^ m. The exact
// motion (lambda = m3 (1/I3 - 1/I1), pi = R0 m0 constant): R(t) = exp(t pi^ / I1) R0 exp(lambda t
// e3^), m(t) = exp(-lambda t e3^) m0.
struct RigidBody {
  Vector3d inertia{2.0, 2.0, 1.0};
  Matrix3d r0 = Eigen::AngleAxisd(0.7, Vector3d(1.0, 2.0, -0.5).normalized()).toRotationMatrix();
  Vector3d m0{0.3, -0.5, 0.8};
  ni::Rotations space{{0, 0, 0, 1}};

  VectorXd start() const { return pack(r0, m0); }
  static VectorXd pack(const Matrix3d& r, const Vector3d& m) {
    VectorXd y(12);
    y << r.col(0), r.col(1), r.col(2), m;
    return y;
  }
  static Matrix3d attitude(const VectorXd& y) {
    Matrix3d r;
    r << y.segment<3>(0), y.segment<3>(3), y.segment<3>(6);
    return r;
  }
  VectorXd generator(const VectorXd& y) const {
    const Vector3d w = y.segment<3>(9).cwiseQuotient(inertia);
    const Matrix3d r = attitude(y);
    VectorXd xi(6);
    xi.head<3>() = r * w;
    xi.tail<3>() = -w;
    return xi;
  }
  VectorXd exact(double t) const {
    const double lambda = m0[2] * (1.0 / inertia[2] - 1.0 / inertia[0]);
    const Vector3d pi = r0 * m0;
    const Matrix3d outer = Eigen::AngleAxisd(t * pi.norm() / inertia[0], pi.normalized()).toRotationMatrix();
    const Matrix3d spin = Eigen::AngleAxisd(lambda * t, Vector3d::UnitZ()).toRotationMatrix();
    return pack(outer * r0 * spin, spin.transpose() * m0);
  }
};

double error_after(ni::Scheme scheme, const RigidBody& body, double t1, int steps) {
  VectorXd y = body.start();
  const double dt = t1 / steps;
  for (int i = 0; i < steps; ++i)
    ni::lie_step(scheme, body.space, y, i * dt, dt, [&](double, const VectorXd& s) { return body.generator(s); });
  return (y - body.exact(t1)).cwiseAbs().maxCoeff();
}

// Spherical pendula on T*S^2 (independent here): H = sum |p_i|^2 / 2 + g z_i.
constexpr double kG = 9.81;
VectorXd pendula_start(int bodies) {
  VectorXd y(6 * bodies);
  for (int i = 0; i < bodies; ++i) {
    const Vector3d q = Vector3d(1.0, 0.2 + 0.3 * i, -0.5).normalized();
    const Vector3d v(0.1 * i, 1.0, 0.3);
    y.segment<3>(6 * i) = q;
    y.segment<3>(6 * i + 3) = v - q.dot(v) * q;  // tangent
  }
  return y;
}
VectorXd pendula_generator(const VectorXd& y) {
  const int k = static_cast<int>(y.size() / 6);
  VectorXd gq = VectorXd::Zero(3 * k), gp(3 * k);
  for (int i = 0; i < k; ++i) {
    gq[3 * i + 2] = kG;
    gp.segment<3>(3 * i) = y.segment<3>(6 * i + 3);
  }
  return ni::sphere_generator(y, gq, gp);
}
/// The same motion as an ODE in R^{6k}: dq/dt = xi x q, dp/dt = xi x p + eta x q.
VectorXd pendula_field(const VectorXd& y) {
  const VectorXd g = pendula_generator(y);
  VectorXd f(y.size());
  for (int i = 0; i < y.size() / 6; ++i) {
    const Vector3d xi = g.segment<3>(6 * i), eta = g.segment<3>(6 * i + 3);
    f.segment<3>(6 * i) = xi.cross(Vector3d(y.segment<3>(6 * i)));
    f.segment<3>(6 * i + 3) = xi.cross(Vector3d(y.segment<3>(6 * i + 3))) + eta.cross(Vector3d(y.segment<3>(6 * i)));
  }
  return f;
}
double pendula_energy(const VectorXd& y) {
  double e = 0.0;
  for (int i = 0; i < y.size() / 6; ++i) e += 0.5 * y.segment<3>(6 * i + 3).squaredNorm() + kG * y[6 * i + 2];
  return e;
}
/// max over bodies of ||q| - 1| and |q . p|.
double constraint_drift(const VectorXd& y) {
  double d = 0.0;
  for (int i = 0; i < y.size() / 6; ++i) {
    const Vector3d q = y.segment<3>(6 * i), p = y.segment<3>(6 * i + 3);
    d = std::max({d, std::abs(q.norm() - 1.0), std::abs(q.dot(p))});
  }
  return d;
}

const std::vector<std::pair<ni::Scheme, int>> kSchemes{
    {ni::Scheme::kLieEuler, 1}, {ni::Scheme::kRkmk4, 4}, {ni::Scheme::kCf4, 4}};

const char* name_of(ni::Scheme s) { return ni::scheme_name(s); }

}  // namespace

TEST_CASE("Lie-group schemes show their order on a rigid body with an exact solution", "[integrators][lie]") {
  const RigidBody body;
  // The closed form is itself right: its R stays a rotation and R m is the constant pi.
  const VectorXd late = body.exact(3.0);
  CHECK((RigidBody::attitude(late).transpose() * RigidBody::attitude(late) - Matrix3d::Identity()).norm() < 1e-14);
  CHECK((RigidBody::attitude(late) * late.segment<3>(9) - body.r0 * body.m0).norm() < 1e-14);
  for (const auto& [scheme, order] : kSchemes) {
    std::vector<double> dts, errors;
    const int base = order == 1 ? 200 : 10;
    for (int steps = base; steps <= 8 * base; steps *= 2) {
      dts.push_back(2.0 / steps);
      errors.push_back(error_after(scheme, body, 2.0, steps));
    }
    INFO(name_of(scheme) << ": errors " << errors.front() << " ... " << errors.back());
    CHECK(fitted_order(dts, errors) == Approx(order).margin(0.2));
  }
}

TEST_CASE("Lie-group schemes keep a rotation a rotation over 10^4 steps", "[integrators][lie]") {
  const RigidBody body;
  for (const auto& [scheme, order] : kSchemes) {
    VectorXd y = body.start();
    for (int i = 0; i < 10000; ++i)
      ni::lie_step(scheme, body.space, y, 0.0, 0.05, [&](double, const VectorXd& s) { return body.generator(s); });
    const Matrix3d r = RigidBody::attitude(y);
    INFO(name_of(scheme));
    CHECK((r.transpose() * r - Matrix3d::Identity()).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(std::abs(r.determinant() - 1.0) < 1e-12);
    // |m| is a Casimir of the body-frame motion: the coadjoint rotation keeps it exactly.
    CHECK(y.segment<3>(9).norm() == Approx(body.m0.norm()).epsilon(1e-13));
  }
}

TEST_CASE("on the spherical pendulum's T*S^2 the Lie-group schemes stay on the sphere where RK4 leaves it",
          "[integrators][lie]") {
  const ni::SphereBundle space(2);
  const double dt = 0.01;
  const VectorXd y0 = pendula_start(2);
  REQUIRE(constraint_drift(y0) < 1e-15);
  for (const auto& [scheme, order] : kSchemes) {
    VectorXd y = y0;
    double worst = 0.0;
    for (int i = 0; i < 10000; ++i) {
      ni::lie_step(scheme, space, y, 0.0, dt, [](double, const VectorXd& s) { return pendula_generator(s); });
      worst = std::max(worst, constraint_drift(y));
    }
    INFO(name_of(scheme));
    CHECK(worst < 1e-12);
    if (order == 4) CHECK(std::abs(pendula_energy(y) - pendula_energy(y0)) < 1e-5 * std::abs(pendula_energy(y0)));
  }
  VectorXd y = y0;
  for (int i = 0; i < 10000; ++i) ni::rk4_step(y, 0.0, dt, [](double, const VectorXd& s) { return pendula_field(s); });
  CHECK(constraint_drift(y) > 1e-9);  // the Euclidean scheme's drift, for contrast
}

TEST_CASE("on the spherical pendulum the Lie-group schemes converge to a DOP853 reference at their order",
          "[integrators][lie]") {
  const ni::SphereBundle space(2);
  const VectorXd y0 = pendula_start(2);
  VectorXd reference = y0;
  ni::AdaptiveOptions tight;
  tight.rtol = 1e-13;
  tight.atol = 1e-14;
  ni::integrate_dop853(reference, 0.0, 1.0, [](double, const VectorXd& s) { return pendula_field(s); }, tight);
  for (const auto& [scheme, order] : kSchemes) {
    std::vector<double> dts, errors;
    const int base = order == 1 ? 400 : 20;
    for (int steps = base; steps <= 8 * base; steps *= 2) {
      VectorXd y = y0;
      for (int i = 0; i < steps; ++i)
        ni::lie_step(scheme, space, y, 0.0, 1.0 / steps, [](double, const VectorXd& s) { return pendula_generator(s); });
      dts.push_back(1.0 / steps);
      errors.push_back((y - reference).cwiseAbs().maxCoeff());
    }
    INFO(name_of(scheme) << ": errors " << errors.front() << " ... " << errors.back());
    CHECK(fitted_order(dts, errors) == Approx(order).margin(0.2));
  }
}

TEST_CASE("Lie-group spaces refuse states of the wrong size and bad owners", "[integrators][lie]") {
  CHECK_THROWS_WITH(ni::Rotations({}), Catch::Contains("no state blocks"));
  CHECK_THROWS_WITH(ni::Rotations({0, -1}), Catch::Contains(">= 0"));
  CHECK_THROWS_WITH(ni::SphereBundle(0), Catch::Contains("at least one"));
  const ni::Rotations rotations({0, 0, 1});
  CHECK_THROWS_WITH(rotations.act(VectorXd(VectorXd::Zero(3)), VectorXd(VectorXd::Zero(9))), Catch::Contains("entries"));
  const ni::SphereBundle bundle(1);
  CHECK_THROWS_WITH(bundle.act(VectorXd(VectorXd::Zero(6)), VectorXd(VectorXd::Zero(12))), Catch::Contains("6 entries"));
  VectorXd y = VectorXd::Zero(6);
  CHECK_THROWS_WITH(ni::lie_step(ni::Scheme::kRk4, bundle, y, 0.0, 0.1, [](double, const VectorXd& s) { return s; }),
                    Catch::Contains("lie-euler, rkmk4, cf4"));
  // A rotation by a tiny angle uses the series and agrees with the closed form's limit.
  const Vector3d xi(1e-5, -2e-5, 0.5e-5), v(0.3, 0.4, -1.2);
  const Vector3d exact = Eigen::AngleAxisd(xi.norm(), xi.normalized()) * v;
  CHECK((ni::Vec3<VectorXd>::rotate(xi, v) - exact).norm() < 1e-16);
}
