// physics/models/fused_hnn.hpp: the pointwise HNN loss and its parameter gradients without autograd.
//
//   FusedHnnLoss fused(*model);                       // an "hnn" model with tanh activations
//   double loss = fused.loss_and_gradients(x, dxdt);  // fills every parameter's .grad()
//   optimizer.step();
//
// The HNN loss mean((J grad_x H(x) - dxdt)^2) needs the gradient of a gradient; autograd builds
// and walks a double-backward graph for it. Here the chain rule is written out for a tanh MLP:
// a forward pass, the input-gradient pass, its adjoint, then the backward pass of the forward,
// six large matrix products in all (the same as autograd) but with preallocated buffers, fused
// elementwise loops and no graph, so the non-GEMM share of a step shrinks to a few percent.
// Results equal autograd's to round-off (tested).
#pragma once

#include <vector>

#include <torch/torch.h>

#include "physics/models/model.hpp"

namespace noether::physics {

class FusedHnnLoss {
 public:
  /// True for models this class can train: kind "hnn" with tanh activations.
  static bool supports(DynamicsModelImpl& model);
  /// Throws InvalidInput for an unsupported model.
  explicit FusedHnnLoss(DynamicsModelImpl& model);
  /// x, dxdt: [B, 2D] in the model's dtype and device (CPU). Returns the loss and writes the
  /// gradient of the loss into every parameter's .grad().
  double loss_and_gradients(const torch::Tensor& x, const torch::Tensor& dxdt);

 private:
  void resize(int64_t batch);
  template <class T>
  double run(const torch::Tensor& x, const torch::Tensor& y);
  std::vector<torch::Tensor> weights_, biases_;  ///< hidden layers 1..L: W_l [h_l, h_{l-1}], b_l
  torch::Tensor w_out_;                          ///< [1, h_L]
  std::vector<torch::Tensor> grad_w_, grad_b_;
  torch::Tensor grad_w_out_;
  // Buffers, per hidden layer: activations H, input-gradient pass G and D, adjoints A, P, and
  // scratch T; plus G0, A0, Q.
  std::vector<torch::Tensor> h_, g_, d_, a_, p_, t_;
  torch::Tensor g0_, a0_, q_, q_next_;
  int64_t batch_ = -1;
};

}  // namespace noether::physics
