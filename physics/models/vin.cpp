#include "physics/models/vin.hpp"

#include <tuple>
#include <utility>

#include "noether/error.hpp"
#include "physics/models/field.hpp"

namespace noether::physics {

VinImpl::VinImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  if (c.kind != ModelKind::kVinVv && c.kind != ModelKind::kVinSv && c.kind != ModelKind::kVinSo2)
    throw InvalidInput(std::string("VinImpl built for model '") + model_kind_name(c.kind) + "'");
  const int64_t inputs = c.kind == ModelKind::kVinSo2 ? 2 * c.dof : c.dof;
  u_ = register_module("potential", Mlp(inputs, c.hidden, 1, c.layers, c.activation, false));
  log_inverse_mass_ = register_parameter("log_inverse_mass", torch::zeros({c.dof}));
}

torch::Tensor VinImpl::potential(const torch::Tensor& q) {
  const auto input = on_circle() ? torch::cat({torch::cos(q), torch::sin(q)}, -1) : q;
  return u_->forward(input).squeeze(-1);
}

torch::Tensor VinImpl::potential_gradient(const torch::Tensor& q, bool create_graph) {
  return energy_gradient([this](const torch::Tensor& s) { return potential(s); }, q, create_graph);
}

torch::Tensor VinImpl::energy(const torch::Tensor& z) {
  detail::check_state(z, dof());
  const auto p = z.narrow(1, dof(), dof());
  return 0.5 * (p * p * inverse_mass()).sum(1) + potential(z.narrow(1, 0, dof()));
}

torch::Tensor VinImpl::time_derivative(const torch::Tensor& z, bool create_graph) {
  detail::check_state(z, dof());
  const auto q = z.narrow(1, 0, dof()), p = z.narrow(1, dof(), dof());
  torch::AutoGradMode graph(create_graph);
  const auto f = torch::cat({p * inverse_mass(), -potential_gradient(q, create_graph)}, 1);
  return create_graph ? f : f.detach();
}

namespace {
/// One state step of `model` from z = (q, p) with grad U(q) = `force` already known: (z+, grad U(q+)),
/// so a rollout evaluates the potential's gradient once per step.
std::pair<torch::Tensor, torch::Tensor> state_step(VinImpl& model, const torch::Tensor& z, const torch::Tensor& force,
                                                   double h, bool create_graph) {
  const int64_t d = model.dof();
  const auto q = z.narrow(1, 0, d), p = z.narrow(1, d, d);
  const auto minv = model.inverse_mass();
  // s = the chord of the step: q+ - q, or sin(q+ - q) on the circle (the left Legendre transform).
  const auto s = h * minv * p - 0.5 * h * h * minv * force;
  const auto next_q = model.on_circle() ? q + torch::asin(s.clamp(-1.0, 1.0)) : q + s;
  const auto next_force = model.potential_gradient(next_q, create_graph);
  return {torch::cat({next_q, s / (h * minv) - 0.5 * h * next_force}, 1), next_force};
}
}  // namespace

torch::Tensor VinImpl::step(const torch::Tensor& state, double h, bool create_graph) {
  detail::check_state(state, dof());
  torch::AutoGradMode graph(create_graph);
  const auto z = create_graph ? state : state.detach();
  const auto out = state_step(*this, z, potential_gradient(z.narrow(1, 0, dof()), create_graph), h, create_graph).first;
  return create_graph ? out : out.detach();
}

torch::Tensor VinImpl::position_step(const torch::Tensor& previous, const torch::Tensor& current, double h,
                                     bool create_graph) {
  torch::AutoGradMode graph(create_graph);
  const auto q_previous = create_graph ? previous : previous.detach(), q = create_graph ? current : current.detach();
  const auto kick = h * h * inverse_mass() * potential_gradient(q, create_graph);
  const auto out = on_circle() ? q + torch::asin((torch::sin(q - q_previous) - kick).clamp(-1.0, 1.0))
                               : 2.0 * q - q_previous - kick;
  return create_graph ? out : out.detach();
}

torch::Tensor wrapped_difference(const torch::Tensor& a, const torch::Tensor& b) {
  const auto d = a - b;
  return torch::atan2(torch::sin(d), torch::cos(d));
}

torch::Tensor vin_window_loss(VinImpl& model, const torch::Tensor& window, double h) {
  if (window.dim() != 3 || window.size(2) != 2 * model.dof())
    throw InvalidInput("vin_window_loss needs observations [T, B, " + std::to_string(2 * model.dof()) + "]");
  const int64_t steps = window.size(0), d = model.dof();
  // A loss is for its gradient: every view below is made with autograd on, even inside a
  // caller's NoGradGuard (a view made there of a tensor with a graph would confuse the potential's
  // gradient in the next step).
  torch::AutoGradMode graph(true);
  if (steps < 2) throw InvalidInput("the VIN loss needs windows of at least 2 samples");
  if (!model.positions_only()) {
    auto z = window[0];
    auto force = model.potential_gradient(z.narrow(1, 0, d), true);
    torch::Tensor loss = torch::zeros({}, window.options());
    for (int64_t k = 1; k < steps; ++k) {
      std::tie(z, force) = state_step(model, z, force, h, true);
      loss = loss + (z - window[k]).square().mean();
    }
    return loss / static_cast<double>(steps - 1);
  }
  // Positions only: the first step from the observed state (an observed pair of positions would
  // start it with a velocity noise of sigma sqrt(2) / h), then the position map.
  const auto observed = window.narrow(2, 0, d);
  auto previous = observed[0], q = model.step(window[0], h, true).narrow(1, 0, d);
  auto error = [&](const torch::Tensor& a, int64_t k) {
    return (model.on_circle() ? wrapped_difference(a, observed[k]) : a - observed[k]).square().mean();
  };
  torch::Tensor loss = error(q, 1);
  for (int64_t k = 2; k < steps; ++k) {
    auto next = model.position_step(previous, q, h, true);
    loss = loss + error(next, k);
    previous = q;
    q = next;
  }
  return loss / static_cast<double>(steps - 1);
}

}  // namespace noether::physics
