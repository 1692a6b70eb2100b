#include "apps/run.hpp"

#include <chrono>
#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/progress.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "physics/systems/constrained.hpp"

namespace noether::apps {

void RunOptions::validate() const {
  std::ostringstream os;
  if (!(dt > 0.0) || !std::isfinite(dt)) os << "--dt " << dt << ": must be a finite number > 0";
  else if (steps < 1) os << "--steps " << steps << ": must be >= 1";
  else if (every < 1) os << "--every " << every << ": must be >= 1";
  if (!os.str().empty()) throw InvalidInput(os.str());
}

void to_json(nlohmann::json& j, const RunSummary& s) {
  j = nlohmann::json{{"system", s.system},
                     {"integrator", s.integrator},
                     {"dt", s.dt},
                     {"steps", s.steps},
                     {"t_final", s.t_final},
                     {"energy_initial", s.energy_initial},
                     {"energy_final", s.energy_final},
                     {"final_rel_energy_error", s.final_rel_energy_error},
                     {"max_rel_energy_error", s.max_rel_energy_error},
                     {"evaluations", s.evaluations},
                     {"wall_seconds", s.wall_seconds},
                     {"steps_per_second", s.wall_seconds > 0 ? s.steps / s.wall_seconds : 0.0},
                     {"constraint_drift", s.constraint_drift >= 0.0 ? nlohmann::json(s.constraint_drift) : nlohmann::json()},
                     {"status", s.ok ? "success" : "failed"},
                     {"message", s.message}};
}

RunSummary run_integration(const RunOptions& o, const Sampler& sample) {
  o.validate();
  const auto system = physics::make_system(o.system);
  Stepper step = make_stepper(o.integrator, *system, o.stepper);

  RunSummary s;
  s.system = o.system;
  s.integrator = o.integrator;
  s.dt = o.dt;
  physics::Vector y = system->default_state();
  const double e0 = system->energy_at(y);
  const double scale = e0 != 0.0 ? std::abs(e0) : 1.0;
  s.energy_initial = s.energy_final = e0;
  if (sample) sample(0, 0.0, y, e0);
  const auto* constrained = dynamic_cast<const physics::ConstrainedSystem*>(system.get());
  if (constrained) s.constraint_drift = constrained->constraint_violation(y);

  Progress progress(o.system + "/" + o.integrator, o.steps, o.progress);
  const auto start = std::chrono::steady_clock::now();
  double t = 0.0;
  for (long i = 1; i <= o.steps; ++i) {
    if (interrupt_requested())
      throw Interrupted(o.system + " with " + o.integrator + " stopped after step " + std::to_string(i - 1) +
                        "; nothing written");
    try {
      s.evaluations += step(y, t, o.dt);
    } catch (const NumericalError& e) {
      s.ok = false;
      s.message = e.what();
      break;
    }
    t = i * o.dt;
    const double e = system->energy_at(y);
    if (!std::isfinite(e) || !y.allFinite()) {
      s.ok = false;
      std::ostringstream os;
      os << "state became non-finite at step " << i << " (t = " << t << "); reduce --dt";
      s.message = os.str();
      break;
    }
    if (constrained) s.constraint_drift = std::max(s.constraint_drift, constrained->constraint_violation(y));
    const double rel = std::abs(e - e0) / scale;
    if (rel > s.max_rel_energy_error) s.max_rel_energy_error = rel;
    s.steps = i;
    s.t_final = t;
    s.energy_final = e;
    s.final_rel_energy_error = rel;
    if (sample && (i % o.every == 0 || i == o.steps)) sample(i, t, y, e);
    progress.update(i);
  }
  s.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (s.ok) progress.finish();
  return s;
}

}  // namespace noether::apps
