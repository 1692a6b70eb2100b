// integrators/leapfrog.hpp: leapfrog / Stormer-Verlet, drift-kick-drift form.
//
//   leapfrog_step(q, p, dt, dH_dq, dH_dp);   // dH_dq(q) -> State, dH_dp(p) -> State
//
// Order 2. Symplectic and time-symmetric (stepping with -dt undoes a step up to round-off).
// Needs a separable H = T(p) + V(q): the callables see only q or only p. 1 force evaluation
// (dH_dq) and 2 kinetic ones (dH_dp) per step. For a non-separable H use implicit_midpoint.hpp
// or tao.hpp.
#pragma once

namespace noether::integrators {

/// One drift-kick-drift step, in place: q += dt/2 T'(p); p -= dt V'(q); q += dt/2 T'(p).
template <class State, class GradQ, class GradP>
void leapfrog_step(State& q, State& p, double dt, GradQ&& dH_dq, GradP&& dH_dp) {
  const double h2 = 0.5 * dt;
  q = q + h2 * dH_dp(p);
  p = p - dt * dH_dq(q);
  q = q + h2 * dH_dp(p);
}

}  // namespace noether::integrators
