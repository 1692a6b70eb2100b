// The average-vector-field discrete-gradient step (integrators/discrete_gradient.hpp): exact
// energy conservation for skew structure, monotone decay with dissipation, order 2 (issue 16).
#include "tests/support/test_common_core.hpp"

#include <cmath>

#include "integrators/integrators.hpp"

namespace ni = noether::integrators;
using V = Eigen::VectorXd;

namespace {

// Duffing: H = p^2/2 - q^2/2 + q^4/4 in x = (q, p), canonical J.
double duffing_h(const V& x) { return 0.5 * x(1) * x(1) - 0.5 * x(0) * x(0) + 0.25 * std::pow(x(0), 4); }
V duffing_grad(const V& x) { return (V(2) << -x(0) + std::pow(x(0), 3), x(1)).finished(); }
V canonical(const V& /*x*/, const V& v) { return (V(2) << v(1), -v(0)).finished(); }
V duffing_field(double /*t*/, const V& x) { return canonical(x, duffing_grad(x)); }

}  // namespace

TEST_CASE("AVF conserves a quartic Hamiltonian to round-off over 1e4 steps, where RK4 drifts", "[integrators]") {
  const V x0 = (V(2) << -1.5, 3.0).finished();
  const double h0 = duffing_h(x0), dt = 0.05;
  V avf = x0, rk4 = x0;
  ni::DiscreteGradientOptions o;
  o.nodes = 2;  // grad H is cubic along a line: two Gauss nodes integrate it exactly
  double worst_avf = 0, worst_rk4 = 0;
  for (int n = 0; n < 10000; ++n) {
    ni::avf_step(avf, dt, duffing_grad, canonical, o);
    ni::rk4_step(rk4, n * dt, dt, duffing_field);
    worst_avf = std::max(worst_avf, std::abs(duffing_h(avf) - h0));
    worst_rk4 = std::max(worst_rk4, std::abs(duffing_h(rk4) - h0));
  }
  INFO("AVF " << worst_avf << ", RK4 " << worst_rk4 << ", H0 " << h0);
  CHECK(worst_avf < 1e-12 * std::abs(h0) * 1e2);  // round-off of 1e4 steps
  CHECK(worst_rk4 > 1e3 * worst_avf);
}

TEST_CASE("AVF with dissipation: the energy never rises and falls overall", "[integrators]") {
  // The damped pendulum of GHNN's protocol: H = -2g cos x1 + x2^2/2 + 2g, S = J + diag(0, -0.35).
  const double g = 9.81, d = 0.35;
  auto h = [&](const V& x) { return -2 * g * std::cos(x(0)) + 0.5 * x(1) * x(1) + 2 * g; };
  auto grad = [&](const V& x) { return (V(2) << 2 * g * std::sin(x(0)), x(1)).finished(); };
  auto s = [&](const V& /*x*/, const V& v) { return (V(2) << v(1), -v(0) - d * v(1)).finished(); };
  V x = (V(2) << M_PI - M_PI / 32, 0.0).finished();
  ni::DiscreteGradientOptions o;
  o.nodes = 5;
  const double start = h(x);
  double previous = start;
  for (int n = 0; n < 1000; ++n) {
    ni::avf_step(x, 0.02, grad, s, o);
    const double e = h(x);
    REQUIRE(e <= previous + 1e-12);
    previous = e;
  }
  CHECK(previous < 0.05 * start);
}

TEST_CASE("AVF on a free rigid body (odd dimension, S(x) = x cross): energy and |x|^2 both kept",
          "[integrators]") {
  const V inertia = (V(3) << 1.0, 2.0, 3.0).finished();
  auto h = [&](const V& x) { return 0.5 * (x.array().square() / inertia.array()).sum(); };
  auto grad = [&](const V& x) { return V(x.array() / inertia.array()); };
  auto s = [](const V& x, const V& v) {  // x cross v
    return (V(3) << x(1) * v(2) - x(2) * v(1), x(2) * v(0) - x(0) * v(2), x(0) * v(1) - x(1) * v(0)).finished();
  };
  V x = (V(3) << 1.0, 0.2, -0.7).finished();
  const double h0 = h(x), c0 = x.squaredNorm();
  ni::DiscreteGradientOptions o;
  o.nodes = 1;  // H quadratic: the midpoint is exact
  V y = x;  // RK4 beside it
  for (int n = 0; n < 10000; ++n) {
    ni::avf_step(x, 0.1, grad, s, o);
    ni::rk4_step(y, n * 0.1, 0.1, [&](double, const V& z) { return s(z, grad(z)); });
  }
  // Round-off only: each step solves its implicit equation to 1e-14 (measured 2e-12 after 1e4
  // steps); RK4 loses both invariants at 1e-6.
  const double dh = std::abs(h(x) - h0), dc = std::abs(x.squaredNorm() - c0);
  INFO("AVF: energy " << dh << ", |x|^2 " << dc << "; RK4: " << std::abs(h(y) - h0) << ", "
                      << std::abs(y.squaredNorm() - c0));
  CHECK(dh < 1e-10);
  CHECK(dc < 1e-10);
  CHECK(std::abs(y.squaredNorm() - c0) > 1e3 * dc);
}

TEST_CASE("AVF is of order 2", "[integrators]") {
  const V x0 = (V(2) << 0.3, 0.5).finished();
  const double t_end = 2.0;
  V reference = x0;
  for (int n = 0; n < 20000; ++n) ni::rk4_step(reference, n * 1e-4, 1e-4, duffing_field);
  auto error = [&](int steps) {
    V x = x0;
    for (int n = 0; n < steps; ++n) ni::avf_step(x, t_end / steps, duffing_grad, canonical);
    return (x - reference).norm();
  };
  const double e1 = error(40), e2 = error(80), e3 = error(160);
  INFO(e1 << " " << e2 << " " << e3);
  CHECK(std::log2(e1 / e2) == Approx(2.0).margin(0.15));
  CHECK(std::log2(e2 / e3) == Approx(2.0).margin(0.15));
}

TEST_CASE("AVF refuses bad options and reports a step that does not converge", "[integrators]") {
  ni::DiscreteGradientOptions o;
  o.nodes = 6;
  CHECK_THROWS_AS(o.validate(), noether::InvalidInput);
  V x = (V(2) << 0.5, 0.5).finished();  // not an equilibrium: the iteration moves, and diverges
  CHECK_THROWS_AS(ni::avf_step(x, 50.0, duffing_grad, canonical), noether::NumericalError);
  // The implicit midpoint rule's iteration blows up the same way: an infinite iterate is an
  // error, not a converged step (it once passed, inf - inf being skipped by max_abs).
  CHECK_THROWS_AS(ni::implicit_midpoint_step(x, 0.0, 50.0, duffing_field), noether::NumericalError);
  CHECK(x.allFinite());
}
