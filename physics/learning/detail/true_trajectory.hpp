// physics/learning/detail/true_trajectory.hpp: a system's exact trajectory at given sample times,
// the ground truth of the data sets (dataset.cpp) and of the evaluation (evaluation.cpp).
#pragma once

#include <string>
#include <vector>

#include "integrators/dop853.hpp"
#include "noether/error.hpp"
#include "physics/systems/systems.hpp"

namespace noether::physics::detail {

/// The states of `system` from `y` at t = 0 at each of `times` (non-decreasing), by adaptive
/// DOP853 at tolerance 1e-12 from sample to sample. Throws NumericalError "WHAT: why" when a step
/// fails.
inline std::vector<Vector> true_trajectory(const System& system, Vector y, const std::vector<double>& times,
                                           const std::string& what) {
  integrators::AdaptiveOptions tight;
  tight.rtol = 1e-12;
  tight.atol = 1e-12;
  auto field = [&](double, const Vector& s) { return system.vector_field(s); };
  std::vector<Vector> out;
  out.reserve(times.size());
  double t = 0.0;
  for (const double tk : times) {
    if (tk != t) {
      const auto r = integrators::integrate_dop853(y, t, tk, field, tight);
      if (!r.ok()) throw NumericalError(what + ": " + r.message);
      t = tk;
    }
    out.push_back(y);
  }
  return out;
}

/// k dt for k = 0 .. points - 1.
inline std::vector<double> sample_times(double dt, int points) {
  std::vector<double> t(static_cast<std::size_t>(points));
  for (int k = 0; k < points; ++k) t[static_cast<std::size_t>(k)] = k * dt;
  return t;
}

}  // namespace noether::physics::detail
