// apps/run.hpp: integrate an analytic system with a named scheme and track its energy error.
//
//   RunOptions o; o.system = "kepler"; o.integrator = "leapfrog"; o.dt = 0.01; o.steps = 100000;
//   RunSummary s = run_integration(o, [](long step, double t, const Vector& y, double E) {...});
//
// Shared by `noether integrate` and `noether demo`.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "apps/stepper.hpp"
#include "physics/systems/systems.hpp"

namespace noether::apps {

struct RunOptions {
  std::string system = "kepler";
  std::string integrator = "leapfrog";
  double dt = 0.01;
  long steps = 1000;
  long every = 1;        ///< call the sampler every this many steps (and at the last step)
  bool progress = false; ///< draw a progress bar on stderr
  StepperOptions stepper;
  /// Throws InvalidInput naming the first bad field.
  void validate() const;
};

struct RunSummary {
  std::string system, integrator;
  double dt = 0.0;
  long steps = 0;  ///< steps completed
  double t_final = 0.0;
  double energy_initial = 0.0, energy_final = 0.0;
  double final_rel_energy_error = 0.0;  ///< |E(T) - E(0)| / |E(0)| (absolute when E(0) = 0)
  double max_rel_energy_error = 0.0;    ///< the same, maximised over every step
  long evaluations = 0;                 ///< vector-field evaluations
  double wall_seconds = 0.0;            ///< time spent stepping (not writing output)
  /// Systems with constraints: the largest |phi| or |G M^{-1} p| met at a step; -1 (JSON null)
  /// for the others.
  double constraint_drift = -1.0;
  bool ok = true;
  std::string message;  ///< why the run stopped early, when !ok
};

/// The summary as JSON (`json j = summary;`): the keys of `noether integrate --json` and of each
/// run of `noether demo --json`.
void to_json(nlohmann::json& j, const RunSummary& s);

using Sampler = std::function<void(long step, double t, const physics::Vector& y, double energy)>;

/// Runs the integration; stops early (ok = false) when the state or energy becomes non-finite or
/// the scheme fails numerically. Throws InvalidInput for bad options.
RunSummary run_integration(const RunOptions& options, const Sampler& sample = {});

}  // namespace noether::apps
