// nbody/detail/newtonian.hpp: the inlined Newtonian sums shared by NewtonianKick, the
// integrator's fast path and the torch rollout.
#pragma once

#include <cmath>
#include <cstddef>

#include "nbody/detail/body.hpp"
#include "nbody/interaction.hpp"
#include "nbody/vec3.hpp"

namespace noether::nbody::detail {

/// Accelerations acc[0..n) of n bodies at x with masses m, leaving out `skip`; any body type
/// of detail/body.hpp (the library's Vec3 and the torch rollout's [B, 3] tensors).
template <class P>
void newtonian_massive(double G, const double* m, const P* x, std::size_t n, SkippedPairs skip, P* acc) {
  using B = Body<P>;
  for (std::size_t i = 0; i < n; ++i) acc[i] = B::zero_like(x[i]);
  for (std::size_t i = (skip == SkippedPairs::central ? 1 : 0); i < n; ++i) {
    const std::size_t j0 = (i == 0 && skip == SkippedPairs::first_pair) ? 2 : i + 1;
    for (std::size_t j = j0; j < n; ++j) {
      const P d = x[j] - x[i];
      const auto r2 = B::norm2(d);
      const auto inv3 = G / (r2 * B::sqrt(r2));
      acc[i] = acc[i] + (m[j] * inv3) * d;
      acc[j] = acc[j] - (m[i] * inv3) * d;
    }
  }
}

inline Vec3 newtonian_test_particle(double G, const double* m, const Vec3* x, std::size_t n,
                                    const Vec3& at, bool skip_central) {
  Vec3 a;
  for (std::size_t j = skip_central ? 1 : 0; j < n; ++j) {
    const Vec3 d = x[j] - at;
    const double r2 = norm2(d);
    a += (G * m[j] / (r2 * std::sqrt(r2))) * d;
  }
  return a;
}

/// Directional derivative of the Newtonian accelerations at positions x along displacements dx
/// (the "jerk" of the modified-kick kernel), with the same skipped pairs; overwrites out.
inline void newtonian_massive_derivative(double G, const double* m, const Vec3* x, const Vec3* dx,
                                         std::size_t n, SkippedPairs skip, Vec3* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = Vec3{};
  for (std::size_t i = (skip == SkippedPairs::central ? 1 : 0); i < n; ++i) {
    const std::size_t j0 = (i == 0 && skip == SkippedPairs::first_pair) ? 2 : i + 1;
    for (std::size_t j = j0; j < n; ++j) {
      const Vec3 d = x[j] - x[i];
      const Vec3 dd = dx[j] - dx[i];
      const double r2 = norm2(d);
      const double inv3 = G / (r2 * std::sqrt(r2));
      const Vec3 t = inv3 * dd - (3.0 * dot(d, dd) * inv3 / r2) * d;  // d/de of G d / |d|^3
      out[i] += m[j] * t;
      out[j] -= m[i] * t;
    }
  }
}

}  // namespace noether::nbody::detail
