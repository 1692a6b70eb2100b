// integrators/rkmk4.hpp: Runge-Kutta-Munthe-Kaas of order 4 on a homogeneous space
// (integrators/lie_spaces.hpp).
//
//   rkmk4_step(space, y, t, dt, xi);   // xi(t, y) -> algebra element: dy/dt = xi(t, y) . y
//
// Order 4; 4 evaluations of xi and 4 exponentials per step; not symplectic. Keeps what the
// group's action keeps to round-off.
#pragma once

#include "integrators/lie_spaces.hpp"

namespace noether::integrators {

/// Runge-Kutta-Munthe-Kaas with the classical RK4 tableau in the algebra (stages pulled back by
/// dexp^{-1}). Order 4; 4 evaluations of xi, 4 exponentials.
template <class Space, class State, class Xi>
void rkmk4_step(const Space& space, State& y, double t, double dt, Xi&& xi) {
  const double h2 = 0.5 * dt;
  const State k1 = dt * xi(t, y);
  const State u2 = 0.5 * k1;
  const State k2 = dt * dexp_inverse(space, u2, State(xi(t + h2, space.act(u2, y))));
  const State u3 = 0.5 * k2;
  const State k3 = dt * dexp_inverse(space, u3, State(xi(t + h2, space.act(u3, y))));
  const State k4 = dt * dexp_inverse(space, k3, State(xi(t + dt, space.act(k3, y))));
  y = space.act(State((1.0 / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)), y);
}

}  // namespace noether::integrators
