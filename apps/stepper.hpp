// apps/stepper.hpp: the integrators of integrators/ chosen by name, for the command line.
//
//   auto step = make_stepper("leapfrog", system, options);   // throws InvalidInput
//   for (...) step(y, t, dt);                                 // y = [q; p], in place
//
// Names and what each scheme is come from integrators/registry.hpp; this file only builds the
// stepping closure for an analytic system.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "integrators/registry.hpp"
#include "physics/systems/systems.hpp"

namespace noether::apps {

struct StepperOptions {
  double omega = 20.0;  ///< Tao's coupling constant
  double rtol = 1e-10;  ///< adaptive schemes, per output interval
  double atol = 1e-12;
  /// Constrained systems: project the state onto the constraints (positions, then momenta, in the
  /// metric of M^{-1}) after every step of a scheme that does not keep them (rk4, dopri5, ...).
  bool project = false;
};

/// Steps y = [q; p] from t to t + dt in place; returns the number of vector-field evaluations.
using Stepper = std::function<long(physics::Vector& y, double t, double dt)>;

/// Builds a stepper for `name` on `system`; throws InvalidInput for an unknown name, or for a
/// scheme that cannot treat this system (separable-only schemes on a non-separable H, symplectic
/// schemes on a dissipative system), naming what to use instead.
Stepper make_stepper(const std::string& name, const physics::System& system,
                     const StepperOptions& options);

}  // namespace noether::apps
