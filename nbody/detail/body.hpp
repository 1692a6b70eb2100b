// nbody/detail/body.hpp: what the generic pieces of the Wisdom-Holman scheme need of a body's
// value type P. The scheme's pieces (Newtonian sums, Jacobi transforms, the Jacobi interaction
// kick, the Kepler map) are written once as templates over P with value semantics only (a torch
// tensor is a handle: `a = a + b`, never `a += b`), and instantiated for
//  - Vec3: one body of the library integrator, scalars double;
//  - torch::Tensor [B, 3]: one body in B batched states, scalars [B, 1] (the differentiable
//    rollout of nbody/neural_interaction.cpp, which specialises Body in its own file so that
//    this header stays free of torch).
#pragma once

#include <cmath>

#include "nbody/vec3.hpp"

namespace noether::nbody::detail {

template <class P>
struct Body;

template <>
struct Body<Vec3> {
  using Scalar = double;
  static double norm2(const Vec3& a) { return nbody::norm2(a); }
  static double dot(const Vec3& a, const Vec3& b) { return nbody::dot(a, b); }
  static double sqrt(double x) { return std::sqrt(x); }
  static Vec3 zero_like(const Vec3&) { return Vec3{}; }
};

}  // namespace noether::nbody::detail
