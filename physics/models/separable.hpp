// physics/models/separable.hpp: H = K_theta(p) + V_theta(q) (SRNN, Chen et al. 2019), whose
// separable form lets the explicit symplectic schemes (leapfrog, Yoshida) step it.
//
//   auto g = separable_gradients(model, /*create_graph=*/false);
//   integrators::leapfrog_step(q, p, dt, g.dH_dq, g.dH_dp);     // q, p [B, D]
#pragma once

#include <functional>
#include <memory>

#include <torch/torch.h>

#include "physics/models/model.hpp"

namespace noether::physics {

/// The separable model's parts for leapfrog: dH/dq depends on q only, dH/dp on p only.
struct SeparableGradients {
  std::function<torch::Tensor(const torch::Tensor&)> dH_dq;  ///< [B, D] -> [B, D]
  std::function<torch::Tensor(const torch::Tensor&)> dH_dp;  ///< [B, D] -> [B, D]
};

class SeparableHamiltonianImpl : public DynamicsModelImpl {
 public:
  explicit SeparableHamiltonianImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
    k_ = register_module("kinetic", Mlp(c.dof, c.hidden, 1, c.layers, c.activation, false));
    v_ = register_module("potential", Mlp(c.dof, c.hidden, 1, c.layers, c.activation, false));
  }
  torch::Tensor kinetic(const torch::Tensor& p) { return k_->forward(p).squeeze(-1); }
  torch::Tensor potential(const torch::Tensor& q) { return v_->forward(q).squeeze(-1); }
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override {
    detail::check_state(x, dof());
    return kinetic(x.narrow(-1, dof(), dof())) + potential(x.narrow(-1, 0, dof()));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    detail::check_state(x, dof());
    const auto g = separable_gradients_impl(create_graph);
    return torch::cat({g.dH_dp(x.narrow(-1, dof(), dof())), -g.dH_dq(x.narrow(-1, 0, dof()))}, -1);
  }
  SeparableGradients separable_gradients_impl(bool create_graph) {
    return {[this, create_graph](const torch::Tensor& q) {
              return energy_gradient([this](const torch::Tensor& s) { return potential(s); }, q, create_graph);
            },
            [this, create_graph](const torch::Tensor& p) {
              return energy_gradient([this](const torch::Tensor& s) { return kinetic(s); }, p, create_graph);
            }};
  }

 private:
  Mlp k_{nullptr}, v_{nullptr};
};

/// Throws InvalidInput when the model is not of kind separable.
SeparableGradients separable_gradients(const std::shared_ptr<DynamicsModelImpl>& model,
                                       bool create_graph);

}  // namespace noether::physics
