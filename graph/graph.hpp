// graph/graph.hpp: graphs on torch tensors, batched into one disjoint union.
//
//   using namespace noether::graph;
//   Graph a{torch::ones({3, 1}, torch::kFloat64), fully_connected(3)};   // 3 nodes, 6 edges
//   Graph b{torch::ones({5, 1}, torch::kFloat64), fully_connected(5)};
//   GraphBatch g = batch({a, b});          // 8 nodes, 26 edges, node_to_graph = [0 0 0 1 1 1 1 1]
//   torch::Tensor per_node = scatter_sum(messages, g.receivers(), g.num_nodes());   // [8, F]
//
//   // One message-passing round (what GnBlock, HOGN and the conformation engine are built from):
//   auto [hs, hr] = gather_ends(h, g);                       // [26, F] each: sender, receiver rows
//   torch::Tensor incoming = sum_at_receivers(phi(torch::cat({hs, hr}, 1)), g);   // [8, F']
//   torch::Tensor per_graph = sum_nodes_per_graph(energy_per_node, g);            // [2]
//
// Edges are directed: edge_index[0] holds the senders, edge_index[1] the receivers. Batching
// offsets each graph's edge indices by the number of nodes before it, so the batch is one graph
// whose connected parts are the input graphs. Every tensor stays on the device of the inputs.
//
// scatter_sum checks its index (a host sync); sum_into, add_into and the message-passing helpers
// do not, and serve the hot loops over index tensors a batch built itself. All of them are
// index_add underneath, so on the CPU rows are added in index order and a result is reproducible
// to the bit.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace noether::graph {

/// One graph. Shapes: nodes [n, F] (F may be 0), edge_index [2, e] long (sender, receiver),
/// edges [e, Fe] or undefined, globals [Fg] or [1, Fg] or undefined.
struct Graph {
  torch::Tensor nodes;
  torch::Tensor edge_index;
  torch::Tensor edges;    ///< optional per-edge features
  torch::Tensor globals;  ///< optional per-graph features
};

/// Many graphs of different sizes as one disjoint union.
struct GraphBatch {
  torch::Tensor nodes;          ///< [N, F], float
  torch::Tensor edge_index;     ///< [2, E] long, indices into [0, N)
  torch::Tensor edges;          ///< [E, Fe] or undefined
  torch::Tensor globals;        ///< [G, Fg] (Fg = 0 when the graphs carry none)
  torch::Tensor node_to_graph;  ///< [N] long, non-decreasing, values in [0, G)
  int64_t num_graphs = 0;       ///< G

  int64_t num_nodes() const { return nodes.size(0); }
  int64_t num_edges() const { return edge_index.size(1); }
  torch::Tensor senders() const { return edge_index[0]; }    ///< [E] long
  torch::Tensor receivers() const { return edge_index[1]; }  ///< [E] long
  /// The graph of each edge (that of its sender): [E] long.
  torch::Tensor edge_to_graph() const { return node_to_graph.index_select(0, senders()); }
  /// Checks every shape, dtype, device and index range; throws InvalidInput naming the problem.
  /// Reads index ranges back to the host (a device sync on the GPU).
  void validate() const;
  /// The same batch with every tensor moved to `device`.
  GraphBatch to(const torch::Device& device) const;
};

/// Checks one graph as batch() does; `which` names it in the message ("graph 2").
void validate(const Graph& graph, const std::string& which = "graph");

/// The disjoint union of `graphs`, with edge indices offset per graph. All graphs must agree on
/// dtype, device, F, and on whether they carry edge features (same Fe) and globals (same Fg).
/// Throws InvalidInput for an empty list or any inconsistent or malformed graph.
GraphBatch batch(const std::vector<Graph>& graphs);

/// Directed edges of the complete graph on n nodes without self loops: [2, n (n - 1)] long,
/// ordered by sender, then receiver. `options` gives the device (its dtype is replaced by long).
torch::Tensor fully_connected(int64_t n, const torch::TensorOptions& options = {});

/// out[k] = sum of src[e] over the e with index[e] == k. src: [E] or [E, ...]; index: [E] long on
/// src's device with values in [0, size); returns [size, ...] in src's dtype and device.
/// Differentiable in src (index_add). Throws InvalidInput for bad shapes or out-of-range indices.
torch::Tensor scatter_sum(const torch::Tensor& src, const torch::Tensor& index, int64_t size);

/// scatter_sum without its checks, for index tensors a batch built itself (no host sync, so it
/// stays asynchronous on the GPU): src [K, ...], index [K] long with values in [0, size) ->
/// [size, ...] in src's dtype and device. Differentiable in src.
torch::Tensor sum_into(const torch::Tensor& src, const torch::Tensor& index, int64_t size);

/// `into` [S, ...] with the rows of src [K, ...] added at rows `index` [K] (long, in [0, S)):
/// out[index[k]] += src[k] for k = 0, 1, ... in turn; unchecked like sum_into. A sum that several
/// parts add to (forces from pairs, then from angles) chains it, which keeps the order of the
/// additions, and so the result's bits, fixed on the CPU. Differentiable in into and src.
torch::Tensor add_into(const torch::Tensor& into, const torch::Tensor& src, const torch::Tensor& index);

/// The rows of a per-node tensor x [N, ...] at every edge's sender and receiver: {x_s, x_r},
/// each [E, ...] (index_select; differentiable). The inputs of a message function.
std::pair<torch::Tensor, torch::Tensor> gather_ends(const torch::Tensor& x, const GraphBatch& graph);

/// A linear layer on every edge's [x_s, x_r, edge_features] (weight [out, 2F + B] for x [N, F] and
/// edge_features [E, B]): layer.forward(cat({x_s, x_r, edge_features}, 1)), [E, out], taken apart.
/// The sender and receiver blocks of the weight are applied once per node in one product and
/// their rows gathered, so only the B edge-feature columns cost a product per edge: with about
/// two edges per node, half the work of the concatenated input and no [E, 2F + B] copy. The same
/// function up to round-off; differentiable in x, edge_features and the layer's parameters.
torch::Tensor linear_on_ends(const torch::nn::LinearImpl& layer, const torch::Tensor& x, const torch::Tensor& edge_features,
                             const GraphBatch& graph);

/// Per-edge messages [E, ...] summed at their receivers: [N, ...] (the aggregation of a
/// message-passing round; sum_into, unchecked).
torch::Tensor sum_at_receivers(const torch::Tensor& messages, const GraphBatch& graph);

/// Per-node values [N, ...] summed per graph: [G, ...] (sum_into over node_to_graph).
torch::Tensor sum_nodes_per_graph(const torch::Tensor& node_values, const GraphBatch& graph);

/// Per-edge values [E, ...] summed per graph (that of each edge's sender): [G, ...].
torch::Tensor sum_edges_per_graph(const torch::Tensor& edge_values, const GraphBatch& graph);

namespace detail {
/// "[3, 2]": a tensor's shape for error messages.
std::string shape(const torch::Tensor& t);
}  // namespace detail

}  // namespace noether::graph
