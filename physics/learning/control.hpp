// physics/learning/control.hpp: control from a learned model: SymODEN's energy-shaping swing-up.
//
//   auto run = load_checkpoint("pendulum.pt");   // symoden on pendulum-control or pendulum-embedded
//   SwingUp s = swing_up(*run.model, *make_system(run.system), {});   // true pendulum, learned controller
//   s.final_angle_error                                                // rad from upright
//
// The controller u = g(q)^{-1} (2 dV/dq - k_d dq/dt) (Zhong et al. 2019, with the learned V and g)
// shapes the closed loop's potential into V - 2V = -V, whose minimum is the learned V's maximum:
// upright. It is applied to the true system: each step of dt holds u fixed and advances the true
// state by RK4 (substeps of dt / 10). On the embedded pendulum (SymODEN's task 2) V and g are
// functions of (cos q, sin q), periodic by construction, and dV/dq comes by the chain rule.
#pragma once

#include <cmath>
#include <vector>

#include "physics/models/model.hpp"
#include "physics/systems/generalized.hpp"

namespace noether::physics {

struct SwingUpOptions {
  double start_angle = M_PI - 3.14;  ///< rad from hanging (SymODEN's theta = 3.14)
  double start_momentum = 0.0;
  int steps = 200;
  double dt = 0.05;
  double damping_gain = 3.0;  ///< k_d
  void validate() const;      ///< throws InvalidInput naming the bad field
};

struct SwingUp {
  std::vector<double> t, angle, momentum, control;  ///< steps + 1 samples (control: steps)
  double final_angle_error = 0.0;  ///< |final angle - pi|, wrapped to [0, pi]: 0 is upright
};

/// Runs the swing-up with `model`'s learned V and g on the true `system`: pendulum-control (state
/// (q, p, u), q from hanging) or pendulum-embedded (state (cos q, sin q, dq/dt, u), q from
/// upright). Angles are recorded from hanging for both. Throws InvalidInput unless the model is a
/// SymODEN of that system's state.
SwingUp swing_up(DynamicsModelImpl& model, const System& system, const SwingUpOptions& options);

}  // namespace noether::physics
