// physics/models/field.hpp: Hamilton's equations by autograd, for every learned model.
//
//   auto dxdt = hamiltonian_field(H, x, /*create_graph=*/true);             // x [B, 2D] = (q, p)
//   auto [dqdt, dpdt] = hamiltonian_field(H2, q, p, false, rayleigh);       // q, p [N, D]
//   auto g = energy_gradients(V, {X}, false)[0];                            // dV/dX, any shape
//
// The learned models of physics/ (HNN, D-HNN, separable), graph/ (HOGN) and nbody/ (the learned
// pair potential) all reach their dynamics through these functions:
//   dq/dt = dH/dp,   dp/dt = -dH/dq - dD/dv   (v = dq/dt; D a Rayleigh dissipation function)
// or, on the joined state x = (q, p), dx/dt = J grad H (+ grad D for the D-HNN's second scalar).
// With create_graph the results stay differentiable in the parameters (training, the second
// derivative of the loss); without it they are detached (rollouts). Every function also works
// inside a caller's NoGradGuard. Tensors keep their dtype and device.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace noether::physics {

/// A scalar energy per sample of one state tensor: x -> [B].
using EnergyFn = std::function<torch::Tensor(const torch::Tensor& x)>;
/// A scalar energy per sample (or per graph) of (q, p) -> [B].
using PhaseEnergyFn = std::function<torch::Tensor(const torch::Tensor& q, const torch::Tensor& p)>;
/// A Rayleigh dissipation function of the velocities v = dq/dt -> [B] (quadratic, >= 0).
using RayleighFn = std::function<torch::Tensor(const torch::Tensor& v)>;

/// Gradients of sum(h(inputs)) with respect to each input, same shapes as the inputs. Inputs
/// that do not yet require a gradient are replaced by detached copies that do. An energy that
/// does not depend on the inputs (e.g. an empty sum) gives zeros.
std::vector<torch::Tensor> energy_gradients(
    const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& h,
    const std::vector<torch::Tensor>& inputs, bool create_graph);

/// dH/dx of one state tensor: x [B, W] -> [B, W].
torch::Tensor energy_gradient(const EnergyFn& h, const torch::Tensor& x, bool create_graph);

/// J g for g = dH/dx = (dH/dq, dH/dp) on the last axis: returns (dH/dp, -dH/dq).
torch::Tensor symplectic(const torch::Tensor& grad);

/// dx/dt = J grad H(x) for x = (q, p) [B, 2D] -> [B, 2D].
torch::Tensor hamiltonian_field(const EnergyFn& h, const torch::Tensor& x, bool create_graph);

/// (dq/dt, dp/dt) = (dH/dp, -dH/dq - dD/dv at v = dH/dp) for q, p of any matching shapes; the
/// dissipation term only when `rayleigh` is given.
std::pair<torch::Tensor, torch::Tensor> hamiltonian_field(const PhaseEnergyFn& h, const torch::Tensor& q,
                                                          const torch::Tensor& p, bool create_graph,
                                                          const RayleighFn& rayleigh = {});

}  // namespace noether::physics
