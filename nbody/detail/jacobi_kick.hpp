// nbody/detail/jacobi_kick.hpp: the interaction kick of the Wisdom-Holman splitting in Jacobi
// coordinates, written once for the library integrator (Vec3) and the differentiable torch
// rollout (tensors [B, 3]; see nbody/detail/body.hpp).
#pragma once

#include <cstddef>

#include "nbody/coordinates.hpp"
#include "nbody/detail/body.hpp"
#include "nbody/interaction.hpp"

namespace noether::nbody::detail {

/// Jacobi accelerations a[0..n) of the interaction Hamiltonian at Jacobi positions x (a[0] = 0).
/// `inertial_accelerations(X, SkippedPairs::first_pair, A)` fills the inertial accelerations A
/// of the interaction term at inertial positions X without the pair (0, 1), which the drift
/// holds; the Kepler parts of the other bodies' drifts are removed here. X and A are scratch
/// (X is left holding the inertial positions).
template <class P, class InertialAccelerations>
void jacobi_interaction(double G, const double* m, const double* eta, const P* x, std::size_t n,
                        InertialAccelerations&& inertial_accelerations, P* X, P* A, P* a) {
  using B = Body<P>;
  jacobi_to_inertial_pos(m, eta, x, X, n);
  inertial_accelerations(static_cast<const P*>(X), SkippedPairs::first_pair, A);
  inertial_to_jacobi_pos(m, static_cast<const P*>(A), a, n);
  a[0] = B::zero_like(x[0]);
  // The Kepler part removed from the interaction: + G eta_i x_i / |x_i|^3 (cancels exactly for
  // i = 1, whose pair with body 0 is skipped instead).
  for (std::size_t i = 2; i < n; ++i) {
    const auto r2 = B::norm2(x[i]);
    a[i] = a[i] + (G * eta[i] / (r2 * B::sqrt(r2))) * x[i];
  }
}

}  // namespace noether::nbody::detail
