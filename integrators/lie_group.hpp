// integrators/lie_group.hpp: Lie-group integrators for states on spheres and rotation groups
// (Celledoni et al. 2022): Lie-Euler, Runge-Kutta-Munthe-Kaas of order 4 (RKMK4) and the
// commutator-free method of order 4 (CF4, Celledoni, Marthinsen & Owren 2003).
//
//   Rotations space({0, 0, 0, 1});        // four state 3-blocks: the first three turned by
//                                         // algebra block 0, the last by block 1
//   rkmk4_step(space, y, t, dt, xi);      // xi(t, y) -> algebra element: dy/dt = xi(t, y) . y
//
// The motion is given by its generator: an element xi(t, y) of the Lie algebra g of a group G that
// acts on the states, with dy/dt = xi(t, y) . y. Each step moves y only by the action of group
// elements exp(v) . y, so whatever G's action keeps (|q| = 1 on a sphere, R^T R = I for a frame,
// p orthogonal to q on the sphere's cotangent bundle) is kept to round-off, whatever the step.
//
// The spaces (Rotations: SO(3)^k on 3-blocks; SphereBundle: SE(3)^k on (T*S^2)^k) and the
// 3-vector operations they are written with are in integrators/lie_spaces.hpp, one scheme per
// header beside it (lie_euler.hpp, rkmk4.hpp, cf4.hpp); every scheme is written once for Eigen
// vectors and torch::Tensor batches [B, n] (physics/torch_lie.hpp), and autograd flows through a
// torch rollout. This header adds one step of the scheme the registry names (lie_step).
//
// | scheme    | order | evaluations of xi | exponentials |
// |-----------|-------|-------------------|--------------|
// | lie-euler | 1     | 1                 | 1            |
// | rkmk4     | 4     | 4                 | 4            |
// | cf4       | 4     | 4                 | 5            |
#pragma once

#include <string>

#include "integrators/cf4.hpp"
#include "integrators/lie_euler.hpp"
#include "integrators/lie_spaces.hpp"
#include "integrators/registry.hpp"
#include "integrators/rkmk4.hpp"
#include "noether/error.hpp"

namespace noether::integrators {

/// One step of the Lie-group scheme `s` (lie-euler, rkmk4 or cf4 in the registry), in place;
/// returns the evaluations of xi. InvalidInput for a scheme of another form.
template <class Space, class State, class Xi>
long lie_step(Scheme s, const Space& space, State& y, double t, double dt, Xi&& xi) {
  switch (s) {
    case Scheme::kLieEuler: lie_euler_step(space, y, t, dt, xi); return 1;
    case Scheme::kRkmk4: rkmk4_step(space, y, t, dt, xi); return 4;
    case Scheme::kCf4: cf4_step(space, y, t, dt, xi); return 4;
    default:
      throw InvalidInput(std::string("integrator '") + scheme_name(s) + "' is not a Lie-group scheme; use " +
                         scheme_names({Scheme::kLieEuler, Scheme::kRkmk4, Scheme::kCf4}));
  }
}

}  // namespace noether::integrators
