#include "physics/learning/control.hpp"

#include <cmath>
#include <string>

#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/models/field.hpp"
#include "physics/models/generalized.hpp"

namespace noether::physics {

void SwingUpOptions::validate() const {
  if (!std::isfinite(start_angle) || !std::isfinite(start_momentum))
    throw InvalidInput("swing-up start must be finite");
  if (steps < 1) throw InvalidInput("swing-up steps must be >= 1");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw InvalidInput("swing-up dt must be finite and > 0");
  if (!(damping_gain >= 0.0) || !std::isfinite(damping_gain)) throw InvalidInput("swing-up k_d must be finite and >= 0");
}

SwingUp swing_up(DynamicsModelImpl& model, const System& system, const SwingUpOptions& o) {
  o.validate();
  const bool embedded = system.embedded_angles() && system.state_dim() == 4 && system.control_dim() == 1;
  if (!embedded && system.name() != "pendulum-control")
    throw InvalidInput("the swing-up needs a driven pendulum (pendulum-control or pendulum-embedded), not '" + system.name() + "'");
  auto* symoden = dynamic_cast<SymodenImpl*>(&model);
  if (!symoden || model.state_dim() != system.state_dim() || symoden->embedded() != embedded)
    throw InvalidInput("the swing-up on '" + system.name() + "' needs a symoden model of its states; got " +
                       model.config().describe());
  const auto dtype = model.parameters().front().scalar_type();
  // The learned model's coordinates at the angle q (its own convention) and dV/dq there.
  const bool periodic = symoden->periodic();
  auto coords = [&](double q) {
    if (!periodic) return torch::full({1, 1}, q, torch::TensorOptions().dtype(dtype));
    return torch::tensor({std::cos(q), std::sin(q)}, torch::TensorOptions().dtype(dtype)).reshape({1, 2});
  };
  auto controller = [&](double q, double qdot) {
    const auto c = coords(q);
    const auto dv = energy_gradient([&](const torch::Tensor& s) { return symoden->potential(s); }, c, false);
    const double dv_dq = periodic ? -std::sin(q) * dv[0][0].item<double>() + std::cos(q) * dv[0][1].item<double>()
                                  : dv.item<double>();
    torch::NoGradGuard no_grad;
    const double g = symoden->input_map(c).item<double>();
    if (!(std::abs(g) > 1e-9)) throw NumericalError("the learned input map g(q) vanishes at q = " + std::to_string(q));
    return (2.0 * dv_dq - o.damping_gain * qdot) / g;
  };
  // The model's angle: from hanging (pendulum-control) or from upright (the gym's, embedded).
  const double offset = embedded ? M_PI : 0.0;
  double q = o.start_angle + offset;
  Vector x(system.state_dim());
  if (embedded) x << std::cos(q), std::sin(q), o.start_momentum, 0.0;  // dq/dt
  else x << q, o.start_momentum, 0.0;                                    // p
  SwingUp s;
  auto record = [&](double t) {
    s.t.push_back(t);
    s.angle.push_back(q - offset);
    s.momentum.push_back(x[embedded ? 2 : 1]);
  };
  record(0.0);
  auto field = [&](double, const Vector& y) { return system.vector_field(y); };
  const int substeps = 10;
  const int u_at = system.state_dim() - 1;
  for (int k = 0; k < o.steps; ++k) {
    const double qdot = embedded ? x[2] : system.vector_field(x)[0];  // the measured dq/dt
    x[u_at] = controller(q, qdot);  // the drive held for the step
    s.control.push_back(x[u_at]);
    for (int sub = 0; sub < substeps; ++sub) integrators::rk4_step(x, 0.0, o.dt / substeps, field);
    if (!x.allFinite()) throw NumericalError("the controlled pendulum diverged at step " + std::to_string(k + 1));
    if (embedded) {  // the angle, unwrapped, and the state put back on the circle
      q += std::remainder(std::atan2(x[1], x[0]) - q, 2.0 * M_PI);
      x[0] = std::cos(q);
      x[1] = std::sin(q);
    } else {
      q = x[0];
    }
    record((k + 1) * o.dt);
  }
  s.final_angle_error = std::abs(std::remainder(s.angle.back() - M_PI, 2.0 * M_PI));  // in [0, pi]
  return s;
}

}  // namespace noether::physics
