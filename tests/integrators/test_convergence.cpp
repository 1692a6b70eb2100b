// Convergence orders measured from step-halving sweeps on the Kepler problem (eccentricity 0.5),
// whose exact solution is known: the fitted slope must be within 0.2 of the nominal order.
#include "tests/support/test_common_core.hpp"

#include <functional>
#include <memory>
#include <string>

#include "integrators/integrators.hpp"
#include "physics/systems/systems.hpp"
#include "tests/support/kepler_fixture.hpp"

namespace ni = noether::integrators;
using noether::physics::Kepler;
using noether::physics::Vector;
using noether::testing::fitted_order;

namespace {

const Kepler& kKepler = noether::testing::kepler();
constexpr auto field = noether::testing::kepler_field;

using StepFn = std::function<void(Vector& y, double t, double dt)>;

StepFn separable(noether::testing::SeparableScheme step) {
  return [step](Vector& y, double, double dt) { noether::testing::kepler_separable_step(step, y, dt); };
}

/// A fresh stepper for each run: schemes with internal state (Tao's shadow copy) start clean.
using StepFactory = std::function<StepFn()>;

StepFactory stateless(StepFn step) {
  return [step] { return step; };
}

/// Max-norm error at time T against the exact solution, for each dt in `dts`.
std::vector<double> sweep(const StepFactory& make, double T, const std::vector<double>& dts) {
  const Vector y0 = kKepler.default_state();
  const Vector exact = kKepler.exact(y0, T);
  std::vector<double> errors;
  for (double dt : dts) {
    const long n = std::lround(T / dt);
    StepFn step = make();
    Vector y = y0;
    for (long i = 0; i < n; ++i) step(y, i * dt, dt);
    errors.push_back((y - exact).cwiseAbs().maxCoeff());
  }
  return errors;
}

std::vector<double> halvings(double dt0, int count) {
  std::vector<double> dts;
  for (int i = 0; i < count; ++i) dts.push_back(dt0 / (1 << i));
  return dts;
}

void check_order(const std::string& name, const StepFactory& make, double T, double dt0,
                 int count, double nominal) {
  const auto dts = halvings(dt0, count);
  const auto errors = sweep(make, T, dts);
  const double order = fitted_order(dts, errors);
  INFO(name << ": errors " << errors.front() << " ... " << errors.back() << ", fitted order "
            << order);
  CHECK(order == Approx(nominal).margin(0.2));
}

StepFactory tao(double omega) {
  return [omega]() -> StepFn {
    auto state = std::make_shared<std::unique_ptr<ni::TaoState<Vector>>>();
    return [state, omega](Vector& y, double, double dt) {
      if (!*state) *state = std::make_unique<ni::TaoState<Vector>>(y.head(2), y.tail(2));
      ni::tao_step(**state, dt, omega, [](const Vector& q, const Vector& p) {
        return std::make_pair(kKepler.dH_dq(q, p), kKepler.dH_dp(q, p));
      });
      y << (*state)->q, (*state)->p;
    };
  };
}

}  // namespace

TEST_CASE("explicit Runge-Kutta schemes converge at their nominal order", "[integrators][order]") {
  check_order("euler",
              stateless([](Vector& y, double t, double dt) { ni::euler_step(y, t, dt, field); }),
              1.0, 1e-3, 4, 1.0);
  check_order("rk4",
              stateless([](Vector& y, double t, double dt) { ni::rk4_step(y, t, dt, field); }),
              2.0, 0.02, 4, 4.0);
  check_order("dopri5",
              stateless([](Vector& y, double t, double dt) { ni::dopri5_step(y, t, dt, field); }),
              2.0, 0.0125, 3, 5.0);  // DOPRI5's tiny 5th-order error constants put the
                                     // asymptotic regime at small steps
  check_order("dop853",
              stateless([](Vector& y, double t, double dt) { ni::dop853_step(y, t, dt, field); }),
              2.0, 0.1, 2, 8.0);  // errors 1.3e-9 and 5.3e-12: one halving before round-off
}

TEST_CASE("symplectic schemes converge at their nominal order", "[integrators][order]") {
  check_order("leapfrog", stateless(separable(&ni::leapfrog_step)), 2.0, 0.01, 4, 2.0);
  check_order("velocity_verlet", stateless(separable(&ni::velocity_verlet_step)), 2.0, 0.01, 4,
              2.0);
  check_order("yoshida4", stateless(separable(&ni::yoshida4_step)), 2.0, 0.04, 4, 4.0);
  check_order("yoshida6", stateless(separable(&ni::yoshida6_step)), 2.0, 0.1, 4, 6.0);
  check_order("implicit_midpoint", stateless([](Vector& y, double t, double dt) {
                ni::implicit_midpoint_step(y, t, dt, field);
              }),
              2.0, 0.01, 4, 2.0);
  check_order("tao", tao(20.0), 2.0, 0.01, 4, 2.0);
}

TEST_CASE("the scheme registry: names round-trip, and each fixed-step scheme it dispatches converges at the order it states",
          "[integrators][order][registry]") {
  for (const auto& info : ni::schemes()) {
    CHECK(ni::parse_scheme(info.name) == info.id);
    CHECK(std::string(ni::scheme_name(info.id)) == info.name);
    if (info.separable_only) CHECK((info.form == ni::SchemeForm::kSeparable || info.form == ni::SchemeForm::kConstrained));
  }
  try {
    ni::parse_scheme("rk5");
    FAIL("parse_scheme accepted 'rk5'");
  } catch (const noether::InvalidInput& e) {
    const std::string what = e.what();
    CHECK(what.find("'rk5'") != std::string::npos);
    for (const auto& info : ni::schemes()) CHECK(what.find(info.name) != std::string::npos);
  }
  CHECK_THROWS_AS(ni::parse_scheme("tao", {ni::Scheme::kRk4, ni::Scheme::kLeapfrog}, "a test"), noether::InvalidInput);
  CHECK(ni::parse_scheme("leapfrog", {ni::Scheme::kRk4, ni::Scheme::kLeapfrog}, "a test") == ni::Scheme::kLeapfrog);

  for (const auto& info : ni::schemes()) {
    const ni::Scheme s = info.id;
    if (info.form == ni::SchemeForm::kField) {
      check_order(info.name, stateless([s](Vector& y, double t, double dt) { ni::step_field(s, y, t, dt, field); }),
                  2.0, info.order >= 4 ? 0.02 : 0.002, 4, info.order);
      Vector q(2), p(2);
      CHECK_THROWS_AS(ni::step_separable(s, q, p, 0.1, [](const Vector& x) { return x; },
                                         [](const Vector& x) { return x; }),
                      noether::InvalidInput);
    } else if (info.form == ni::SchemeForm::kSeparable) {
      check_order(info.name, stateless([s](Vector& y, double, double dt) {
                    Vector q = y.head(2), p = y.tail(2);
                    ni::step_separable(s, q, p, dt, [](const Vector& x) { return kKepler.dH_dq(x, Vector::Zero(2)); },
                                       [](const Vector& x) { return kKepler.dH_dp(Vector::Zero(2), x); });
                    y << q, p;
                  }),
                  2.0, info.order >= 6 ? 0.1 : info.order >= 4 ? 0.04 : 0.01, 4, info.order);
      Vector y = kKepler.default_state();
      CHECK_THROWS_AS(ni::step_field(s, y, 0.0, 0.1, field), noether::InvalidInput);
    }
  }
}
