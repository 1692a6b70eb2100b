#include "apps/stepper.hpp"

#include <memory>

#include "integrators/adaptive.hpp"
#include "integrators/dop853.hpp"
#include "integrators/dopri5.hpp"
#include "integrators/lie_group.hpp"
#include "integrators/rattle.hpp"
#include "integrators/registry.hpp"
#include "integrators/tao.hpp"
#include "noether/error.hpp"
#include "physics/systems/constrained.hpp"

namespace noether::apps {

namespace ni = noether::integrators;
using physics::Vector;

namespace {
// A system's state on (T*S^2)^k is [q_1..q_k; p_1..p_k]; SphereBundle's is (q_1, p_1, ..., q_k, p_k).
Vector to_sphere_bundle(const Vector& y, int k) {
  Vector z(6 * k);
  for (int i = 0; i < k; ++i) {
    z.segment(6 * i, 3) = y.segment(3 * i, 3);
    z.segment(6 * i + 3, 3) = y.segment(3 * k + 3 * i, 3);
  }
  return z;
}
Vector from_sphere_bundle(const Vector& z, int k) {
  Vector y(6 * k);
  for (int i = 0; i < k; ++i) {
    y.segment(3 * i, 3) = z.segment(6 * i, 3);
    y.segment(3 * k + 3 * i, 3) = z.segment(6 * i + 3, 3);
  }
  return y;
}
}  // namespace

namespace {
Stepper make_plain_stepper(const std::string& name, const physics::System& sys, const StepperOptions& o);
}  // namespace

Stepper make_stepper(const std::string& name, const physics::System& sys, const StepperOptions& o) {
  Stepper step = make_plain_stepper(name, sys, o);
  if (!o.project) return step;
  const auto* constrained = dynamic_cast<const physics::ConstrainedSystem*>(&sys);
  if (!constrained)
    throw InvalidInput("--project needs a system with holonomic constraints; '" + sys.name() + "' has none");
  const auto form = ni::scheme_info(ni::parse_scheme(name)).form;
  if (form != ni::SchemeForm::kField && form != ni::SchemeForm::kAdaptive)
    throw InvalidInput("--project follows a scheme that leaves the constraints (rk4, dopri5, dop853, ...); '" + name +
                       "' keeps them itself");
  return [step, constrained](Vector& y, double t, double dt) {
    const long evaluations = step(y, t, dt);
    y = constrained->project(y);
    return evaluations;
  };
}

namespace {
Stepper make_plain_stepper(const std::string& name, const physics::System& sys, const StepperOptions& o) {
  const ni::Scheme scheme = ni::parse_scheme(name);
  const ni::SchemeInfo& info = ni::scheme_info(scheme);
  if (!sys.canonical() && info.form != ni::SchemeForm::kField && info.form != ni::SchemeForm::kAdaptive)
    throw InvalidInput("integrator '" + name + "' needs canonical (q, p) coordinates and '" + sys.name() +
                       "' has none; use rk4, avf, dopri5 or dop853");
  if (info.separable_only && !sys.separable())
    throw InvalidInput("integrator '" + name + "' needs a separable Hamiltonian and '" +
                       sys.name() + "' is not; use implicit-midpoint or tao (symplectic) or rk4");
  if (info.symplectic && !sys.conservative())
    throw InvalidInput("integrator '" + name + "' is symplectic and '" + sys.name() +
                       "' is dissipative; use rk4, dopri5 or dop853");
  if (!(o.omega > 0.0)) throw InvalidInput("--omega must be > 0");
  const auto* constrained = dynamic_cast<const physics::ConstrainedSystem*>(&sys);
  if (constrained && (info.form == ni::SchemeForm::kSeparable || info.form == ni::SchemeForm::kTao))
    throw InvalidInput("integrator '" + name + "' ignores the constraint forces of '" + sys.name() +
                       "'; use rattle (symplectic, on the constraints to round-off) or rk4, dopri5, dop853");
  if (info.form == ni::SchemeForm::kConstrained && !constrained)
    throw InvalidInput("integrator '" + name + "' needs a system with holonomic constraints (chain-pendulum, "
                       "spherical-pendulum, gyroscope, rotor, magnet-pendulum); '" + sys.name() + "' has none");
  if (info.form == ni::SchemeForm::kLieGroup && !(constrained && constrained->on_unit_spheres()))
    throw InvalidInput("integrator '" + name + "' steps states on spheres (spherical-pendulum, magnet-pendulum); '" + sys.name() +
                       "' is not one");

  const int d = sys.dof();
  const physics::System* s = &sys;
  auto field = [s](double, const Vector& y) { return s->vector_field(y); };
  switch (info.form) {
    case ni::SchemeForm::kField:
      return [field, scheme](Vector& y, double t, double dt) { return ni::step_field(scheme, y, t, dt, field); };
    case ni::SchemeForm::kSeparable:
      // Separable schemes see dH/dq(q) and dH/dp(p); the other argument is unused by a separable H.
      return [s, d, scheme](Vector& y, double, double dt) {
        Vector q = y.head(d), p = y.tail(d);
        auto gq = [s, &p](const Vector& qq) { return s->dH_dq(qq, p); };
        auto gp = [s, &q](const Vector& pp) { return s->dH_dp(q, pp); };
        const long evals = ni::step_separable(scheme, q, p, dt, gq, gp);
        y << q, p;
        return evals;
      };
    case ni::SchemeForm::kAdaptive: {
      ni::AdaptiveOptions ao;
      ao.rtol = o.rtol;
      ao.atol = o.atol;
      ao.validate();
      const bool high = scheme == ni::Scheme::kDop853;
      return [field, ao, high](Vector& y, double t, double dt) {
        const auto r = high ? ni::integrate_dop853(y, t, t + dt, field, ao)
                            : ni::integrate_dopri5(y, t, t + dt, field, ao);
        if (!r.ok()) throw NumericalError(r.message);
        return static_cast<long>(r.evaluations);
      };
    }
    case ni::SchemeForm::kConstrained: {
      const Eigen::MatrixXd minv = constrained->inverse_mass();
      return [constrained, minv, d](Vector& y, double, double dt) {
        Vector q = y.head(d), p = y.tail(d);
        ni::rattle_step(
            q, p, dt, minv, [constrained](const Vector& x) { return constrained->potential_gradient(x); },
            [constrained](const Vector& x) { return constrained->constraints(x); },
            [constrained](const Vector& x) { return constrained->constraint_jacobian(x); });
        y << q, p;
        return 2L;
      };
    }
    case ni::SchemeForm::kLieGroup: {
      const int k = constrained->bodies();
      return [constrained, scheme, k](Vector& y, double t, double dt) {
        Vector z = to_sphere_bundle(y, k);
        auto xi = [constrained, k](double, const Vector& s) {
          const Vector c = from_sphere_bundle(s, k);
          const int dof = 3 * k;
          return ni::sphere_generator(s, constrained->dH_dq(c.head(dof), c.tail(dof)),
                                      constrained->dH_dp(c.head(dof), c.tail(dof)));
        };
        const long evaluations = ni::lie_step(scheme, ni::SphereBundle(k), z, t, dt, xi);
        y = from_sphere_bundle(z, k);
        return evaluations;
      };
    }
    case ni::SchemeForm::kTao: break;
  }
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

}  // namespace

}  // namespace noether::apps
