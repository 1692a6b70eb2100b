// integrators/lie_euler.hpp: the Lie-Euler method on a homogeneous space
// (integrators/lie_spaces.hpp).
//
//   lie_euler_step(space, y, t, dt, xi);   // xi(t, y) -> algebra element: dy/dt = xi(t, y) . y
//
// Order 1; 1 evaluation of xi and 1 exponential per step; not symplectic. Keeps what the group's
// action keeps (|q| = 1, R^T R = I) to round-off, whatever the step.
#pragma once

#include "integrators/lie_spaces.hpp"

namespace noether::integrators {

/// y <- exp(dt xi(t, y)) . y. Order 1.
template <class Space, class State, class Xi>
void lie_euler_step(const Space& space, State& y, double t, double dt, Xi&& xi) {
  y = space.act(State(dt * xi(t, y)), y);
}

}  // namespace noether::integrators
