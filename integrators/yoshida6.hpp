// integrators/yoshida6.hpp: Yoshida's 6th-order symplectic composition of leapfrog.
//
//   yoshida6_step(q, p, dt, dH_dq, dH_dp);   // dH_dq(q) -> State, dH_dp(p) -> State
//
// Order 6. Symplectic and time-symmetric. Needs a separable H. 7 leapfrog sub-steps: 7 force
// evaluations and 14 kinetic ones per step.
#pragma once

#include "integrators/composition.hpp"
#include "integrators/leapfrog.hpp"

namespace noether::integrators {

template <class State, class GradQ, class GradP>
void yoshida6_step(State& q, State& p, double dt, GradQ&& dH_dq, GradP&& dH_dp) {
  compose(yoshida6_weights(), dt, [&](double h) { leapfrog_step(q, p, h, dH_dq, dH_dp); });
}

}  // namespace noether::integrators
