// integrators/rk4.hpp: the classical 4th-order Runge-Kutta method.
//
//   rk4_step(y, t, dt, [](double t, const State& y) { return field(y); });
//
// Order 4. Not symplectic: on a conservative system the energy error drifts linearly in time.
// Any vector field. 4 evaluations of f per step. Differentiable: with torch::Tensor states,
// autograd flows through the whole rollout.
#pragma once

namespace noether::integrators {

/// One RK4 step of dy/dt = f(t, y), in place.
template <class State, class F>
void rk4_step(State& y, double t, double dt, F&& f) {
  const double h2 = 0.5 * dt;
  const State k1 = f(t, y);
  const State k2 = f(t + h2, State(y + h2 * k1));
  const State k3 = f(t + h2, State(y + h2 * k2));
  const State k4 = f(t + dt, State(y + dt * k3));
  y = y + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
}

}  // namespace noether::integrators
