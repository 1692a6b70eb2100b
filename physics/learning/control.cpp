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

SwingUp swing_up(DynamicsModelImpl& model, const PendulumControl& system, const SwingUpOptions& o) {
  o.validate();
  auto* symoden = dynamic_cast<SymodenImpl*>(&model);
  if (!symoden || model.state_dim() != 3)
    throw InvalidInput(std::string("the swing-up needs a symoden model of the driven pendulum (states (q, p, u)); got ") +
                       model.config().describe());
  const auto dtype = model.parameters().front().scalar_type();
  auto controller = [&](double q, double qdot) {
    const auto qt = torch::full({1, 1}, q, torch::TensorOptions().dtype(dtype));
    const double dv = energy_gradient([&](const torch::Tensor& s) { return symoden->potential(s); }, qt, false).item<double>();
    torch::NoGradGuard no_grad;
    const double g = symoden->input_map(qt).item<double>();
    if (!(std::abs(g) > 1e-9)) throw NumericalError("the learned input map g(q) vanishes at q = " + std::to_string(q));
    return (2.0 * dv - o.damping_gain * qdot) / g;
  };
  SwingUp s;
  Vector x(3);
  x << o.start_angle, o.start_momentum, 0.0;
  auto record = [&](double t) {
    s.t.push_back(t);
    s.angle.push_back(x[0]);
    s.momentum.push_back(x[1]);
  };
  record(0.0);
  auto field = [&](double, const Vector& y) { return system.vector_field(y); };
  const int substeps = 10;
  for (int k = 0; k < o.steps; ++k) {
    x[2] = controller(x[0], system.vector_field(x)[0]);  // the measured dq/dt, the drive held for the step
    s.control.push_back(x[2]);
    for (int sub = 0; sub < substeps; ++sub) integrators::rk4_step(x, 0.0, o.dt / substeps, field);
    if (!x.allFinite()) throw NumericalError("the controlled pendulum diverged at step " + std::to_string(k + 1));
    record((k + 1) * o.dt);
  }
  const double wrapped = std::remainder(x[0] - M_PI, 2.0 * M_PI);  // in [-pi, pi]
  s.final_angle_error = std::abs(wrapped);
  return s;
}

}  // namespace noether::physics
