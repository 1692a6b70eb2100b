// graph/gn.hpp: graph-network blocks (Battaglia et al. 2018) with sum aggregation, and the two
// non-Hamiltonian particle models of Sanchez-Gonzalez et al. 2019: OGN (the network outputs the
// time derivatives) and DeltaGN (the network outputs the state change over one step).
//
//   using namespace noether::graph;
//   GnBlockOptions b; b.node_in = 3; b.edge_in = 3; b.node_out = 16; b.edge_out = 16;
//   GnBlock block(b);
//   GnLatent out = block->forward({v, e, u}, graph);      // v [N, 3], e [E, 3], u [G, 0]
//
//   GnDynamicsOptions o; o.kind = GnDynamicsKind::kOgn; o.dim = 2; o.node_features = 1;
//   GnDynamics ogn(o);  ogn->to(torch::kFloat64);
//   torch::Tensor out = ogn->forward(q, p, masses, graph, /*dt=*/0.1);   // [N, 2 D]
//
// A GN block maps (v, e, u) to (v', e', u'):
//   e'_k = phi_e([e_k, v_{s_k}, v_{r_k}, u_{g_k}])            edge update
//   v'_i = phi_v([sum_{k: r_k = i} e'_k, v_i, u_{g_i}])      node update (sum over incoming edges)
//   u'_g = phi_u([sum_{k in g} e'_k, sum_{i in g} v'_i, u_g]) global update
// The gathers and sums are graph.hpp's message-passing helpers (gather_ends, sum_at_receivers,
// sum_*_per_graph), so they run on the tensors' device and are differentiable. Any of the three updates can be switched off by an output width of 0.
//
// GnDynamics stacks `rounds` blocks (message passing): edges start from the relative positions
// q_s - q_r and distances (plus optional edge features), nodes from p_i, m_i (plus optional node
// features), globals from dt (DeltaGN only). No absolute position enters, so every model here is
// translation invariant and permutation equivariant. HOGN (graph/hogn.hpp) uses the same blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "graph/graph.hpp"
#include "physics/models/model.hpp"

namespace noether::graph {

/// Node, edge and global features of a batch: [N, Fv], [E, Fe], [G, Fu] (a width may be 0).
struct GnLatent {
  torch::Tensor nodes, edges, globals;
};

struct GnBlockOptions {
  int64_t node_in = 0, edge_in = 0, global_in = 0;
  int64_t edge_out = 0;    ///< > 0: the edge update runs (its output feeds the node update)
  int64_t node_out = 0;    ///< 0: no node update (v' = v)
  int64_t global_out = 0;  ///< 0: no global update (u' = u)
  int64_t hidden = 64;     ///< hidden width of each MLP
  int64_t layers = 2;      ///< hidden layers of each MLP
  std::string activation = "softplus";
  bool last_bias = true;   ///< output-layer bias (off for energies, defined up to a constant)
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};

/// One GN block with sum aggregation; see the file comment.
class GnBlockImpl : public torch::nn::Module {
 public:
  explicit GnBlockImpl(GnBlockOptions options);
  const GnBlockOptions& options() const { return options_; }
  /// The full block: edge, node and global updates in turn.
  GnLatent forward(const GnLatent& in, const GraphBatch& graph);
  /// e' [E, edge_out] from in.edges, in.nodes (sender and receiver rows) and in.globals.
  torch::Tensor edge_update(const GnLatent& in, const GraphBatch& graph);
  /// v' [N, node_out] from the per-receiver sum of `edges` (e'), in.nodes and in.globals.
  torch::Tensor node_update(const GnLatent& in, const torch::Tensor& edges, const GraphBatch& graph);
  /// u' [G, global_out] from per-graph sums of `edges` and `nodes`, and in.globals.
  torch::Tensor global_update(const GnLatent& in, const torch::Tensor& edges,
                              const torch::Tensor& nodes, const GraphBatch& graph);

 private:
  GnBlockOptions options_;
  physics::Mlp phi_e_{nullptr}, phi_v_{nullptr}, phi_u_{nullptr};
};
TORCH_MODULE(GnBlock);

/// The per-graph global of each edge (that of its sender) and each node, as rows of `globals`.
torch::Tensor globals_per_edge(const torch::Tensor& globals, const GraphBatch& graph);
torch::Tensor globals_per_node(const torch::Tensor& globals, const GraphBatch& graph);

enum class GnDynamicsKind { kOgn, kDeltaGn };

struct GnDynamicsOptions {
  GnDynamicsKind kind = GnDynamicsKind::kOgn;
  int64_t dim = 2;            ///< D
  int64_t node_features = 0;  ///< F: columns of GraphBatch::nodes used
  int64_t edge_features = 0;  ///< Fe: columns of GraphBatch::edges used
  int64_t hidden = 64;        ///< MLP width and latent width between rounds
  int64_t layers = 2;         ///< hidden layers per MLP
  int64_t rounds = 2;         ///< message-passing rounds (GN blocks), >= 1
  std::string activation = "softplus";
  void validate() const;
};

/// OGN or DeltaGN: rounds of GN blocks whose last node update gives 2 D numbers per particle.
class GnDynamicsImpl : public torch::nn::Module {
 public:
  explicit GnDynamicsImpl(GnDynamicsOptions options);
  const GnDynamicsOptions& options() const { return options_; }
  /// q, p: [N, D]; masses: [N]; all in the parameters' dtype and device. dt is read by DeltaGN
  /// only (a global input). Returns [N, 2 D]: (dq/dt, dp/dt) for OGN, (dq, dp) over dt for DeltaGN.
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                        const GraphBatch& graph, double dt = 0.0);

 private:
  GnDynamicsOptions options_;
  std::vector<GnBlock> blocks_;
};
TORCH_MODULE(GnDynamics);

}  // namespace noether::graph
