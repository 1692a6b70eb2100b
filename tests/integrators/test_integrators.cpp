// Long-time behaviour, symmetry, adaptivity, error handling, and the torch state type.
#include "tests/support/test_common.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>

#include "integrators/integrators.hpp"
#include "noether/error.hpp"
#include "physics/systems/systems.hpp"
#include "physics/torch_state.hpp"
#include "tests/support/kepler_fixture.hpp"

namespace ni = noether::integrators;
using noether::physics::DoublePendulum;
using noether::physics::Kepler;
using noether::physics::Vector;

namespace {

const Kepler& kKepler = noether::testing::kepler();
constexpr auto field = noether::testing::kepler_field;
constexpr auto grad_q = noether::testing::kepler_grad_q;
constexpr auto grad_p = noether::testing::kepler_grad_p;

using Step = std::function<void(Vector& y, double dt)>;

Step separable(noether::testing::SeparableScheme step) {
  return [step](Vector& y, double dt) { noether::testing::kepler_separable_step(step, y, dt); };
}

struct EnergyHistory {
  double early_max = 0.0;  // max relative energy error over the first 10% of steps
  double late_max = 0.0;   // over the last 10%
  double final_error = 0.0;
};

EnergyHistory energy_history(const Step& step, double dt, long steps) {
  Vector y = kKepler.default_state();
  const double e0 = kKepler.energy_at(y);
  EnergyHistory h;
  for (long i = 1; i <= steps; ++i) {
    step(y, dt);
    const double err = std::abs(kKepler.energy_at(y) - e0) / std::abs(e0);
    if (i <= steps / 10) h.early_max = std::max(h.early_max, err);
    if (i > steps - steps / 10) h.late_max = std::max(h.late_max, err);
    h.final_error = err;
  }
  return h;
}

/// Tao's scheme on Kepler as a Step; the extended state lives across steps.
Step tao_kepler() {
  auto s = std::make_shared<ni::TaoState<Vector>>(kKepler.default_state().head(2),
                                                  kKepler.default_state().tail(2));
  return [s](Vector& y, double dt) {
    ni::tao_step(*s, dt, 20.0, [](const Vector& q, const Vector& p) {
      return std::make_pair(kKepler.dH_dq(q, p), kKepler.dH_dp(q, p));
    });
    y << s->q, s->p;
  };
}

}  // namespace

TEST_CASE("symplectic schemes keep the energy error bounded over 1e5 steps, RK4 drifts",
          "[integrators][energy]") {
  const double dt = 0.05;  // about 125 steps per orbit, 10^5 steps = 800 orbits
  const long steps = 100000;
  struct Case {
    const char* name;
    Step step;
    double bound;  // the energy error bound for this scheme's order at this dt
  };
  const std::vector<Case> cases{
      {"leapfrog", separable(&ni::leapfrog_step), 2e-2},
      {"velocity_verlet", separable(&ni::velocity_verlet_step), 2e-2},
      {"yoshida4", separable(&ni::yoshida4_step), 1e-3},
      {"yoshida6", separable(&ni::yoshida6_step), 1e-4},
      {"implicit_midpoint", [](Vector& y, double h) { ni::implicit_midpoint_step(y, 0.0, h, field); }, 2e-2},
      {"tao", tao_kepler(), 5e-2},  // the copies' coupling (omega dt = 1) adds to leapfrog's error
  };
  for (const auto& c : cases) {
    const auto h = energy_history(c.step, dt, steps);
    INFO(c.name << ": early max " << h.early_max << ", late max " << h.late_max);
    CHECK(h.late_max < c.bound);
    // Bounded: the error envelope at the end is no larger than at the start (no secular growth).
    CHECK(h.late_max < 1.5 * h.early_max);
  }
  const auto rk4 = energy_history([](Vector& y, double h) { ni::rk4_step(y, 0.0, h, field); }, dt, steps);
  INFO("rk4: early max " << rk4.early_max << ", late max " << rk4.late_max);
  // Secular drift: linear growth in time makes the last window about 10x the first.
  CHECK(rk4.late_max > 5.0 * rk4.early_max);
}

TEST_CASE("Tao's scheme keeps the energy of a non-separable double pendulum bounded",
          "[integrators][energy]") {
  const DoublePendulum dp;
  Vector y(4);
  y << 1.0, 0.5, 0.0, 0.0;  // released from rest at moderate angles
  const double e0 = dp.energy_at(y);
  auto grad = [&](const Vector& q, const Vector& p) {
    return std::make_pair(dp.dH_dq(q, p), dp.dH_dp(q, p));
  };
  ni::TaoState<Vector> s(y.head(2), y.tail(2));
  const double dt = 0.01;
  const long steps = 20000;
  double early = 0.0, late = 0.0;
  for (long i = 1; i <= steps; ++i) {
    ni::tao_step(s, dt, 20.0, grad);
    const double err = std::abs(dp.energy(s.q, s.p) - e0) / std::abs(e0);
    if (i <= steps / 10) early = std::max(early, err);
    if (i > steps - steps / 10) late = std::max(late, err);
  }
  INFO("tao on double pendulum: early " << early << ", late " << late);
  CHECK(late < 1e-4);
  CHECK(late < 2.0 * early);
}

TEST_CASE("symmetric schemes are time-reversible to 1e-12", "[integrators][reversibility]") {
  const double dt = 0.01;
  const int steps = 1000;
  const Vector y0 = kKepler.default_state();
  auto check = [&](const char* name, const Step& step) {
    Vector y = y0;
    for (int i = 0; i < steps; ++i) step(y, dt);
    for (int i = 0; i < steps; ++i) step(y, -dt);
    const double err = (y - y0).cwiseAbs().maxCoeff();
    INFO(name << ": |y - y0| after forward and back = " << err);
    CHECK(err < 1e-12);
  };
  check("leapfrog", separable(&ni::leapfrog_step));
  check("velocity_verlet", separable(&ni::velocity_verlet_step));
  check("yoshida4", separable(&ni::yoshida4_step));
  check("yoshida6", separable(&ni::yoshida6_step));
  ni::ImplicitOptions tight;
  tight.tol = 1e-16;
  tight.max_iterations = 200;
  check("implicit_midpoint",
        [&](Vector& y, double h) { ni::implicit_midpoint_step(y, 0.0, h, field, tight); });
  ni::TaoState<Vector> s(y0.head(2), y0.tail(2));
  for (int i = 0; i < steps; ++i)
    ni::tao_step(s, dt, 20.0, [](const Vector& q, const Vector& p) {
      return std::make_pair(kKepler.dH_dq(q, p), kKepler.dH_dp(q, p));
    });
  for (int i = 0; i < steps; ++i)
    ni::tao_step(s, -dt, 20.0, [](const Vector& q, const Vector& p) {
      return std::make_pair(kKepler.dH_dq(q, p), kKepler.dH_dp(q, p));
    });
  const double tao_err = std::max((s.q - y0.head(2)).cwiseAbs().maxCoeff(),
                                  (s.p - y0.tail(2)).cwiseAbs().maxCoeff());
  INFO("tao: " << tao_err);
  CHECK(tao_err < 1e-12);
  // RK4 is not symmetric: the round trip leaves an error far above round-off.
  Vector y = y0;
  for (int i = 0; i < steps; ++i) ni::rk4_step(y, 0.0, dt, field);
  for (int i = 0; i < steps; ++i) ni::rk4_step(y, 0.0, -dt, field);
  CHECK((y - y0).cwiseAbs().maxCoeff() > 1e-10);
}

TEST_CASE("adaptive Dormand-Prince schemes meet their tolerances", "[integrators][adaptive]") {
  const Vector y0 = kKepler.default_state();
  const double T = 2.0 * M_PI;  // one period: back to y0
  for (double rtol : {1e-6, 1e-9}) {
    ni::AdaptiveOptions o;
    o.rtol = rtol;
    o.atol = rtol * 1e-2;
    Vector y = y0;
    long observed = 0;
    const auto r = ni::integrate_dopri5(y, 0.0, T, field, o, [&](double, const Vector&) { ++observed; });
    REQUIRE(r.ok());
    CHECK(r.t == T);
    CHECK(static_cast<long>(r.steps) == observed);
    const double err = (y - y0).cwiseAbs().maxCoeff();
    INFO("dopri5 rtol " << rtol << ": error " << err << " in " << r.steps << " steps");
    CHECK(err < 1e3 * rtol);
    CHECK(err > 1e-3 * rtol);  // proportional to the tolerance, not accidentally exact
  }
  ni::AdaptiveOptions tight;
  tight.rtol = 1e-13;
  tight.atol = 1e-15;
  Vector y = y0;
  const auto r = ni::integrate_dop853(y, 0.0, T, field, tight);
  REQUIRE(r.ok());
  INFO("dop853: " << r.steps << " steps, " << r.rejected << " rejected");
  CHECK((y - y0).cwiseAbs().maxCoeff() < 1e-10);
  // Backwards in time returns to the start as well.
  const auto back = ni::integrate_dop853(y, T, 0.0, field, tight);
  REQUIRE(back.ok());
  CHECK((y - y0).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("adaptive schemes report failures as a status", "[integrators][adaptive][errors]") {
  // dy/dt = y^2 from y(0) = 1 blows up at t = 1.
  auto blowup = [](double, const Vector& y) { return Vector(y.cwiseProduct(y)); };
  Vector y = Vector::Ones(1);
  const auto r = ni::integrate_dopri5(y, 0.0, 2.0, blowup);
  CHECK_FALSE(r.ok());
  CHECK(r.t < 1.0 + 1e-6);
  CHECK(r.t > 0.99);
  CHECK_FALSE(r.message.empty());

  Vector nan_state = Vector::Constant(2, std::numeric_limits<double>::quiet_NaN());
  const auto rn = ni::integrate_dop853(nan_state, 0.0, 1.0, field);
  CHECK(rn.status == ni::Status::kNonFinite);

  ni::AdaptiveOptions bad;
  bad.rtol = -1.0;
  Vector z = kKepler.default_state();
  CHECK_THROWS_AS(ni::integrate_dopri5(z, 0.0, 1.0, field, bad), noether::InvalidInput);
  CHECK_THROWS_WITH(ni::integrate_dopri5(z, 0.0, 1.0, field, bad), Catch::Contains("rtol"));

  ni::AdaptiveOptions budget;
  budget.max_steps = 3;
  const auto rb = ni::integrate_dopri5(z, 0.0, 100.0, field, budget);
  CHECK(rb.status == ni::Status::kMaxSteps);
}

TEST_CASE("implicit midpoint throws when its iteration cannot converge", "[integrators][errors]") {
  auto stiff = [](double, const Vector& y) { return Vector(-1000.0 * y); };
  Vector y = Vector::Ones(2);
  CHECK_THROWS_AS(ni::implicit_midpoint_step(y, 0.0, 1.0, stiff), noether::NumericalError);
  Vector z = Vector::Ones(2);
  CHECK_NOTHROW(ni::implicit_midpoint_step(z, 0.0, 1e-4, stiff));
}

// ---- torch states ---------------------------------------------------------------------------

namespace {

// Kepler on batched tensors [B, 4] = (q, p), the same field as physics::Kepler.
torch::Tensor kepler_field(double, const torch::Tensor& y) {
  const auto q = y.narrow(-1, 0, 2), p = y.narrow(-1, 2, 2);
  const auto r3 = q.norm(2, -1, true).pow(3);
  return torch::cat({p, -q / r3}, -1);
}

torch::Tensor to_tensor(const Vector& v, int64_t batch) {
  auto t = torch::empty({1, v.size()}, torch::kFloat64);
  std::copy(v.data(), v.data() + v.size(), t.data_ptr<double>());
  return t.repeat({batch, 1});
}

}  // namespace

TEST_CASE("every scheme gives the same numbers on Eigen vectors and batched tensors",
          "[integrators][torch]") {
  const Vector y0 = kKepler.default_state();
  const double dt = 0.01;
  const int steps = 200;
  auto compare = [&](const char* name, const std::function<void(Vector&)>& eigen_step,
                     const std::function<void(torch::Tensor&)>& torch_step) {
    Vector y = y0;
    torch::Tensor yt = to_tensor(y0, 3);
    for (int i = 0; i < steps; ++i) {
      eigen_step(y);
      torch_step(yt);
    }
    const auto ref = to_tensor(y, 3);
    const double diff = (yt - ref).abs().max().item<double>();
    INFO(name << ": max |torch - eigen| = " << diff);
    CHECK(diff < 1e-12);
  };
  auto qt = [](const torch::Tensor& q) { return q / q.norm(2, -1, true).pow(3); };
  auto pt = [](const torch::Tensor& p) { return p; };
  auto split = [&](auto step) {
    return [step, qt, pt](torch::Tensor& y) {
      auto q = y.narrow(-1, 0, 2).clone(), p = y.narrow(-1, 2, 2).clone();
      step(q, p, qt, pt);
      y = torch::cat({q, p}, -1);
    };
  };
  compare("euler", [&](Vector& y) { ni::euler_step(y, 0.0, dt, field); },
          [&](torch::Tensor& y) { ni::euler_step(y, 0.0, dt, kepler_field); });
  compare("rk4", [&](Vector& y) { ni::rk4_step(y, 0.0, dt, field); },
          [&](torch::Tensor& y) { ni::rk4_step(y, 0.0, dt, kepler_field); });
  compare("dopri5", [&](Vector& y) { ni::dopri5_step(y, 0.0, dt, field); },
          [&](torch::Tensor& y) { ni::dopri5_step(y, 0.0, dt, kepler_field); });
  compare("dop853", [&](Vector& y) { ni::dop853_step(y, 0.0, dt, field); },
          [&](torch::Tensor& y) { ni::dop853_step(y, 0.0, dt, kepler_field); });
  compare("implicit_midpoint", [&](Vector& y) { ni::implicit_midpoint_step(y, 0.0, dt, field); },
          [&](torch::Tensor& y) { ni::implicit_midpoint_step(y, 0.0, dt, kepler_field); });
  compare("avf",
          [&](Vector& y) {
            auto grad = [](const Vector& z) {
              Vector g(4);
              g << z.head(2) / std::pow(z.head(2).norm(), 3), z.tail(2);
              return g;
            };
            auto s = [](const Vector&, const Vector& v) {
              Vector out(4);
              out << v.tail(2), -v.head(2);
              return out;
            };
            ni::avf_step(y, dt, grad, s);
          },
          [&](torch::Tensor& y) {
            auto grad = [&](const torch::Tensor& z) {
              return torch::cat({qt(z.narrow(-1, 0, 2)), z.narrow(-1, 2, 2)}, -1);
            };
            auto s = [](const torch::Tensor&, const torch::Tensor& v) {
              return torch::cat({v.narrow(-1, 2, 2), -v.narrow(-1, 0, 2)}, -1);
            };
            ni::avf_step(y, dt, grad, s);
          });
  compare("leapfrog",
          [&](Vector& y) {
            Vector q = y.head(2), p = y.tail(2);
            ni::leapfrog_step(q, p, dt, grad_q, grad_p);
            y << q, p;
          },
          split([&](auto& q, auto& p, auto& gq, auto& gp) { ni::leapfrog_step(q, p, dt, gq, gp); }));
  compare("velocity_verlet",
          [&](Vector& y) {
            Vector q = y.head(2), p = y.tail(2);
            ni::velocity_verlet_step(q, p, dt, grad_q, grad_p);
            y << q, p;
          },
          split([&](auto& q, auto& p, auto& gq, auto& gp) { ni::velocity_verlet_step(q, p, dt, gq, gp); }));
  compare("yoshida4",
          [&](Vector& y) {
            Vector q = y.head(2), p = y.tail(2);
            ni::yoshida4_step(q, p, dt, grad_q, grad_p);
            y << q, p;
          },
          split([&](auto& q, auto& p, auto& gq, auto& gp) { ni::yoshida4_step(q, p, dt, gq, gp); }));
  {
    ni::TaoState<Vector> se(y0.head(2), y0.tail(2));
    const auto yt0 = to_tensor(y0, 3);
    ni::TaoState<torch::Tensor> st(yt0.narrow(-1, 0, 2).clone(), yt0.narrow(-1, 2, 2).clone());
    for (int i = 0; i < steps; ++i) {
      ni::tao_step(se, dt, 20.0, [](const Vector& q, const Vector& p) {
        return std::make_pair(kKepler.dH_dq(q, p), kKepler.dH_dp(q, p));
      });
      ni::tao_step(st, dt, 20.0, [&](const torch::Tensor& q, const torch::Tensor& p) {
        return std::make_pair(qt(q), pt(p));
      });
    }
    Vector ye(4);
    ye << se.q, se.p;
    const double diff = (torch::cat({st.q, st.p}, -1) - to_tensor(ye, 3)).abs().max().item<double>();
    INFO("tao: max |torch - eigen| = " << diff);
    CHECK(diff < 1e-12);
  }
  compare("yoshida6",
          [&](Vector& y) {
            Vector q = y.head(2), p = y.tail(2);
            ni::yoshida6_step(q, p, dt, grad_q, grad_p);
            y << q, p;
          },
          split([&](auto& q, auto& p, auto& gq, auto& gp) { ni::yoshida6_step(q, p, dt, gq, gp); }));

  // The adaptive driver on a batch takes one common step size; with a batch of identical rows
  // it must reproduce the single-state result.
  ni::AdaptiveOptions o;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  Vector y = y0;
  torch::Tensor yt = to_tensor(y0, 4);
  const auto re = ni::integrate_dopri5(y, 0.0, 3.0, field, o);
  const auto rt = ni::integrate_dopri5(yt, 0.0, 3.0, kepler_field, o);
  REQUIRE(re.ok());
  REQUIRE(rt.ok());
  CHECK(re.steps == rt.steps);
  CHECK((yt - to_tensor(y, 4)).abs().max().item<double>() < 1e-12);
}

TEST_CASE("gradients through an RK4 rollout equal finite differences", "[integrators][torch][autograd]") {
  // A pendulum field with a parameter: d loss / d(y0, k) by autograd vs central differences.
  auto rollout = [](torch::Tensor y, const torch::Tensor& k) {
    auto f = [&k](double, const torch::Tensor& s) {
      const auto q = s.narrow(-1, 0, 1), p = s.narrow(-1, 1, 1);
      return torch::cat({2.0 * p, -k * torch::sin(q)}, -1);
    };
    for (int i = 0; i < 50; ++i) ni::rk4_step(y, i * 0.05, 0.05, f);
    const auto w = torch::tensor({1.0, -0.5}, torch::kFloat64);
    return (y * y * w).sum() + y.narrow(-1, 0, 1).sum();
  };
  torch::manual_seed(0);
  const auto y0 = torch::randn({3, 2}, torch::kFloat64).requires_grad_(true);
  const auto k = torch::tensor(3.0, torch::kFloat64).requires_grad_(true);
  const auto loss = rollout(y0, k);
  const auto grads = torch::autograd::grad({loss}, {y0, k});

  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  const auto base = y0.detach().clone();
  auto fd = torch::zeros_like(base);
  for (int64_t i = 0; i < base.numel(); ++i) {
    auto plus = base.clone(), minus = base.clone();
    plus.view(-1)[i] += h;
    minus.view(-1)[i] -= h;
    fd.view(-1)[i] = (rollout(plus, k.detach()) - rollout(minus, k.detach())).item<double>() / (2 * h);
  }
  const double fd_k = (rollout(base, k.detach() + h) - rollout(base, k.detach() - h)).item<double>() / (2 * h);
  const double err = ((grads[0] - fd).abs().max() / fd.abs().max()).item<double>();
  INFO("relative gradient error (states) " << err);
  CHECK(err < 1e-7);
  CHECK(grads[1].item<double>() == Approx(fd_k).epsilon(1e-7));
}
