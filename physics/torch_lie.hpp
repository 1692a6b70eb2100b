// physics/torch_lie.hpp: lets the Lie-group schemes of integrators/lie_group.hpp step torch::Tensor
// batches [B, n] (3-blocks along the last dimension), differentiably.
//
//   #include "physics/torch_lie.hpp"
//   noether::integrators::cf4_step(SphereBundle(2), y, t, dt, xi);   // y [B, 12]; autograd flows
//
// The rotation coefficients switch to their Taylor series below |xi| = 1e-3 with torch::where, the
// closed form evaluated at a safe angle there, so a zero rotation has finite gradients too.
#pragma once

#include <utility>
#include <vector>

#include <torch/torch.h>

#include "integrators/lie_spaces.hpp"

namespace noether::integrators {

template <>
struct Vec3<torch::Tensor> {
  using Block = torch::Tensor;  ///< [..., 3]
  static Block block(const torch::Tensor& v, int i) { return v.narrow(-1, 3 * i, 3); }
  static torch::Tensor join(const std::vector<Block>& blocks) { return torch::cat(blocks, -1); }
  static int blocks(const torch::Tensor& v) { return static_cast<int>(v.size(-1) / 3); }
  static Block cross(const Block& a, const Block& b) { return torch::linalg_cross(a, b, -1); }
  static Block rotate(const Block& xi, const Block& v) {
    const auto [a, b] = coefficients(xi, false);
    const auto c = cross(xi, v);
    return v + a * c + b * cross(xi, c);
  }
  static Block left_jacobian(const Block& xi, const Block& v) {
    const auto [a, b] = coefficients(xi, true);
    const auto c = cross(xi, v);
    return v + a * c + b * cross(xi, c);
  }

 private:
  /// As Vec3<Eigen::VectorXd>: (sin t / t, (1 - cos t) / t^2) or ((1 - cos t) / t^2,
  /// (t - sin t) / t^3), [..., 1] each.
  static std::pair<torch::Tensor, torch::Tensor> coefficients(const Block& xi, bool jacobian) {
    const auto t2 = xi.square().sum(-1, true);
    const auto small = t2 < 1e-6;
    const auto t = torch::sqrt(torch::where(small, torch::ones_like(t2), t2));
    const auto t4 = t2 * t2;
    torch::Tensor a, b;
    if (!jacobian) {
      a = torch::where(small, 1.0 - t2 / 6.0 + t4 / 120.0, torch::sin(t) / t);
      b = torch::where(small, 0.5 - t2 / 24.0 + t4 / 720.0, (1.0 - torch::cos(t)) / (t * t));
    } else {
      a = torch::where(small, 0.5 - t2 / 24.0 + t4 / 720.0, (1.0 - torch::cos(t)) / (t * t));
      b = torch::where(small, 1.0 / 6.0 - t2 / 120.0 + t4 / 5040.0, (t - torch::sin(t)) / (t * t * t));
    }
    return {a, b};
  }
};

}  // namespace noether::integrators
