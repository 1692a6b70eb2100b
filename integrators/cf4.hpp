// integrators/cf4.hpp: the commutator-free Lie-group method of order 4 (Celledoni, Marthinsen & Owren 2003).
//
//   cf4_step(space, y, t, dt, xi);   // xi(t, y) -> algebra element: dy/dt = xi(t, y) . y
//
// Order 4; 4 evaluations of xi and 5 exponentials per step, no brackets; not symplectic. Keeps
// what the group's action keeps to round-off.
#pragma once

#include "integrators/lie_spaces.hpp"

namespace noether::integrators {

/// The commutator-free method of order 4 (Celledoni, Marthinsen & Owren 2003): RK4's stages as
/// compositions of exponentials, no brackets. 4 evaluations of xi, 5 exponentials.
template <class Space, class State, class Xi>
void cf4_step(const Space& space, State& y, double t, double dt, Xi&& xi) {
  const double h2 = 0.5 * dt;
  const State f1 = xi(t, y);
  const State y2 = space.act(State(h2 * f1), y);
  const State f2 = xi(t + h2, y2);
  const State y3 = space.act(State(h2 * f2), y);
  const State f3 = xi(t + h2, y3);
  const State y4 = space.act(State(h2 * (2.0 * f3 - f1)), y2);
  const State f4 = xi(t + dt, y4);
  const State half = space.act(State(dt * ((1.0 / 4.0) * f1 + (1.0 / 6.0) * (f2 + f3) - (1.0 / 12.0) * f4)), y);
  y = space.act(State(dt * ((-1.0 / 12.0) * f1 + (1.0 / 6.0) * (f2 + f3) + (1.0 / 4.0) * f4)), half);
}

}  // namespace noether::integrators
