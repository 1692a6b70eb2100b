// physics/learning/losses.hpp: loss forms, kept apart from the models they train.
//
//   auto l1 = pointwise_loss(*model, x, dxdt);                       // derivative matching
//   auto l2 = rollout_loss(model, traj, dt, Scheme::kRk4);           // quadrature through a scheme
//   auto l3 = weak_form_loss(*model, traj, t, 8);                    // test functions, no dx/dt
//
// All return a scalar tensor that is differentiable with respect to the model's parameters.
#pragma once

#include <memory>
#include <string>

#include <torch/torch.h>

#include "integrators/registry.hpp"
#include "physics/models/model.hpp"
#include "noether/json_codec.hpp"
#include "physics/models/separable.hpp"

namespace noether::physics {

/// The weak form's test functions: sines that vanish at both ends of the window, or Gaussian
/// radial basis functions (GHNN, Course et al. 2020) that do not, with the boundary term kept.
enum class TestFunction { kSine, kRbf };
/// "sine", "rbf".
const char* test_function_name(TestFunction kind);
/// Throws InvalidInput naming the known kinds.
TestFunction parse_test_function(const std::string& name);
NOETHER_JSON_ENUM(TestFunction, test_function_name, parse_test_function)

/// Mean squared error between the model's dx/dt at x and the targets: x, dxdt [B, 2D].
torch::Tensor pointwise_loss(DynamicsModelImpl& model, const torch::Tensor& x,
                             const torch::Tensor& dxdt);

/// The pointwise loss as a number: MSE of the model's dx/dt at x against dxdt, in chunks without
/// a graph (evaluation, progress); x, dxdt [B, 2D].
double derivative_mse(DynamicsModelImpl& model, const torch::Tensor& x, const torch::Tensor& dxdt);

/// Integrates the model from traj[0] with `integrator` (a fixed-step scheme of
/// integrators/registry.hpp: euler, rk4, implicit-midpoint for any model; leapfrog,
/// velocity-verlet, yoshida4, yoshida6 for separable models) for T - 1 steps of dt and returns the mean squared error against
/// traj[1..T-1]. traj: [T, B, 2D]. `x0`, when defined, replaces traj[0] as the start (SRNN's
/// initial-state optimisation passes a learnable tensor here).
torch::Tensor rollout_loss(const std::shared_ptr<DynamicsModelImpl>& model,
                           const torch::Tensor& traj, double dt, integrators::Scheme integrator,
                           const torch::Tensor& x0 = {});

/// Rolls the model forward from x0 [B, 2D] for `steps` steps of dt with `integrator`; returns
/// [steps + 1, B, 2D] starting with x0. Differentiable when create_graph is true.
torch::Tensor rollout(const std::shared_ptr<DynamicsModelImpl>& model, const torch::Tensor& x0,
                      double dt, int64_t steps, integrators::Scheme integrator, bool create_graph);

/// Weak-form residual: for test functions phi_k, integration by parts gives
///   int phi_k f(x) dt + int phi_k' x dt - [phi_k x]_{t0}^{t1} = 0
/// along any true trajectory. kSine: phi_k(t) = sin(k pi (t - t0) / (t1 - t0)), k = 1..K, which
/// vanish at both ends (no boundary term); kRbf: phi_k(t) = exp(-(t - c_k)^2 / (2 s^2)) with K
/// centres c_k spread evenly over [t0, t1] and s the larger of their spacing and two sample
/// spacings, or exp(-eps^2 (t - c_k)^2) for a given shape eps > 0 (the GHNN paper's form),
/// boundary term kept. The loss is the mean square of the residual, the integrals by
/// the trapezoid rule over the samples; it needs no derivative data. traj: [T, B, W], t: [T]
/// (increasing).
torch::Tensor weak_form_loss(DynamicsModelImpl& model, const torch::Tensor& traj,
                             const torch::Tensor& t, int64_t test_functions,
                             TestFunction kind = TestFunction::kSine, double rbf_shape = 0.0);

}  // namespace noether::physics
