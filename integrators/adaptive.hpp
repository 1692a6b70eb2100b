// integrators/adaptive.hpp: the step-size controller shared by the embedded Runge-Kutta pairs.
//
//   AdaptiveOptions opts;  opts.rtol = 1e-10;  opts.atol = 1e-12;
//   Result r = integrate_dopri5(y, 0.0, 20.0, f, opts, [](double t, const State& y) { ... });
//
// The controller is Hairer's: error norm = RMS of err_i / (atol + rtol max(|y0_i|, |y1_i|)); a step
// is accepted when that norm is <= 1; the next step is h * clamp(safety * err^(-1/(q+1))).
// Integration may run backwards (t1 < t0). The observer, if given, sees every accepted step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>

#include "integrators/result.hpp"
#include "integrators/state.hpp"
#include "noether/error.hpp"

namespace noether::integrators {

struct AdaptiveOptions {
  double rtol = 1e-9;   ///< relative tolerance per component
  double atol = 1e-12;  ///< absolute tolerance per component, in the units of the state
  double h0 = 0.0;      ///< first step size; 0 picks one from the vector field (Hairer's rule)
  double h_min = 0.0;   ///< smallest step allowed (0: limited only by round-off)
  double h_max = std::numeric_limits<double>::infinity();  ///< largest step allowed
  std::size_t max_steps = 10000000;  ///< accepted + rejected steps before giving up
  double safety = 0.9;    ///< factor applied to the optimal step
  double fac_min = 0.2;   ///< smallest shrink factor per step
  double fac_max = 10.0;  ///< largest growth factor per step

  /// Throws InvalidInput naming the first bad field.
  void validate() const {
    auto bad = [](const char* field, double v, const char* need) {
      std::ostringstream os;
      os << "AdaptiveOptions." << field << " = " << v << ": must be " << need;
      throw InvalidInput(os.str());
    };
    if (!(rtol >= 0.0) || !std::isfinite(rtol)) bad("rtol", rtol, "finite and >= 0");
    if (!(atol >= 0.0) || !std::isfinite(atol)) bad("atol", atol, "finite and >= 0");
    if (rtol == 0.0 && atol == 0.0) bad("rtol", rtol, "> 0 when atol is 0");
    if (!(h0 >= 0.0) || !std::isfinite(h0)) bad("h0", h0, "finite and >= 0");
    if (!(h_min >= 0.0)) bad("h_min", h_min, ">= 0");
    if (!(h_max > 0.0)) bad("h_max", h_max, "> 0");
    if (h_min > h_max) bad("h_min", h_min, "<= h_max");
    if (max_steps == 0) bad("max_steps", 0, "> 0");
    if (!(safety > 0.0 && safety <= 1.0)) bad("safety", safety, "in (0, 1]");
    if (!(fac_min > 0.0 && fac_min < 1.0)) bad("fac_min", fac_min, "in (0, 1)");
    if (!(fac_max > 1.0)) bad("fac_max", fac_max, "> 1");
  }
};

/// What an embedded pair's trial step returns to the controller.
template <class State>
struct StepAttempt {
  State y;                  ///< the proposed new state
  State f_end;              ///< f at the new state when the pair is FSAL (else empty)
  double error;             ///< scaled error norm; the step is accepted when <= 1
  std::size_t evaluations;  ///< vector-field evaluations made
};

namespace detail {

/// Hairer, Norsett & Wanner, Solving ODEs I, II.4: a first step from the size of y and f(t0, y).
template <class State, class F>
double initial_step(const State& y0, const State& f0, double t0, double dir, int order, F&& f,
                    const AdaptiveOptions& o, std::size_t& evals) {
  using T = StateTraits<State>;
  const double d0 = T::error_norm(y0, y0, y0, o.atol, o.rtol);
  const double d1 = T::error_norm(f0, y0, y0, o.atol, o.rtol);
  double h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  h = std::min(h, o.h_max);
  const State y1 = y0 + (dir * h) * f0;
  const State f1 = f(t0 + dir * h, y1);
  ++evals;
  const double d2 = T::error_norm(State(f1 - f0), y0, y0, o.atol, o.rtol) / h;
  const double dmax = std::max(d1, d2);
  const double h1 = dmax <= 1e-15 ? std::max(1e-6, h * 1e-3)
                                  : std::pow(0.01 / dmax, 1.0 / (order + 1));
  return std::min({100.0 * h, h1, o.h_max});
}

}  // namespace detail

/// Integrates dy/dt = f(t, y) from t0 to t1 with the embedded pair `Method` (Dopri5 or Dop853),
/// in place. `observer(t, y)` is called after every accepted step. Returns how it ended; on
/// failure `y` holds the last finite state and `Result::t` its time.
template <class Method, class State, class F, class Observer>
Result integrate_adaptive(State& y, double t0, double t1, F&& f, const AdaptiveOptions& o,
                          Observer&& observer) {
  o.validate();
  using T = StateTraits<State>;
  Result r;
  r.t = t0;
  if (!T::all_finite(y)) {
    r.status = Status::kNonFinite;
    r.message = "initial state is not finite";
    return r;
  }
  if (t1 == t0) return r;
  const double dir = t1 > t0 ? 1.0 : -1.0;
  State fy = f(t0, y);
  r.evaluations = 1;
  double h = o.h0 > 0.0 ? o.h0
                        : detail::initial_step(y, fy, t0, dir, Method::kOrder, f, o,
                                               r.evaluations);
  double t = t0;
  bool last_rejected = false;
  const double exponent = 1.0 / (Method::kErrorOrder + 1);
  while (dir * (t1 - t) > 0.0) {
    if (r.steps + r.rejected >= o.max_steps) {
      r.status = Status::kMaxSteps;
      r.message = "step budget of " + std::to_string(o.max_steps) + " ran out at t = " +
                  std::to_string(t);
      break;
    }
    h = std::min(h, o.h_max);
    const double remaining = dir * (t1 - t);
    bool final_step = false;
    if (h >= remaining) {
      h = remaining;
      final_step = true;
    }
    const double spacing = 16.0 * std::numeric_limits<double>::epsilon() * std::abs(t);
    if (h < std::max(o.h_min, spacing)) {
      r.status = Status::kStepTooSmall;
      std::ostringstream os;
      os << "step size " << h << " fell below the minimum at t = " << t;
      r.message = os.str();
      break;
    }
    auto attempt = Method::attempt(y, t, dir * h, f, fy, o);
    r.evaluations += attempt.evaluations;
    if (!(attempt.error <= 1.0)) {  // also rejects a NaN error
      if (!std::isfinite(attempt.error) && h <= std::max(o.h_min, spacing) * 2.0) {
        r.status = Status::kNonFinite;
        r.message = "state became non-finite at t = " + std::to_string(t);
        break;
      }
      ++r.rejected;
      const double fac = std::isfinite(attempt.error)
                             ? std::max(o.fac_min, o.safety * std::pow(attempt.error, -exponent))
                             : o.fac_min;
      h *= std::min(1.0, fac);
      last_rejected = true;
      continue;
    }
    ++r.steps;
    t = final_step ? t1 : t + dir * h;
    y = std::move(attempt.y);
    fy = Method::kFsal ? std::move(attempt.f_end) : f(t, y);
    if (!Method::kFsal) ++r.evaluations;
    observer(t, static_cast<const State&>(y));
    const double err = std::max(attempt.error, 1e-10);
    double fac = std::min(o.fac_max, std::max(o.fac_min, o.safety * std::pow(err, -exponent)));
    if (last_rejected) fac = std::min(fac, 1.0);
    last_rejected = false;
    h *= fac;
  }
  r.t = t;
  return r;
}

}  // namespace noether::integrators
