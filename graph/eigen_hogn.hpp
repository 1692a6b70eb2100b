// graph/eigen_hogn.hpp: the torch-free inference path of a trained HOGN (graph/hogn.hpp): its
// energy and Hamilton's equations with the MLPs' input gradients written out (EigenMlp), summed
// over edges and nodes by hand, without an autograd graph.
//
//   auto fast = EigenHogn::from(*hogn);              // copies the weights (as double and as float)
//   auto [dq, dp] = fast.time_derivative(q, p, masses, graph);   // CPU tensors [N, D], any float dtype
//   torch::Tensor h = fast.energy(q, p, masses, graph);          // [G]
//
// For an edge k from s to r with input (dq = q_s - q_r, |dq|, e_k, m_s, x_s, m_r, x_r), the edge
// energy's gradient g_k = d phi_e / d(dq, |dq|) gives dH/dq_s += g_k[:D] + g_k[D] dq / |dq| and the
// opposite at r; dH/dp_i is phi_n's input gradient at (p_i, m_i, x_i); with dissipation dp/dt loses
// 2 c_i v_i, c_i = softplus(psi(m_i, x_i)). With one GN block (rounds = 1, pairwise edge energies)
// edges and nodes go through the networks in blocks (threads share the blocks; each block is one
// EigenMlp::evaluate_gemm), then the edge terms are summed into their ends in edge order. With
// message passing (rounds > 1) the latent edge and node features of every round are computed a
// graph at a time as matrix products (EigenDenseMlp::forward_batch), then the energy's gradient is
// carried back through the rounds by hand (each MLP's vector-Jacobian product, the sums at
// receivers and the gathers at both ends) down to the edges' relative positions. Agrees with HognImpl's autograd path to
// round-off (tested). It computes in float for float32 inputs with one GN block, else in double
// (message passing always in double).
#pragma once

#include <memory>
#include <utility>

#include <Eigen/Core>
#include <torch/torch.h>

#include "graph/graph.hpp"
#include "graph/hogn.hpp"
#include "physics/models/eigen_mlp.hpp"

namespace noether::graph {

class EigenHogn {
 public:
  /// Copies the model's weights as doubles.
  static EigenHogn from(HognImpl& model);

  const HognOptions& options() const { return options_; }
  /// Per-graph H, [G] in q's dtype. q, p [N, D], masses [N]: CPU floating tensors.
  torch::Tensor energy(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                       const GraphBatch& graph) const;
  /// Which half of Hamilton's equations time_derivative computes: both, dq/dt = dH/dp alone (the
  /// node networks only), or dp/dt = -dH/dq alone (the edge networks only; a conservative model's,
  /// as separable schemes take it). The half not asked for comes back undefined.
  enum class Half { kBoth, kVelocity, kForce };
  /// (dq/dt, dp/dt), each [N, D] in q's dtype, as HognImpl::time_derivative without a graph.
  std::pair<torch::Tensor, torch::Tensor> time_derivative(const torch::Tensor& q, const torch::Tensor& p,
                                                          const torch::Tensor& masses,
                                                          const GraphBatch& graph, Half half = Half::kBoth) const;

 private:
  template <class T>
  struct Pass;  // one evaluation's inputs in T
  struct Rounds;  // the message-passing networks (rounds > 1)
  template <class T>
  struct Nets {
    physics::EigenMlp<T> phi_e, phi_n, psi;  ///< phi_e empty with rounds > 1, psi without dissipation
  };
  template <class T>
  const Nets<T>& nets() const;
  template <class T>
  torch::Tensor energy_in(const Pass<T>& in, int64_t graphs, torch::ScalarType out) const;
  template <class T>
  std::pair<torch::Tensor, torch::Tensor> time_derivative_in(const Pass<T>& in, torch::ScalarType out, Half half) const;
  /// Edge energies [E] (when wanted) and dH/dq [N x D] (when wanted) by edge blocks (rounds = 1).
  template <class T>
  void edges(const Pass<T>& in, T* energies, T* dh_dq) const;
  /// The same through the message-passing rounds (rounds > 1), whole graphs at a time.
  void edges_through_rounds(const Pass<double>& in, double* energies, double* dh_dq) const;
  struct Span {
    int64_t e0, e1, n0, n1;  ///< edges [e0, e1) among nodes [n0, n1), no other edge touching those
  };
  /// One span's edge energies (at energies + e0) and its nodes' rows of dH/dq.
  void rounds_on(const Pass<double>& in, const Span& span, double* energies, double* dh_dq) const;
  /// Node energies [N] (when wanted) and dH/dp [N x D] (when wanted).
  template <class T>
  void nodes(const Pass<T>& in, T* energies, T* dh_dp) const;

  HognOptions options_;
  Nets<double> double_;
  Nets<float> float_;
  std::shared_ptr<const Rounds> rounds_;
};

}  // namespace noether::graph
