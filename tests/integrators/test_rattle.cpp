// RATTLE and the constraint projection (integrators/rattle.hpp): the constraints and their hidden
// velocity form held over 10^5 steps, order 2 against a DOP853 reference, time reversal, and
// symplecticity on the constraint manifold from the step's exact Jacobian (Eigen's AutoDiff).
#include "tests/support/test_common_core.hpp"

#include <cmath>
#include <vector>

#include <Eigen/Dense>
#include <unsupported/Eigen/AutoDiff>

#include "integrators/dop853.hpp"
#include "integrators/rattle.hpp"
#include "integrators/rk4.hpp"

namespace ni = noether::integrators;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using noether::testing::fitted_order;

namespace {

constexpr double kG = 9.81;

// A planar chain of two rods (lengths 1 and 0.7) with masses 1 and 2, pinned at the origin:
// q = (x1, y1, x2, y2), phi = (|x1|^2 - l1^2, |x2 - x1|^2 - l2^2) / 2, V = g (m1 y1 + m2 y2).
struct Chain {
  double l1 = 1.0, l2 = 0.7, m1 = 1.0, m2 = 2.0;
  MatrixXd minv() const { return VectorXd((VectorXd(4) << 1 / m1, 1 / m1, 1 / m2, 1 / m2).finished()).asDiagonal(); }
  template <class V>
  V phi(const V& q) const {
    V r(2);
    r[0] = 0.5 * (q[0] * q[0] + q[1] * q[1] - l1 * l1);
    r[1] = 0.5 * ((q[2] - q[0]) * (q[2] - q[0]) + (q[3] - q[1]) * (q[3] - q[1]) - l2 * l2);
    return r;
  }
  template <class V>
  Eigen::Matrix<typename V::Scalar, Eigen::Dynamic, Eigen::Dynamic> jacobian(const V& q) const {
    Eigen::Matrix<typename V::Scalar, Eigen::Dynamic, Eigen::Dynamic> g(2, 4);
    g << q[0], q[1], 0.0, 0.0, q[0] - q[2], q[1] - q[3], q[2] - q[0], q[3] - q[1];
    return g;
  }
  template <class V>
  V grad_v(const V& q) const {
    V g = V::Zero(4);
    g[1] = kG * m1;
    g[3] = kG * m2;
    return g;
  }
  double energy(const VectorXd& q, const VectorXd& p) const {
    return 0.5 * p.dot(minv() * p) + kG * (m1 * q[1] + m2 * q[3]);
  }
  /// Angles a1, a2 from the downward vertical and their rates, as a state on the manifold.
  void start(double a1, double a2, double w1, double w2, VectorXd& q, VectorXd& p) const {
    q = VectorXd(4);
    q << l1 * std::sin(a1), -l1 * std::cos(a1), l1 * std::sin(a1) + l2 * std::sin(a2), -l1 * std::cos(a1) - l2 * std::cos(a2);
    VectorXd v(4);
    v << l1 * std::cos(a1) * w1, l1 * std::sin(a1) * w1, l1 * std::cos(a1) * w1 + l2 * std::cos(a2) * w2,
        l1 * std::sin(a1) * w1 + l2 * std::sin(a2) * w2;
    p = VectorXd((VectorXd(4) << m1, m1, m2, m2).finished()).asDiagonal() * v;
  }
};

// The spherical pendulum in Cartesian coordinates: phi = (|q|^2 - 1) / 2, V = g z, M = I.
VectorXd sphere_phi(const VectorXd& q) { return VectorXd::Constant(1, 0.5 * (q.squaredNorm() - 1.0)); }
MatrixXd sphere_jacobian(const VectorXd& q) { return q.transpose(); }
VectorXd sphere_grad_v(const VectorXd&) { return (VectorXd(3) << 0.0, 0.0, kG).finished(); }
/// The same motion as an ODE for (q, p) on the manifold: the constraint force in closed form,
/// dp/dt = -grad V + lambda q with lambda = (q . grad V - |p|^2) / |q|^2.
VectorXd sphere_field(const VectorXd& y) {
  const VectorXd q = y.head(3), p = y.tail(3), gv = sphere_grad_v(q);
  VectorXd f(6);
  f << p, -gv + q * ((q.dot(gv) - p.squaredNorm()) / q.squaredNorm());
  return f;
}
void sphere_start(VectorXd& q, VectorXd& p) {
  q = (VectorXd(3) << 1.0, 0.2, -0.5).finished().normalized();
  const VectorXd v = (VectorXd(3) << 0.0, 1.0, 0.3).finished();
  p = v - q.dot(v) * q;
}

}  // namespace

TEST_CASE("RATTLE holds a chain's constraints and their velocity form over 10^5 steps, energy bounded",
          "[integrators][rattle]") {
  const Chain chain;
  const MatrixXd minv = chain.minv();
  auto run = [&](double dt, int steps, double& worst_phi, double& worst_velocity) {
    VectorXd q, p;
    chain.start(1.0, -0.5, 0.3, 1.5, q, p);
    REQUIRE(chain.phi(q).cwiseAbs().maxCoeff() < 1e-15);
    const double e0 = chain.energy(q, p);
    double worst_energy = 0.0;
    for (int i = 0; i < steps; ++i) {
      ni::rattle_step(
          q, p, dt, minv, [&](const VectorXd& x) { return chain.grad_v(x); },
          [&](const VectorXd& x) { return chain.phi(x); }, [&](const VectorXd& x) { return chain.jacobian(x); });
      worst_phi = std::max(worst_phi, chain.phi(q).cwiseAbs().maxCoeff());
      worst_velocity = std::max(worst_velocity, (chain.jacobian(q) * (minv * p)).cwiseAbs().maxCoeff());
      worst_energy = std::max(worst_energy, std::abs(chain.energy(q, p) - e0) / std::abs(e0));
    }
    return worst_energy;
  };
  double worst_phi = 0.0, worst_velocity = 0.0;
  const double energy = run(0.005, 100000, worst_phi, worst_velocity);  // 500 time units, chaotic
  CHECK(worst_phi < 1e-12);
  CHECK(worst_velocity < 1e-12);
  INFO("worst relative energy error " << energy);
  CHECK(energy < 2e-3);  // bounded, not drifting: a symplectic scheme's
  // The energy error is the scheme's O(dt^2), not a drift: halving dt quarters it.
  const double coarse = run(0.01, 5000, worst_phi, worst_velocity), fine = run(0.005, 10000, worst_phi, worst_velocity);
  INFO("energy errors " << coarse << ", " << fine);
  CHECK(coarse / fine == Approx(4.0).margin(1.0));
}

TEST_CASE("RATTLE is of order 2 against a DOP853 reference on the spherical pendulum", "[integrators][rattle]") {
  VectorXd q0, p0;
  sphere_start(q0, p0);
  VectorXd reference(6);
  reference << q0, p0;
  ni::AdaptiveOptions tight;
  tight.rtol = 1e-13;
  tight.atol = 1e-14;
  ni::integrate_dop853(reference, 0.0, 1.0, [](double, const VectorXd& y) { return sphere_field(y); }, tight);
  const MatrixXd minv = MatrixXd::Identity(3, 3);
  std::vector<double> dts, errors;
  for (int steps = 50; steps <= 400; steps *= 2) {
    VectorXd q = q0, p = p0;
    for (int i = 0; i < steps; ++i) ni::rattle_step(q, p, 1.0 / steps, minv, sphere_grad_v, sphere_phi, sphere_jacobian);
    dts.push_back(1.0 / steps);
    errors.push_back(std::max((q - reference.head(3)).cwiseAbs().maxCoeff(), (p - reference.tail(3)).cwiseAbs().maxCoeff()));
  }
  INFO("errors " << errors.front() << " ... " << errors.back());
  CHECK(fitted_order(dts, errors) == Approx(2.0).margin(0.2));
}

TEST_CASE("RATTLE is time-reversible", "[integrators][rattle]") {
  const Chain chain;
  VectorXd q, p;
  chain.start(1.0, 0.4, -0.7, 2.0, q, p);
  const VectorXd q0 = q, p0 = p;
  auto step = [&](double dt) {
    ni::rattle_step(
        q, p, dt, chain.minv(), [&](const VectorXd& x) { return chain.grad_v(x); },
        [&](const VectorXd& x) { return chain.phi(x); }, [&](const VectorXd& x) { return chain.jacobian(x); });
  };
  for (int i = 0; i < 100; ++i) step(0.01);
  CHECK((q - q0).norm() > 0.1);
  for (int i = 0; i < 100; ++i) step(-0.01);
  CHECK((q - q0).cwiseAbs().maxCoeff() < 1e-11);
  CHECK((p - p0).cwiseAbs().maxCoeff() < 1e-11);
}

TEST_CASE("RATTLE's step preserves the symplectic form on the constraint manifold", "[integrators][rattle]") {
  // The step's Jacobian D (8 x 8) from forward-mode AutoDiff through the whole step, Newton
  // included; T, a basis of the manifold's tangent space at the start (the kernel of the
  // derivative of (phi, G M^{-1} p)); then T^T (D^T J D - J) T = 0.
  using Ad = Eigen::AutoDiffScalar<Eigen::VectorXd>;
  using VecAd = Eigen::Matrix<Ad, Eigen::Dynamic, 1>;
  using MatAd = Eigen::Matrix<Ad, Eigen::Dynamic, Eigen::Dynamic>;
  const Chain chain;
  VectorXd q0, p0;
  chain.start(2.0, -0.5, 0.3, 1.5, q0, p0);
  const MatrixXd minv = chain.minv();
  VecAd q(4), p(4);
  for (int i = 0; i < 4; ++i) {
    q[i] = Ad(q0[i], 8, i);
    p[i] = Ad(p0[i], 8, 4 + i);
  }
  // The manifold's defining functions at the start, and their derivatives.
  const VecAd phi = chain.phi(q);
  const VecAd hidden = MatAd(chain.jacobian(q)) * (minv.cast<Ad>() * p);
  MatrixXd c(4, 8);
  for (int j = 0; j < 8; ++j) {
    c(0, j) = phi[0].derivatives()[j];
    c(1, j) = phi[1].derivatives()[j];
    c(2, j) = hidden[0].derivatives()[j];
    c(3, j) = hidden[1].derivatives()[j];
  }
  const MatrixXd tangent = Eigen::FullPivLU<MatrixXd>(c).kernel();
  REQUIRE(tangent.cols() == 4);
  const MatrixXd minv_ad_free = minv;
  ni::rattle_step(
      q, p, 0.05, minv_ad_free.cast<Ad>(), [&](const VecAd& x) { return chain.grad_v(x); },
      [&](const VecAd& x) { return chain.phi(x); }, [&](const VecAd& x) { return chain.jacobian(x); });
  MatrixXd d(8, 8);
  for (int i = 0; i < 4; ++i) {
    d.row(i) = q[i].derivatives().transpose();
    d.row(4 + i) = p[i].derivatives().transpose();
  }
  MatrixXd j = MatrixXd::Zero(8, 8);
  j.topRightCorner(4, 4) = MatrixXd::Identity(4, 4);
  j.bottomLeftCorner(4, 4) = -MatrixXd::Identity(4, 4);
  const MatrixXd defect = tangent.transpose() * (d.transpose() * j * d - j) * tangent;
  CHECK(defect.cwiseAbs().maxCoeff() < 1e-12);
  // Not a vacuous check: the form is not preserved off the manifold's directions.
  CHECK((d.transpose() * j * d - j).cwiseAbs().maxCoeff() > 1e-6);
}

TEST_CASE("the projection puts an RK4 rollout back on the sphere, failures are reported", "[integrators][rattle]") {
  VectorXd q, p;
  sphere_start(q, p);
  VectorXd y(6);
  y << q, p;
  const MatrixXd minv = MatrixXd::Identity(3, 3);
  for (int i = 0; i < 200; ++i) ni::rk4_step(y, 0.0, 0.05, [](double, const VectorXd& s) { return sphere_field(s); });
  q = y.head(3);
  p = y.tail(3);
  REQUIRE(std::abs(sphere_phi(q)[0]) > 1e-9);  // RK4 has left the sphere
  ni::project_onto_constraints(q, p, minv, sphere_phi, sphere_jacobian);
  CHECK(std::abs(sphere_phi(q)[0]) < 1e-14);
  CHECK(std::abs(q.dot(p)) < 1e-14);
  // A step far too large for Newton's method.
  sphere_start(q, p);
  p *= 1e3;
  ni::RattleOptions few;
  few.max_iterations = 3;
  CHECK_THROWS_AS(ni::rattle_step(q, p, 10.0, minv, sphere_grad_v, sphere_phi, sphere_jacobian, few), noether::NumericalError);
}
