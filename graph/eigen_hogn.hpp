// graph/eigen_hogn.hpp: the torch-free inference path of a trained HOGN (graph/hogn.hpp): its
// energy and Hamilton's equations with the MLPs' input gradients written out (EigenMlp), summed
// over edges and nodes by hand, without an autograd graph.
//
//   auto fast = EigenHogn::from(*hogn);              // copies the weights (as double)
//   auto [dq, dp] = fast.time_derivative(q, p, masses, graph);   // CPU tensors [N, D], any float dtype
//   torch::Tensor h = fast.energy(q, p, masses, graph);          // [G]
//
// For an edge k from s to r with input (dq = q_s - q_r, |dq|, e_k, m_s, x_s, m_r, x_r), the edge
// energy's gradient g_k = d phi_e / d(dq, |dq|) gives dH/dq_s += g_k[:D] + g_k[D] dq / |dq| and the
// opposite at r; dH/dp_i is phi_n's input gradient at (p_i, m_i, x_i); with dissipation dp/dt loses
// 2 c_i v_i, c_i = softplus(psi(m_i, x_i)). Edges and nodes go through the networks in blocks
// (threads share the blocks; each block is one EigenMlp::evaluate_gemm), then the edge terms are
// summed into their ends in edge order. Agrees with HognImpl's autograd path to round-off (tested).
// Covers HOGN with one GN block (rounds = 1, pairwise edge energies); `covers` says so.
#pragma once

#include <utility>

#include <Eigen/Core>
#include <torch/torch.h>

#include "graph/graph.hpp"
#include "graph/hogn.hpp"
#include "physics/models/eigen_mlp.hpp"

namespace noether::graph {

class EigenHogn {
 public:
  /// True when the Eigen path computes this model (rounds = 1; the message-passing rounds of
  /// rounds > 1 still take the torch path).
  static bool covers(const HognOptions& options) { return options.rounds == 1; }
  /// Copies the model's weights as doubles; throws InvalidInput for a model covers() rejects.
  static EigenHogn from(HognImpl& model);

  const HognOptions& options() const { return options_; }
  /// Per-graph H, [G] in q's dtype. q, p [N, D], masses [N]: CPU floating tensors.
  torch::Tensor energy(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                       const GraphBatch& graph) const;
  /// (dq/dt, dp/dt), each [N, D] in q's dtype, as HognImpl::time_derivative without a graph.
  std::pair<torch::Tensor, torch::Tensor> time_derivative(const torch::Tensor& q, const torch::Tensor& p,
                                                          const torch::Tensor& masses,
                                                          const GraphBatch& graph) const;

 private:
  struct Pass;  // one evaluation's inputs as doubles
  /// Edge energies [E] (when wanted) and dH/dq [N x D] (when wanted) by edge blocks.
  void edges(const Pass& in, double* energies, double* dh_dq) const;
  /// Node energies [N] (when wanted) and dH/dp [N x D] (when wanted).
  void nodes(const Pass& in, double* energies, double* dh_dp) const;

  HognOptions options_;
  physics::EigenMlp<double> phi_e_, phi_n_, psi_;
};

}  // namespace noether::graph
