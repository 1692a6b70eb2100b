// The analytic systems: gradients, conservation, dissipation, exact solutions, bad input.
#include "tests/support/test_common.hpp"

#include <memory>

#include "integrators/dop853.hpp"
#include "noether/error.hpp"
#include "physics/systems/systems.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;
using np::Vector;
using noether::testing::finite_difference_gradient;

TEST_CASE("analytic gradients match finite differences of the energy", "[physics][systems]") {
  np::Rng rng(7);
  for (const auto& name : np::system_names()) {
    const auto sys = np::make_system(name);
    if (!sys->canonical()) continue;  // generalized systems: test_generalized.cpp
    const int d = sys->dof();
    for (const Vector& y : {sys->default_state(), sys->random_state(rng)}) {
      REQUIRE(y.size() == 2 * d);
      const Vector q = y.head(d), p = y.tail(d);
      const Vector gq = finite_difference_gradient([&](const Vector& x) { return sys->energy(x, p); }, q);
      const Vector gp = finite_difference_gradient([&](const Vector& x) { return sys->energy(q, x); }, p);
      INFO(name << ": dH/dq " << sys->dH_dq(q, p).transpose() << " vs " << gq.transpose());
      CHECK((sys->dH_dq(q, p) - gq).cwiseAbs().maxCoeff() < 1e-7 * (1.0 + gq.cwiseAbs().maxCoeff()));
      INFO(name << ": dH/dp " << sys->dH_dp(q, p).transpose() << " vs " << gp.transpose());
      CHECK((sys->dH_dp(q, p) - gp).cwiseAbs().maxCoeff() < 1e-7 * (1.0 + gp.cwiseAbs().maxCoeff()));
    }
  }
}

TEST_CASE("separable systems really are separable", "[physics][systems]") {
  np::Rng rng(3);
  for (const auto& name : np::system_names()) {
    const auto sys = np::make_system(name);
    if (!sys->separable()) continue;
    const int d = sys->dof();
    const Vector a = sys->random_state(rng), b = sys->random_state(rng);
    INFO(name);
    CHECK((sys->dH_dq(a.head(d), a.tail(d)) - sys->dH_dq(a.head(d), b.tail(d))).norm() == 0.0);
    CHECK((sys->dH_dp(a.head(d), a.tail(d)) - sys->dH_dp(b.head(d), a.tail(d))).norm() == 0.0);
  }
  // The double pendulum is not: its kinetic energy depends on the angles.
  const np::DoublePendulum dp;
  const Vector q1 = Vector::Constant(2, 0.3);
  Vector q3(2);
  q3 << 0.9, -0.4;
  const Vector p = Vector::Constant(2, 0.7);
  CHECK((dp.dH_dp(q1, p) - dp.dH_dp(q3, p)).norm() > 1e-3);
}

TEST_CASE("conservative systems conserve energy along the exact flow", "[physics][systems]") {
  ni::AdaptiveOptions o;
  o.rtol = 1e-12;
  o.atol = 1e-14;
  np::Rng rng(11);
  for (const auto& name : np::system_names()) {
    const auto sys = np::make_system(name);
    if (!sys->conservative()) continue;
    for (Vector y : {sys->default_state(), sys->random_state(rng)}) {
      const double e0 = sys->energy_at(y);
      auto f = [&](double, const Vector& s) { return sys->vector_field(s); };
      const auto r = ni::integrate_dop853(y, 0.0, 5.0, f, o);
      INFO(name << ": " << r.message);
      REQUIRE(r.ok());
      CHECK(std::abs(sys->energy_at(y) - e0) < 1e-9 * std::max(1.0, std::abs(e0)));
    }
  }
}

TEST_CASE("dissipative systems lose energy monotonically", "[physics][systems][dissipation]") {
  np::Particles::Options po;
  po.interaction = np::Particles::Interaction::kSpring;
  po.count = 3;
  po.damping = 0.3;
  const std::vector<std::shared_ptr<np::System>> systems{
      std::make_shared<np::DampedSpring>(), std::make_shared<np::Particles>(po),
      std::make_shared<np::DampedPendulum>()};
  for (const auto& sys : systems) {
    REQUIRE_FALSE(sys->conservative());
    Vector y = sys->default_state();
    double e_prev = sys->energy_at(y);
    const double e0 = e_prev;
    auto f = [&](double, const Vector& s) { return sys->vector_field(s); };
    for (int k = 1; k <= 40; ++k) {
      ni::integrate_dop853(y, 0.1 * (k - 1), 0.1 * k, f, {});
      const double e = sys->energy_at(y);
      INFO(sys->name() << " at t = " << 0.1 * k << ": " << e << " after " << e_prev);
      CHECK(e < e_prev);
      e_prev = e;
    }
    CHECK(e_prev < 0.9 * e0);
  }
  // The damped spring's rate is exactly dH/dt = -4 gamma q^2.
  const np::DampedSpring ds(0.5);
  Vector y(2);
  y << 0.8, -0.3;
  const Vector dy = ds.vector_field(y);
  const double rate = 2 * y[0] * dy[0] + 2 * y[1] * dy[1];
  CHECK(rate == Approx(-4 * 0.5 * 0.8 * 0.8));
}

TEST_CASE("the Kepler solution is exact", "[physics][systems][kepler]") {
  const np::Kepler k;
  const Vector y0 = k.default_state();
  // One period returns to the start; the solution agrees with a tight DOP853 run.
  CHECK((k.exact(y0, 2 * M_PI) - y0).cwiseAbs().maxCoeff() < 1e-12);
  Vector y = y0;
  ni::AdaptiveOptions o;
  o.rtol = 1e-13;
  o.atol = 1e-15;
  ni::integrate_dop853(y, 0.0, 7.3, [&](double, const Vector& s) { return k.vector_field(s); }, o);
  CHECK((k.exact(y0, 7.3) - y).cwiseAbs().maxCoeff() < 1e-10);
  // Energy of the exact solution is the initial energy.
  CHECK(k.energy_at(k.exact(y0, 123.4)) == Approx(k.energy_at(y0)).epsilon(1e-13));
  Vector unbound(4);
  unbound << 1.0, 0.0, 0.0, 2.0;
  CHECK_THROWS_AS(k.exact(unbound, 1.0), noether::InvalidInput);
}

TEST_CASE("gravity conserves momentum and its energy is translation invariant", "[physics][systems]") {
  const auto sys = np::make_system("gravity");
  np::Rng rng(5);
  const Vector y = sys->random_state(rng);
  const int d = sys->dof();
  Vector shifted = y;
  for (int i = 0; i < d; i += 2) {
    shifted[i] += 3.0;
    shifted[i + 1] -= 1.5;
  }
  CHECK(sys->energy_at(shifted) == Approx(sys->energy_at(y)).epsilon(1e-12));
  // Total force vanishes: momentum is conserved.
  const Vector g = sys->dH_dq(y.head(d), y.tail(d));
  CHECK(std::abs(g(Eigen::seq(0, d - 1, 2)).sum()) < 1e-12);
  CHECK(std::abs(g(Eigen::seq(1, d - 1, 2)).sum()) < 1e-12);
}

TEST_CASE("bad names and states are rejected with clear errors", "[physics][errors]") {
  CHECK_THROWS_AS(np::make_system("nope"), noether::InvalidInput);
  CHECK_THROWS_WITH(np::make_system("nope"), Catch::Contains("unknown system 'nope'") &&
                                                 Catch::Contains("kepler"));
  const auto sys = np::make_system("pendulum");
  CHECK_THROWS_WITH(sys->check_state(Vector::Zero(3)), Catch::Contains("3 entries"));
  Vector bad = Vector::Zero(2);
  bad[1] = std::nan("");
  CHECK_THROWS_WITH(sys->check_state(bad), Catch::Contains("non-finite"));
  np::Particles::Options o;
  o.count = 1;
  CHECK_THROWS_AS(np::Particles(o), noether::InvalidInput);
  o.count = 3;
  o.masses = {1.0, -2.0, 1.0};
  CHECK_THROWS_WITH(np::Particles(o), Catch::Contains("mass"));
  CHECK_THROWS_AS(np::DampedSpring(-1.0), noether::InvalidInput);
}
