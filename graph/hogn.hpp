// graph/hogn.hpp: Hamiltonian graph network (HOGN, Sanchez-Gonzalez et al. 2019) with optional
// learned Rayleigh dissipation, for particle systems.
//
//   using namespace noether::graph;
//   HognOptions o; o.dim = 2; o.dissipation = true;
//   Hogn model(o);
//   model->to(torch::kFloat64);
//   GraphBatch g = batch({Graph{torch::zeros({3, 0}, torch::kFloat64), fully_connected(3)},
//                         Graph{torch::zeros({5, 0}, torch::kFloat64), fully_connected(5)}});
//   torch::Tensor q = ..., p = ..., m = ...;                        // [8, 2], [8, 2], [8]
//   torch::Tensor H = model->energy(q, p, m, g);                     // [2], one per graph
//   auto [dq, dp] = model->time_derivative(q, p, m, g, /*create_graph=*/true);   // [8, 2] each
//
// The Hamiltonian of graph k is
//   H_k = sum over edges (i -> j) of graph k of  phi_e(q_i - q_j, |q_i - q_j|, m_i, m_j, x_i, x_j, e_ij)
//       + sum over nodes i of graph k of         phi_n(p_i, m_i, x_i)
// with x the batch's node features [N, F] and e the edge features [E, Fe] (both optional through
// HognOptions). phi_e is the edge update of a GN block (graph/gn.hpp) over edges (q_i - q_j,
// |q_i - q_j|, e_ij) and nodes (m_i, x_i), and the per-graph sums are its global aggregation. With
// rounds > 1, rounds - 1 message-passing GN blocks first turn those position-only inputs into
// latent node and edge features, so the potential can hold many-body terms; the kinetic part
// stays a sum over nodes of phi_n. Only relative positions enter, so H is translation invariant; sums make it
// permutation invariant (and the derivatives permutation equivariant). H is separable
// (potential in q, kinetic in p), so explicit leapfrog applies to the conservative model.
// Hamilton's equations come from autograd: dq/dt = dH/dp, dp/dt = -dH/dq.
//
// With options.dissipation the model adds a Rayleigh function over node velocities
//   D = sum_i c_i |v_i|^2,   c_i = softplus(psi(m_i, x_i)) >= 0,   v = dq/dt = dH/dp,
// and dp/dt -= dD/dv = 2 c_i v_i. Along the model's field dH/dt = -sum_i 2 c_i |v_i|^2 <= 0
// for every weight, so the learned system can only lose energy.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "graph/gn.hpp"
#include "graph/graph.hpp"
#include "physics/models/model.hpp"

namespace noether::graph {

struct HognOptions {
  int64_t dim = 2;            ///< D: spatial dimension of q_i and p_i
  int64_t node_features = 0;  ///< F: width of GraphBatch::nodes fed to phi_e, phi_n and psi
  int64_t edge_features = 0;  ///< Fe: width of GraphBatch::edges fed to phi_e (0: none used)
  int64_t hidden = 64;        ///< width of each hidden layer
  int64_t layers = 2;         ///< hidden layers per MLP
  int64_t rounds = 1;         ///< GN blocks in the potential (1: pairwise edge energies)
  std::string activation = "softplus";  ///< tanh, relu, softplus or sin (smooth for forces)
  bool dissipation = false;   ///< learn the Rayleigh term D
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};

/// The learned H over a GraphBatch of particles; see the file comment.
class HognImpl : public torch::nn::Module {
 public:
  explicit HognImpl(HognOptions options);
  const HognOptions& options() const { return options_; }

  /// Per-graph Hamiltonian. q, p: [N, D]; masses: [N] (> 0); all in the parameters' dtype and
  /// on their device, with N = graph.num_nodes(). Returns [G].
  torch::Tensor energy(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                       const GraphBatch& graph);
  /// Per-graph Rayleigh dissipation D(v): v [N, D] -> [G]; zeros without options.dissipation.
  torch::Tensor dissipation(const torch::Tensor& v, const torch::Tensor& masses,
                            const GraphBatch& graph);
  /// The damping coefficients c_i >= 0: [N] (zeros without options.dissipation).
  torch::Tensor damping(const torch::Tensor& masses, const GraphBatch& graph);
  /// (dq/dt, dp/dt), each [N, D]: Hamilton's equations from autograd, minus dD/dv in dp/dt when
  /// dissipation is on. With create_graph the results stay differentiable in the parameters
  /// (training); without it they are detached (rollouts). Works inside a NoGradGuard.
  std::pair<torch::Tensor, torch::Tensor> time_derivative(const torch::Tensor& q,
                                                          const torch::Tensor& p,
                                                          const torch::Tensor& masses,
                                                          const GraphBatch& graph,
                                                          bool create_graph = false);

 private:
  void check_inputs(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                    const GraphBatch& graph) const;
  HognOptions options_;
  std::vector<GnBlock> processor_;  ///< rounds - 1 message-passing blocks on position inputs
  GnBlock phi_e_{nullptr};       ///< edge energy: a GN block with a 1-wide edge update
  physics::Mlp phi_n_{nullptr};  ///< node (kinetic) energy
  physics::Mlp psi_{nullptr};    ///< log-damping per node (dissipation only)
};
TORCH_MODULE(Hogn);

}  // namespace noether::graph
