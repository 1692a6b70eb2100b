// graph/fused_hogn.hpp: a HOGN's derivative loss and its parameter gradients without autograd.
//
//   FusedHognLoss fused(*hogn);   // one GN block (rounds = 1), parameters on the CPU
//   double loss = fused.loss_and_gradients(q, p, masses, graph, dqdt, dpdt);  // fills every .grad()
//   optimizer.step();
//
// The derivative loss mean((dq/dt - target)^2, (dp/dt - target)^2) of a HOGN needs the gradient
// of the energy's gradient; autograd builds and walks a double-backward graph through the gathers,
// the edge MLP, the scatter into nodes and the node MLP for it. Here the chain rule is written
// out once for any of the MLPs: a forward pass over all edges (or nodes) as matrix products, the
// input-gradient pass, its adjoint, then the backward pass of the forward (per hidden layer one
// product each way, as autograd), with the sums over edges into their ends done by hand in edge
// order and no graph. Dissipation (dp/dt loses 2 c_i v_i, c_i = softplus(psi)) is included.
// Results equal autograd's to round-off (tested).
#pragma once

#include <memory>

#include <torch/torch.h>

#include "graph/graph.hpp"
#include "graph/hogn.hpp"

namespace noether::graph {

class FusedHognLoss {
 public:
  /// True for models this class can train: one GN block (rounds = 1), float32 or float64
  /// parameters on the CPU.
  static bool supports(HognImpl& model);
  /// Throws InvalidInput for a model supports() refuses.
  explicit FusedHognLoss(HognImpl& model);
  ~FusedHognLoss();
  FusedHognLoss(FusedHognLoss&&) noexcept;
  FusedHognLoss& operator=(FusedHognLoss&&) noexcept;

  /// q, p, dqdt, dpdt [N, D], masses [N] in the parameters' dtype on the CPU; graph as for
  /// HognImpl::time_derivative. Returns torch::mse_loss(cat(dq/dt, dp/dt), cat(dqdt, dpdt)) and
  /// writes its gradient into every parameter's .grad().
  double loss_and_gradients(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                            const GraphBatch& graph, const torch::Tensor& dqdt, const torch::Tensor& dpdt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace noether::graph
