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
// torch rollout. This header adds the choice of scheme by name.
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
#include "integrators/rkmk4.hpp"
#include "noether/error.hpp"

namespace noether::integrators {

enum class LieScheme { kLieEuler, kRkmk4, kCf4 };

/// "lie-euler", "rkmk4", "cf4" -> the scheme; InvalidInput naming the known ones otherwise.
inline LieScheme parse_lie_scheme(const std::string& name) {
  if (name == "lie-euler") return LieScheme::kLieEuler;
  if (name == "rkmk4") return LieScheme::kRkmk4;
  if (name == "cf4") return LieScheme::kCf4;
  throw InvalidInput("unknown Lie-group integrator '" + name + "'; known: lie-euler, rkmk4, cf4");
}

/// One step of `scheme`, in place.
template <class Space, class State, class Xi>
void lie_step(LieScheme scheme, const Space& space, State& y, double t, double dt, Xi&& xi) {
  switch (scheme) {
    case LieScheme::kLieEuler: lie_euler_step(space, y, t, dt, xi); return;
    case LieScheme::kRkmk4: rkmk4_step(space, y, t, dt, xi); return;
    case LieScheme::kCf4: cf4_step(space, y, t, dt, xi); return;
  }
}

}  // namespace noether::integrators
