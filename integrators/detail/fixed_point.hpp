// integrators/detail/fixed_point.hpp: the fixed-point iteration of the implicit schemes
// (implicit_midpoint.hpp, discrete_gradient.hpp).
#pragma once

#include <cmath>
#include <utility>

#include "integrators/state.hpp"

namespace noether::integrators::detail {

/// Iterates x <- next(x) until max|change| <= tol * (1 + max|x|). Returns the iterations taken,
/// or 0 when the iteration failed: max_iterations spent, or an iterate not finite (inf - inf is
/// NaN, which max_abs may skip, and an infinite scale would accept any change). `change` is the
/// last change measured.
template <class State, class Next>
int fixed_point(State& x, Next&& next, double tol, int max_iterations, double& change) {
  using T = StateTraits<State>;
  change = 0.0;
  for (int it = 1; it <= max_iterations; ++it) {
    State candidate = next(x);
    if (!T::all_finite(candidate)) return 0;
    change = T::max_abs(State(candidate - x));
    const double scale = 1.0 + T::max_abs(candidate);
    x = std::move(candidate);
    if (change <= tol * scale) return it;
    if (!std::isfinite(change)) return 0;
  }
  return 0;
}

}  // namespace noether::integrators::detail
