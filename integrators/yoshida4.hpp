// integrators/yoshida4.hpp: Yoshida's 4th-order symplectic composition of leapfrog.
//
//   yoshida4_step(q, p, dt, dH_dq, dH_dp);   // dH_dq(q) -> State, dH_dp(p) -> State
//
// Order 4. Symplectic and time-symmetric. Needs a separable H. 3 leapfrog sub-steps: 3 force
// evaluations and 6 kinetic ones per step. One sub-step is negative (w0 ~ -1.70 dt).
#pragma once

#include "integrators/composition.hpp"
#include "integrators/leapfrog.hpp"

namespace noether::integrators {

template <class State, class GradQ, class GradP>
void yoshida4_step(State& q, State& p, double dt, GradQ&& dH_dq, GradP&& dH_dp) {
  compose(yoshida4_weights(), dt, [&](double h) { leapfrog_step(q, p, h, dH_dq, dH_dp); });
}

}  // namespace noether::integrators
