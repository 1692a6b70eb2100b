// physics/models/hnn.hpp: the HNN papers' family: the baseline MLP, the Hamiltonian Neural
// Network (Greydanus et al. 2019) and the dissipative HNN (Greydanus & Sosanya 2022).
//
//   auto hnn = std::make_shared<HnnImpl>(config);    // or make_model(config) with kind kHnn
//   torch::Tensor dxdt = hnn->time_derivative(x, /*create_graph=*/true);   // x [B, 2D]
//
//   baseline  dx/dt = MLP(x), no conservation law (the papers' baseline)
//   hnn       dx/dt = J grad H_theta(x)                (physics/models/field.hpp)
//   dhnn      dx/dt = J grad H_theta(x) + grad D_theta(x)
// No bias on the last layers: H and D are defined up to a constant.
#pragma once

#include <torch/torch.h>

#include "physics/models/model.hpp"

namespace noether::physics {

namespace detail {
/// Sets every bias of `net` to zero: the network is then odd in its input at the start.
inline void zero_biases(const Mlp& net) {
  torch::NoGradGuard no_grad;
  for (const auto& lin : net->linears())
    if (lin->bias.defined()) lin->bias.zero_();
}

}  // namespace detail

class BaselineImpl : public DynamicsModelImpl {
 public:
  explicit BaselineImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
    // No bias on the output layer, as in the HNN code: with one, the learned field need not
    // vanish anywhere, and the pendulum baseline drifted 9x further in energy.
    net_ = register_module("net", Mlp(c.dim(), c.hidden, c.dim(), c.layers, c.activation, false));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    detail::check_width(x, state_dim());
    if (create_graph) return net_->forward(x);
    torch::NoGradGuard no_grad;
    return net_->forward(x);
  }

 private:
  Mlp net_{nullptr};
};

class HnnImpl : public DynamicsModelImpl {
 public:
  explicit HnnImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
    h_ = register_module("hamiltonian", Mlp(2 * c.dof, c.hidden, 1, c.layers, c.activation, false));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    detail::check_state(x, dof());
    return hamiltonian_field([this](const torch::Tensor& s) { return energy(s); }, x, create_graph);
  }
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override { return h_->forward(x).squeeze(-1); }
  /// |dH/dt| = |grad H . J grad H| per sample: round-off.
  torch::Tensor structure_residual(const torch::Tensor& x) override { return energy_rate(x).abs(); }

 protected:
  Mlp h_{nullptr};
};

class DhnnImpl : public HnnImpl {
 public:
  explicit DhnnImpl(const ModelConfig& c) : HnnImpl(c) {
    d_ = register_module("dissipation", Mlp(2 * c.dof, c.hidden, 1, c.layers, c.activation, false));
    // Both networks start with zero biases, so odd in the state. H + a qp and D - a (q^2 - p^2)/2
    // give the same field; those even terms are absent from an odd start and the data never ask
    // for them, so D stays near zero on conservative data (with torch's default biases it kept
    // an rms gradient of 0.1 on the spring, and the damped-spring rollout error was 3x larger).
    detail::zero_biases(h_);
    detail::zero_biases(d_);
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    // The HNN's J grad H plus grad D. The two gradients are taken separately: one gradient of
    // H + D would mix them, since J applies to grad H only.
    return HnnImpl::time_derivative(x, create_graph) +
           energy_gradient([this](const torch::Tensor& s) { return dissipation(s); }, x, create_graph);
  }
  torch::Tensor dissipation(const torch::Tensor& x) override { return d_->forward(x).squeeze(-1); }

 private:
  Mlp d_{nullptr};
};

}  // namespace noether::physics
