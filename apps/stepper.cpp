#include "apps/stepper.hpp"

#include <memory>

#include "integrators/integrators.hpp"
#include "noether/error.hpp"

namespace noether::apps {

namespace ni = noether::integrators;
using physics::Vector;

const std::vector<IntegratorInfo>& integrator_infos() {
  static const std::vector<IntegratorInfo> infos{
      {"euler", 1, false, false, "1", "explicit Euler"},
      {"rk4", 4, false, false, "4", "classical Runge-Kutta"},
      {"dopri5", 5, false, false, "6 per accepted step", "adaptive Dormand-Prince 5(4), --rtol/--atol per output step"},
      {"dop853", 8, false, false, "12 per accepted step", "adaptive Dormand-Prince 8(5,3), --rtol/--atol per output step"},
      {"leapfrog", 2, true, true, "1 force + 2 kinetic", "Stormer-Verlet, drift-kick-drift"},
      {"velocity-verlet", 2, true, true, "2 force + 1 kinetic", "kick-drift-kick"},
      {"yoshida4", 4, true, true, "3 force + 6 kinetic", "Yoshida triple-jump composition of leapfrog"},
      {"yoshida6", 6, true, true, "7 force + 14 kinetic", "Yoshida 7-stage composition of leapfrog"},
      {"implicit-midpoint", 2, true, false, "~5-15 (fixed-point)", "implicit midpoint rule, any H"},
      {"tao", 2, true, false, "4 gradients", "Tao's explicit scheme in extended phase space, --omega"},
  };
  return infos;
}

Stepper make_stepper(const std::string& name, const physics::System& sys,
                     const StepperOptions& o) {
  const IntegratorInfo* info = nullptr;
  for (const auto& i : integrator_infos())
    if (i.name == name) info = &i;
  if (!info) {
    std::string known;
    for (const auto& i : integrator_infos()) known += (known.empty() ? "" : ", ") + i.name;
    throw InvalidInput("unknown integrator '" + name + "'; known integrators: " + known);
  }
  if (info->separable_only && !sys.separable())
    throw InvalidInput("integrator '" + name + "' needs a separable Hamiltonian and '" +
                       sys.name() + "' is not; use implicit-midpoint or tao (symplectic) or rk4");
  if (info->symplectic && !sys.conservative())
    throw InvalidInput("integrator '" + name + "' is symplectic and '" + sys.name() +
                       "' is dissipative; use rk4, dopri5 or dop853");
  if (!(o.omega > 0.0)) throw InvalidInput("--omega must be > 0");

  const int d = sys.dof();
  const physics::System* s = &sys;
  auto field = [s](double, const Vector& y) { return s->vector_field(y); };
  // Separable schemes see dH/dq(q) and dH/dp(p); the other argument is unused by a separable H.
  auto separable = [s, d](auto step) -> Stepper {
    return [s, d, step](Vector& y, double, double dt) {
      Vector q = y.head(d), p = y.tail(d);
      auto gq = [s, &p](const Vector& qq) { return s->dH_dq(qq, p); };
      auto gp = [s, &q](const Vector& pp) { return s->dH_dp(q, pp); };
      const long evals = step(q, p, dt, gq, gp);
      y << q, p;
      return evals;
    };
  };

  if (name == "euler")
    return [field](Vector& y, double t, double dt) { ni::euler_step(y, t, dt, field); return 1L; };
  if (name == "rk4")
    return [field](Vector& y, double t, double dt) { ni::rk4_step(y, t, dt, field); return 4L; };
  if (name == "dopri5" || name == "dop853") {
    ni::AdaptiveOptions ao;
    ao.rtol = o.rtol;
    ao.atol = o.atol;
    ao.validate();
    const bool high = name == "dop853";
    return [field, ao, high](Vector& y, double t, double dt) {
      const auto r = high ? ni::integrate_dop853(y, t, t + dt, field, ao)
                          : ni::integrate_dopri5(y, t, t + dt, field, ao);
      if (!r.ok()) throw NumericalError(r.message);
      return static_cast<long>(r.evaluations);
    };
  }
  if (name == "leapfrog")
    return separable([](Vector& q, Vector& p, double dt, auto& gq, auto& gp) {
      ni::leapfrog_step(q, p, dt, gq, gp);
      return 1L;
    });
  if (name == "velocity-verlet")
    return separable([](Vector& q, Vector& p, double dt, auto& gq, auto& gp) {
      ni::velocity_verlet_step(q, p, dt, gq, gp);
      return 2L;
    });
  if (name == "yoshida4")
    return separable([](Vector& q, Vector& p, double dt, auto& gq, auto& gp) {
      ni::yoshida4_step(q, p, dt, gq, gp);
      return 3L;
    });
  if (name == "yoshida6")
    return separable([](Vector& q, Vector& p, double dt, auto& gq, auto& gp) {
      ni::yoshida6_step(q, p, dt, gq, gp);
      return 7L;
    });
  if (name == "implicit-midpoint")
    return [field](Vector& y, double t, double dt) {
      return static_cast<long>(ni::implicit_midpoint_step(y, t, dt, field));
    };
  // tao: the extended state persists between steps; it starts from the first y it sees and
  // restarts whenever the caller hands it a state other than the one it returned.
  auto state = std::make_shared<std::unique_ptr<ni::TaoState<Vector>>>();
  const double omega = o.omega;
  return [s, d, state, omega](Vector& y, double, double dt) {
    auto& ts = *state;
    if (!ts || ts->q != y.head(d) || ts->p != y.tail(d))
      ts = std::make_unique<ni::TaoState<Vector>>(y.head(d), y.tail(d));
    ni::tao_step(*ts, dt, omega, [s](const Vector& q, const Vector& p) {
      return std::make_pair(s->dH_dq(q, p), s->dH_dp(q, p));
    });
    y << ts->q, ts->p;
    return 4L;
  };
}

}  // namespace noether::apps
