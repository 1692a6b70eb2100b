// integrators/registry.hpp: every scheme by name, with what it is, and one-step dispatch.
//
//   using namespace noether::integrators;
//   Scheme s = parse_scheme("yoshida4");                 // InvalidInput lists the known names
//   const SchemeInfo& i = scheme_info(s);                // order 4, symplectic, separable only
//   Scheme r = parse_scheme(name, {Scheme::kRk4, Scheme::kLeapfrog}, "rollout loss");
//   step_field(Scheme::kRk4, y, t, dt, f);               // f(t, y) -> dy/dt
//   step_separable(Scheme::kLeapfrog, q, p, dt, dH_dq, dH_dp);
//
// This is the one place that maps names to schemes: the CLI, the losses of physics/, the graph
// rollouts and `noether integrators` read it. Tao's scheme carries an extended state between
// steps (integrators/tao.hpp), and the adaptive schemes integrate over an interval
// (integrators/adaptive.hpp); callers step those themselves.
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>

#include "integrators/discrete_gradient.hpp"
#include "integrators/euler.hpp"
#include "integrators/implicit_midpoint.hpp"
#include "integrators/leapfrog.hpp"
#include "integrators/rk4.hpp"
#include "integrators/velocity_verlet.hpp"
#include "integrators/yoshida4.hpp"
#include "integrators/yoshida6.hpp"
#include "noether/error.hpp"

namespace noether::integrators {

enum class Scheme {
  kEuler,
  kRk4,
  kDopri5,
  kDop853,
  kLeapfrog,
  kVelocityVerlet,
  kYoshida4,
  kYoshida6,
  kImplicitMidpoint,
  kAvf,
  kTao,
  kRattle,
  kLieEuler,
  kRkmk4,
  kCf4
};

/// How a scheme is stepped: a vector field f(t, y) one step at a time, the two partial gradients
/// of a separable H, an adaptive integration over an interval, Tao's extended phase space, a
/// separable H with holonomic constraints (integrators/rattle.hpp), or a generator in a Lie
/// algebra acting on the state (integrators/lie_group.hpp).
enum class SchemeForm { kField, kSeparable, kAdaptive, kTao, kConstrained, kLieGroup };

struct SchemeInfo {
  Scheme id;
  const char* name;
  int order;
  bool symplectic;
  bool separable_only;  ///< needs H(q, p) = T(p) + V(q)
  SchemeForm form;
  const char* evaluations;  ///< force evaluations per step, in words
  const char* description;
};

/// Every scheme, in a stable order (the order `noether integrators` prints).
inline const std::array<SchemeInfo, 15>& schemes() {
  static const std::array<SchemeInfo, 15> table{{
      {Scheme::kEuler, "euler", 1, false, false, SchemeForm::kField, "1", "explicit Euler"},
      {Scheme::kRk4, "rk4", 4, false, false, SchemeForm::kField, "4", "classical Runge-Kutta"},
      {Scheme::kDopri5, "dopri5", 5, false, false, SchemeForm::kAdaptive, "6 per accepted step",
       "adaptive Dormand-Prince 5(4), --rtol/--atol per output step"},
      {Scheme::kDop853, "dop853", 8, false, false, SchemeForm::kAdaptive, "12 per accepted step",
       "adaptive Dormand-Prince 8(5,3), --rtol/--atol per output step"},
      {Scheme::kLeapfrog, "leapfrog", 2, true, true, SchemeForm::kSeparable, "1 force + 2 kinetic",
       "Stormer-Verlet, drift-kick-drift"},
      {Scheme::kVelocityVerlet, "velocity-verlet", 2, true, true, SchemeForm::kSeparable,
       "2 force + 1 kinetic", "kick-drift-kick"},
      {Scheme::kYoshida4, "yoshida4", 4, true, true, SchemeForm::kSeparable, "3 force + 6 kinetic",
       "Yoshida triple-jump composition of leapfrog"},
      {Scheme::kYoshida6, "yoshida6", 6, true, true, SchemeForm::kSeparable, "7 force + 14 kinetic",
       "Yoshida 7-stage composition of leapfrog"},
      {Scheme::kImplicitMidpoint, "implicit-midpoint", 2, true, false, SchemeForm::kField,
       "~5-15 (fixed-point)", "implicit midpoint rule, any H"},
      {Scheme::kAvf, "avf", 2, false, false, SchemeForm::kField, "~15-45 (fixed-point)",
       "average vector field: keeps H of a Hamiltonian field to round-off"},
      {Scheme::kTao, "tao", 2, true, false, SchemeForm::kTao, "4 gradients",
       "Tao's explicit scheme in extended phase space, --omega"},
      {Scheme::kRattle, "rattle", 2, true, true, SchemeForm::kConstrained, "2 force + Newton on the constraints",
       "RATTLE: leapfrog with holonomic constraints, held to round-off"},
      {Scheme::kLieEuler, "lie-euler", 1, false, false, SchemeForm::kLieGroup, "1 + 1 exponential",
       "Lie-Euler on spheres and rotation groups"},
      {Scheme::kRkmk4, "rkmk4", 4, false, false, SchemeForm::kLieGroup, "4 + 4 exponentials",
       "Runge-Kutta-Munthe-Kaas, order 4, on spheres and rotation groups"},
      {Scheme::kCf4, "cf4", 4, false, false, SchemeForm::kLieGroup, "4 + 5 exponentials",
       "commutator-free Lie-group method, order 4 (Celledoni et al.)"},
  }};
  return table;
}

inline const SchemeInfo& scheme_info(Scheme s) {
  for (const auto& i : schemes())
    if (i.id == s) return i;
  throw InternalError("scheme without an entry in the registry");
}

inline const char* scheme_name(Scheme s) { return scheme_info(s).name; }

/// "euler, rk4, ..." for the schemes in `among` (all when empty).
inline std::string scheme_names(std::initializer_list<Scheme> among = {}) {
  std::string out;
  for (const auto& i : schemes()) {
    bool listed = among.size() == 0;
    for (Scheme s : among) listed = listed || s == i.id;
    if (listed) out += (out.empty() ? "" : ", ") + std::string(i.name);
  }
  return out;
}

/// The scheme called `name`; throws InvalidInput naming it and every known scheme.
inline Scheme parse_scheme(std::string_view name) {
  for (const auto& i : schemes())
    if (name == i.name) return i.id;
  throw InvalidInput("unknown integrator '" + std::string(name) + "'; known integrators: " + scheme_names());
}

/// The scheme called `name` among those `context` accepts; throws InvalidInput naming them.
inline Scheme parse_scheme(std::string_view name, std::initializer_list<Scheme> accepted, const std::string& context) {
  for (const auto& i : schemes())
    if (name == i.name)
      for (Scheme s : accepted)
        if (s == i.id) return s;
  throw InvalidInput("integrator '" + std::string(name) + "' is not available for " + context + "; use " +
                     scheme_names(accepted));
}

/// One step of a kField scheme (euler, rk4, implicit-midpoint, avf) on dy/dt = f(t, y), in place;
/// returns the evaluations of f. InvalidInput for a scheme of another form.
template <class State, class F>
long step_field(Scheme s, State& y, double t, double dt, F&& f) {
  switch (s) {
    case Scheme::kEuler: euler_step(y, t, dt, f); return 1;
    case Scheme::kRk4: rk4_step(y, t, dt, f); return 4;
    case Scheme::kImplicitMidpoint: return implicit_midpoint_step(y, t, dt, f);
    case Scheme::kAvf: return avf_field_step(y, t, dt, f);
    default:
      throw InvalidInput(std::string("integrator '") + scheme_name(s) +
                         "' does not step a vector field one step at a time; use " +
                         scheme_names({Scheme::kEuler, Scheme::kRk4, Scheme::kImplicitMidpoint, Scheme::kAvf}));
  }
}

/// One step of a kSeparable scheme (leapfrog, velocity-verlet, yoshida4, yoshida6) for
/// H = T(p) + V(q), in place; returns the force evaluations. InvalidInput for another form.
template <class State, class GradQ, class GradP>
long step_separable(Scheme s, State& q, State& p, double dt, GradQ&& dH_dq, GradP&& dH_dp) {
  switch (s) {
    case Scheme::kLeapfrog: leapfrog_step(q, p, dt, dH_dq, dH_dp); return 1;
    case Scheme::kVelocityVerlet: velocity_verlet_step(q, p, dt, dH_dq, dH_dp); return 2;
    case Scheme::kYoshida4: yoshida4_step(q, p, dt, dH_dq, dH_dp); return 3;
    case Scheme::kYoshida6: yoshida6_step(q, p, dt, dH_dq, dH_dp); return 7;
    default:
      throw InvalidInput(std::string("integrator '") + scheme_name(s) + "' is not a separable scheme; use " +
                         scheme_names({Scheme::kLeapfrog, Scheme::kVelocityVerlet, Scheme::kYoshida4,
                                       Scheme::kYoshida6}));
  }
}

}  // namespace noether::integrators
