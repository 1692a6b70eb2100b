// integrators/euler.hpp: explicit (forward) Euler.
//
//   Eigen::VectorXd y = y0;
//   for (int i = 0; i < n; ++i) euler_step(y, i * dt, dt, f);   // f(t, y) -> dy/dt
//
// Order 1. Not symplectic (energy of a conservative system grows steadily). Any vector field,
// separable or not. 1 evaluation of f per step.
#pragma once

namespace noether::integrators {

/// One explicit Euler step of dy/dt = f(t, y), in place. `dt` in the units of t.
template <class State, class F>
void euler_step(State& y, double t, double dt, F&& f) {
  const State k = f(t, y);
  y = y + dt * k;
}

}  // namespace noether::integrators
