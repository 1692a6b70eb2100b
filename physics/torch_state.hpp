// physics/torch_state.hpp: lets every scheme in integrators/ step torch::Tensor states.
//
//   #include "physics/torch_state.hpp"
//   torch::Tensor y = ...;                         // [B, 2D], any dtype and device
//   noether::integrators::rk4_step(y, t, dt, f);   // autograd flows through
//
// Norms are taken over the whole batch (one common step size for all samples), which is what
// the adaptive schemes need to stay differentiable and batched. Each call syncs with the device.
#pragma once

#include <torch/torch.h>

#include "integrators/state.hpp"

namespace noether::integrators {

template <>
struct StateTraits<torch::Tensor> {
  static double max_abs(const torch::Tensor& x) {
    return x.numel() == 0 ? 0.0 : x.detach().abs().max().item<double>();
  }
  static double error_norm(const torch::Tensor& err, const torch::Tensor& y0,
                           const torch::Tensor& y1, double atol, double rtol) {
    if (err.numel() == 0) return 0.0;
    torch::NoGradGuard no_grad;
    const auto scale = atol + rtol * torch::maximum(y0.detach().abs(), y1.detach().abs());
    return (err.detach() / scale).square().mean().sqrt().item<double>();
  }
  static bool all_finite(const torch::Tensor& x) {
    return torch::isfinite(x.detach()).all().item<bool>();
  }
};

}  // namespace noether::integrators
