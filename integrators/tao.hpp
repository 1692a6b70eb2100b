// integrators/tao.hpp: Tao's explicit symplectic scheme for non-separable Hamiltonians.
//
//   TaoState<State> s(q, p);                    // extended phase space (q, p, x, y), x=q, y=p
//   tao_step(s, dt, omega, grad);               // grad(q, p) -> std::pair{dH/dq, dH/dp}
//   use s.q, s.p
//
// Tao (2016, Phys. Rev. E 94, 043303) doubles the phase space and integrates
// H(q, y) + H(x, p) + omega/2 (|q - x|^2 + |p - y|^2), whose three parts have exact flows; the
// symmetric Strang composition A(dt/2) B(dt/2) C(dt) B(dt/2) A(dt/2) is explicit.
// Order 2. Symplectic in the extended space and time-symmetric. Works for any H(q, p).
// 4 gradient evaluations (each gives dH/dq and dH/dp at one point) per step. The coupling omega
// binds the two copies; choose omega dt well below pi (Tao suggests omega of order 10-100 times
// the system's frequency with dt small enough). Compose with composition.hpp for order 4 or 6.
#pragma once

#include <cmath>
#include <utility>

namespace noether::integrators {

template <class State>
struct TaoState {
  TaoState(State q0, State p0) : q(q0), p(p0), x(std::move(q0)), y(std::move(p0)) {}
  State q, p;  ///< the physical copy, read this one
  State x, y;  ///< the shadow copy
};

/// One step of Tao's second-order scheme, in place. `grad(q, p)` returns a pair
/// (dH/dq, dH/dp) at that point.
template <class State, class Grad>
void tao_step(TaoState<State>& s, double dt, double omega, Grad&& grad) {
  const double h2 = 0.5 * dt;
  auto flow_a = [&](double h) {  // H(q, y): p and x move
    auto g = grad(s.q, s.y);
    s.p = s.p - h * g.first;
    s.x = s.x + h * g.second;
  };
  auto flow_b = [&](double h) {  // H(x, p): q and y move
    auto g = grad(s.x, s.p);
    s.q = s.q + h * g.second;
    s.y = s.y - h * g.first;
  };
  auto flow_c = [&](double h) {  // coupling: rotate the differences
    const double c = std::cos(2.0 * omega * h), sn = std::sin(2.0 * omega * h);
    const State sq = s.q + s.x, sp = s.p + s.y;
    const State u = s.q - s.x, v = s.p - s.y;
    const State u1 = c * u + sn * v;
    const State v1 = c * v - sn * u;
    s.q = 0.5 * (sq + u1);
    s.x = 0.5 * (sq - u1);
    s.p = 0.5 * (sp + v1);
    s.y = 0.5 * (sp - v1);
  };
  flow_a(h2);
  flow_b(h2);
  flow_c(dt);
  flow_b(h2);
  flow_a(h2);
}

}  // namespace noether::integrators
