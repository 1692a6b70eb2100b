// integrators/dopri5.hpp: Dormand-Prince 5(4), fixed step or adaptive with error control.
//
//   dopri5_step(y, t, dt, f);                                 // one fixed 5th-order step
//   Result r = integrate_dopri5(y, t0, t1, f, AdaptiveOptions{});   // adaptive, tolerances
//
// Order 5 (embedded 4th-order estimate, local extrapolation). Not symplectic. Any vector field.
// 7 stages; first-same-as-last, so 6 evaluations of f per accepted step when adaptive and 7 for a
// fixed step. This is the scheme behind MATLAB's ode45 and SciPy's RK45.
#pragma once

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "integrators/adaptive.hpp"
#include "integrators/detail/explicit_rk.hpp"

namespace noether::integrators {

/// The Dormand-Prince 5(4) tableau (Dormand & Prince 1980).
struct Dopri5 {
  static constexpr std::size_t kStages = 7;
  static constexpr int kOrder = 5;       ///< order of the propagated solution
  static constexpr int kErrorOrder = 4;  ///< order of the embedded estimate
  static constexpr bool kFsal = true;
  static constexpr std::array<double, kStages> c{0.0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1.0, 1.0};
  static constexpr std::array<std::array<double, kStages>, kStages> a{{
      {},
      {1.0 / 5},
      {3.0 / 40, 9.0 / 40},
      {44.0 / 45, -56.0 / 15, 32.0 / 9},
      {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
      {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
      {35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
  }};
  /// 5th-order weights (equal to the last row of a: the FSAL property).
  static constexpr std::array<double, kStages> b{35.0 / 384,     0.0,        500.0 / 1113,
                                                 125.0 / 192,    -2187.0 / 6784, 11.0 / 84,
                                                 0.0};
  /// b - b_hat: the 5th-order minus the embedded 4th-order weights.
  static constexpr std::array<double, kStages> e{71.0 / 57600,      0.0,         -71.0 / 16695,
                                                 71.0 / 1920,       -17253.0 / 339200,
                                                 22.0 / 525,        -1.0 / 40};

  /// One trial step of size h from (t, y) with f(t, y) = fy known. Returns the new state, f at
  /// the new state and the scaled error norm.
  template <class State, class F>
  static StepAttempt<State> attempt(const State& y, double t, double h, F&& f, const State& fy,
                                const AdaptiveOptions& o) {
    std::vector<State> k;
    const std::size_t evals = detail::rk_stages(y, t, h, f, c, a, k, &fy);
    State err = detail::rk_sum(h, e, k, kStages);
    // Stage 7 was evaluated at y + h * sum(a[6] k) = the new solution (FSAL).
    State y1 = detail::rk_combine(y, h, b, k, kStages - 1);
    const double norm = StateTraits<State>::error_norm(err, y, y1, o.atol, o.rtol);
    return {std::move(y1), std::move(k.back()), norm, evals};
  }
};

/// One fixed Dormand-Prince step of dy/dt = f(t, y), in place (the 5th-order solution).
template <class State, class F>
void dopri5_step(State& y, double t, double dt, F&& f) {
  std::vector<State> k;
  detail::rk_stages(y, t, dt, f, Dopri5::c, Dopri5::a, k);
  y = detail::rk_combine(y, dt, Dopri5::b, k, Dopri5::kStages - 1);
}

/// Adaptive Dormand-Prince from t0 to t1 (see adaptive.hpp); `observer(t, y)` per accepted step.
template <class State, class F, class Observer>
Result integrate_dopri5(State& y, double t0, double t1, F&& f, const AdaptiveOptions& o,
                        Observer&& observer) {
  return integrate_adaptive<Dopri5>(y, t0, t1, std::forward<F>(f), o,
                                    std::forward<Observer>(observer));
}

template <class State, class F>
Result integrate_dopri5(State& y, double t0, double t1, F&& f, const AdaptiveOptions& o = {}) {
  return integrate_dopri5(y, t0, t1, std::forward<F>(f), o, [](double, const State&) {});
}

}  // namespace noether::integrators
