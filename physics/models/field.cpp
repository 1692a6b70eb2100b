#include "physics/models/field.hpp"

namespace noether::physics {

std::vector<torch::Tensor> energy_gradients(
    const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& h,
    const std::vector<torch::Tensor>& inputs, bool create_graph) {
  torch::AutoGradMode enable(true);  // also inside a caller's NoGradGuard
  std::vector<torch::Tensor> xs;
  xs.reserve(inputs.size());
  for (const auto& x : inputs) xs.push_back(x.requires_grad() ? x : x.detach().requires_grad_(true));
  const auto e = h(xs).sum();
  std::vector<torch::Tensor> grads;
  if (!e.requires_grad()) {
    for (const auto& x : xs) grads.push_back(torch::zeros_like(x).detach());
    return grads;
  }
  grads = torch::autograd::grad({e}, xs, {}, /*retain_graph=*/c10::nullopt, create_graph, /*allow_unused=*/true);
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) grads[i] = torch::zeros_like(xs[i]);
    if (!create_graph) grads[i] = grads[i].detach();
  }
  return grads;
}

torch::Tensor energy_gradient(const EnergyFn& h, const torch::Tensor& x, bool create_graph) {
  return energy_gradients([&](const std::vector<torch::Tensor>& in) { return h(in[0]); }, {x}, create_graph)[0];
}

torch::Tensor symplectic(const torch::Tensor& grad) {
  const int64_t d = grad.size(-1) / 2;
  return torch::cat({grad.narrow(-1, d, d), -grad.narrow(-1, 0, d)}, -1);
}

torch::Tensor hamiltonian_field(const EnergyFn& h, const torch::Tensor& x, bool create_graph) {
  return symplectic(energy_gradient(h, x, create_graph));
}

std::pair<torch::Tensor, torch::Tensor> hamiltonian_field(const PhaseEnergyFn& h, const torch::Tensor& q,
                                                          const torch::Tensor& p, bool create_graph,
                                                          const RayleighFn& rayleigh) {
  const auto g = energy_gradients([&](const std::vector<torch::Tensor>& in) { return h(in[0], in[1]); }, {q, p},
                                  create_graph);
  torch::Tensor dqdt = g[1], dpdt = -g[0];
  // D is a function of v = dq/dt; its gradient is taken at the model's own velocities.
  if (rayleigh) dpdt = dpdt - energy_gradient(rayleigh, dqdt, create_graph);
  return {dqdt, dpdt};
}

}  // namespace noether::physics
