// integrators/result.hpp: how a multi-step integration ended.
//
//   auto r = integrate_dopri5(y, 0.0, 10.0, f, opts);
//   if (!r.ok()) std::cerr << r.message << '\n';
//
// A learned or stiff model diverging mid-rollout is an expected outcome, so the drivers report it
// as a status (as REBOUND's REB_STATUS and Ceres' Summary do) rather than throwing.
#pragma once

#include <cstddef>
#include <string>

namespace noether::integrators {

enum class Status {
  kSuccess,       ///< reached the final time
  kNonFinite,     ///< the state became NaN or infinite
  kStepTooSmall,  ///< the step size fell below the minimum allowed
  kMaxSteps,      ///< the step budget ran out before the final time
};

/// Name of a status, for messages and JSON ("success", "non_finite", ...).
inline const char* to_string(Status s) {
  switch (s) {
    case Status::kSuccess: return "success";
    case Status::kNonFinite: return "non_finite";
    case Status::kStepTooSmall: return "step_too_small";
    case Status::kMaxSteps: return "max_steps";
  }
  return "unknown";
}

struct Result {
  Status status = Status::kSuccess;
  std::size_t steps = 0;        ///< accepted steps
  std::size_t rejected = 0;     ///< rejected steps (adaptive schemes)
  std::size_t evaluations = 0;  ///< vector-field evaluations
  double t = 0.0;               ///< time reached
  std::string message;          ///< empty on success, else what went wrong and where
  bool ok() const { return status == Status::kSuccess; }
};

}  // namespace noether::integrators
