// integrators/velocity_verlet.hpp: velocity Verlet, kick-drift-kick form.
//
//   velocity_verlet_step(q, p, dt, dH_dq, dH_dp);   // dH_dq(q) -> State, dH_dp(p) -> State
//
// Order 2. Symplectic and time-symmetric. Needs a separable H = T(p) + V(q). 2 force
// evaluations (dH_dq) and 1 kinetic one per step as written here (a caller that keeps the last
// force can reuse it, as MD codes do). Positions and momenta are synchronised at step ends.
#pragma once

namespace noether::integrators {

/// One kick-drift-kick step, in place: p -= dt/2 V'(q); q += dt T'(p); p -= dt/2 V'(q).
template <class State, class GradQ, class GradP>
void velocity_verlet_step(State& q, State& p, double dt, GradQ&& dH_dq, GradP&& dH_dp) {
  const double h2 = 0.5 * dt;
  p = p - h2 * dH_dq(q);
  q = q + dt * dH_dp(p);
  p = p - h2 * dH_dq(q);
}

}  // namespace noether::integrators
