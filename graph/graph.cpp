#include "graph/graph.hpp"

#include <sstream>
#include <string>

#include "noether/error.hpp"

namespace noether::graph {

std::string detail::shape(const torch::Tensor& t) {
  std::ostringstream os;
  os << t.sizes();
  return os.str();
}

using detail::shape;

namespace {

/// Throws unless every entry of the long tensor `index` lies in [0, size).
void check_range(const torch::Tensor& index, int64_t size, const std::string& what) {
  if (index.numel() == 0) return;
  const int64_t lo = index.min().item<int64_t>();
  const int64_t hi = index.max().item<int64_t>();
  if (lo < 0 || hi >= size) {
    std::ostringstream os;
    os << what << " has indices in [" << lo << ", " << hi << "]; they must lie in [0, " << size
       << ")";
    throw InvalidInput(os.str());
  }
}

void check_edge_index(const torch::Tensor& edge_index, int64_t n, const std::string& which) {
  if (!edge_index.defined()) throw InvalidInput(which + ": edge_index is undefined");
  if (edge_index.dim() != 2 || edge_index.size(0) != 2)
    throw InvalidInput(which + ": edge_index has shape " + shape(edge_index) + "; expected [2, E]");
  if (edge_index.scalar_type() != torch::kLong)
    throw InvalidInput(which + ": edge_index must be int64 (long), not " +
                       std::string(c10::toString(edge_index.scalar_type())));
  check_range(edge_index, n, which + ": edge_index");
}

}  // namespace

void validate(const Graph& g, const std::string& which) {
  if (!g.nodes.defined()) throw InvalidInput(which + ": nodes are undefined");
  if (g.nodes.dim() != 2)
    throw InvalidInput(which + ": nodes have shape " + shape(g.nodes) + "; expected [n, F]");
  if (!g.nodes.is_floating_point()) throw InvalidInput(which + ": nodes must be floating point");
  check_edge_index(g.edge_index, g.nodes.size(0), which);
  if (g.edge_index.device() != g.nodes.device())
    throw InvalidInput(which + ": edge_index and nodes are on different devices");
  if (g.edges.defined()) {
    if (g.edges.dim() != 2 || g.edges.size(0) != g.edge_index.size(1))
      throw InvalidInput(which + ": edges have shape " + shape(g.edges) + "; expected [" +
                         std::to_string(g.edge_index.size(1)) + ", Fe]");
    if (g.edges.scalar_type() != g.nodes.scalar_type() || g.edges.device() != g.nodes.device())
      throw InvalidInput(which + ": edges differ from nodes in dtype or device");
  }
  if (g.globals.defined()) {
    if (!(g.globals.dim() == 1 || (g.globals.dim() == 2 && g.globals.size(0) == 1)))
      throw InvalidInput(which + ": globals have shape " + shape(g.globals) +
                         "; expected [Fg] or [1, Fg]");
    if (g.globals.scalar_type() != g.nodes.scalar_type() || g.globals.device() != g.nodes.device())
      throw InvalidInput(which + ": globals differ from nodes in dtype or device");
  }
}

void GraphBatch::validate() const {
  Graph as_graph{nodes, edge_index, edges, torch::Tensor()};
  ::noether::graph::validate(as_graph, "graph batch");
  if (num_graphs < 1)
    throw InvalidInput("graph batch: num_graphs = " + std::to_string(num_graphs) + "; must be >= 1");
  if (!node_to_graph.defined() || node_to_graph.dim() != 1 ||
      node_to_graph.size(0) != nodes.size(0) || node_to_graph.scalar_type() != torch::kLong)
    throw InvalidInput("graph batch: node_to_graph must be long [" +
                       std::to_string(nodes.size(0)) + "]" +
                       (node_to_graph.defined() ? ", not " + shape(node_to_graph) : ""));
  check_range(node_to_graph, num_graphs, "graph batch: node_to_graph");
  if (node_to_graph.numel() > 1 &&
      (node_to_graph.narrow(0, 1, node_to_graph.size(0) - 1) <
       node_to_graph.narrow(0, 0, node_to_graph.size(0) - 1)).any().item<bool>())
    throw InvalidInput("graph batch: node_to_graph must be non-decreasing");
  if (!globals.defined() || globals.dim() != 2 || globals.size(0) != num_graphs)
    throw InvalidInput("graph batch: globals must have shape [" + std::to_string(num_graphs) +
                       ", Fg]" + (globals.defined() ? ", not " + shape(globals) : ""));
  // Edges may not join two graphs.
  if (num_edges() > 0 &&
      (node_to_graph.index_select(0, senders()) != node_to_graph.index_select(0, receivers()))
          .any()
          .item<bool>())
    throw InvalidInput("graph batch: an edge joins nodes of two different graphs");
}

GraphBatch GraphBatch::to(const torch::Device& device) const {
  GraphBatch b = *this;
  b.nodes = nodes.to(device);
  b.edge_index = edge_index.to(device);
  if (edges.defined()) b.edges = edges.to(device);
  b.globals = globals.to(device);
  b.node_to_graph = node_to_graph.to(device);
  return b;
}

GraphBatch batch(const std::vector<Graph>& graphs) {
  if (graphs.empty()) throw InvalidInput("batch: the list of graphs is empty");
  const Graph& first = graphs.front();
  validate(first, "graph 0");
  const auto opts = first.nodes.options();
  const int64_t f = first.nodes.size(1);
  const bool has_edges = first.edges.defined();
  const bool has_globals = first.globals.defined();
  const int64_t fe = has_edges ? first.edges.size(1) : 0;
  const int64_t fg = has_globals ? first.globals.numel() : 0;

  std::vector<torch::Tensor> nodes, index, edges, globals, owner;
  int64_t offset = 0;
  for (std::size_t k = 0; k < graphs.size(); ++k) {
    const Graph& g = graphs[k];
    const std::string which = "graph " + std::to_string(k);
    if (k > 0) validate(g, which);
    if (g.nodes.scalar_type() != opts.dtype().toScalarType() || g.nodes.device() != opts.device())
      throw InvalidInput(which + ": nodes differ from graph 0 in dtype or device");
    if (g.nodes.size(1) != f)
      throw InvalidInput(which + " has " + std::to_string(g.nodes.size(1)) +
                         " node features; graph 0 has " + std::to_string(f));
    if (g.edges.defined() != has_edges || (has_edges && g.edges.size(1) != fe))
      throw InvalidInput(which + ": edge features differ from graph 0 (present or width)");
    if (g.globals.defined() != has_globals || (has_globals && g.globals.numel() != fg))
      throw InvalidInput(which + ": globals differ from graph 0 (present or width)");
    const int64_t n = g.nodes.size(0);
    nodes.push_back(g.nodes);
    index.push_back(g.edge_index + offset);
    if (has_edges) edges.push_back(g.edges);
    globals.push_back(has_globals ? g.globals.reshape({1, fg}) : torch::zeros({1, 0}, opts));
    owner.push_back(torch::full({n}, static_cast<int64_t>(k), opts.dtype(torch::kLong)));
    offset += n;
  }
  GraphBatch b;
  b.nodes = torch::cat(nodes, 0);
  b.edge_index = torch::cat(index, 1);
  if (has_edges) b.edges = torch::cat(edges, 0);
  b.globals = torch::cat(globals, 0);
  b.node_to_graph = torch::cat(owner, 0);
  b.num_graphs = static_cast<int64_t>(graphs.size());
  return b;
}

torch::Tensor fully_connected(int64_t n, const torch::TensorOptions& options) {
  if (n < 0) throw InvalidInput("fully_connected: n = " + std::to_string(n) + "; must be >= 0");
  const auto idx = torch::arange(n, options.dtype(torch::kLong));
  const auto s = idx.repeat_interleave(n);
  const auto r = idx.repeat({n});
  const auto keep = s != r;
  return torch::stack({s.masked_select(keep), r.masked_select(keep)}, 0);
}

torch::Tensor scatter_sum(const torch::Tensor& src, const torch::Tensor& index, int64_t size) {
  if (!src.defined() || !index.defined()) throw InvalidInput("scatter_sum: undefined tensor");
  if (src.dim() < 1)
    throw InvalidInput("scatter_sum: src has shape " + shape(src) + "; expected [E, ...]");
  if (index.dim() != 1 || index.size(0) != src.size(0))
    throw InvalidInput("scatter_sum: index has shape " + shape(index) + "; expected [" +
                       std::to_string(src.size(0)) + "] to match src " + shape(src));
  if (index.scalar_type() != torch::kLong)
    throw InvalidInput("scatter_sum: index must be int64 (long), not " +
                       std::string(c10::toString(index.scalar_type())));
  if (index.device() != src.device())
    throw InvalidInput("scatter_sum: index and src are on different devices");
  if (size < 0) throw InvalidInput("scatter_sum: size = " + std::to_string(size) + "; must be >= 0");
  check_range(index, size, "scatter_sum: index");
  return sum_into(src, index, size);
}

torch::Tensor sum_into(const torch::Tensor& src, const torch::Tensor& index, int64_t size) {
  auto out_shape = src.sizes().vec();
  out_shape[0] = size;
  return add_into(torch::zeros(out_shape, src.options()), src, index);
}

torch::Tensor add_into(const torch::Tensor& into, const torch::Tensor& src, const torch::Tensor& index) {
  return into.index_add(0, index, src);
}

std::pair<torch::Tensor, torch::Tensor> gather_ends(const torch::Tensor& x, const GraphBatch& g) {
  return {x.index_select(0, g.senders()), x.index_select(0, g.receivers())};
}

torch::Tensor linear_on_ends(const torch::nn::LinearImpl& layer, const torch::Tensor& x, const torch::Tensor& edge_features,
                             const GraphBatch& g) {
  const int64_t f = x.size(1), b = edge_features.size(1);
  const auto& w = layer.weight;  // [out, 2f + b]
  if (w.size(1) != 2 * f + b)
    throw InvalidInput("linear_on_ends: the layer takes " + std::to_string(w.size(1)) + " inputs, not 2 x " +
                       std::to_string(f) + " node + " + std::to_string(b) + " edge features");
  const int64_t out = w.size(0);
  // [N, 2 out]: each node's contribution as a sender (first half) and as a receiver (second).
  const auto ends = torch::mm(x, torch::cat({w.narrow(1, 0, f), w.narrow(1, f, f)}, 0).t());
  auto edge = layer.bias.defined() ? torch::addmm(layer.bias, edge_features, w.narrow(1, 2 * f, b).t())
                                    : torch::mm(edge_features, w.narrow(1, 2 * f, b).t());
  return edge + ends.narrow(1, 0, out).index_select(0, g.senders()) +
         ends.narrow(1, out, out).index_select(0, g.receivers());
}

torch::Tensor sum_at_receivers(const torch::Tensor& messages, const GraphBatch& g) {
  return sum_into(messages, g.receivers(), g.num_nodes());
}

torch::Tensor sum_nodes_per_graph(const torch::Tensor& node_values, const GraphBatch& g) {
  return sum_into(node_values, g.node_to_graph, g.num_graphs);
}

torch::Tensor sum_edges_per_graph(const torch::Tensor& edge_values, const GraphBatch& g) {
  return sum_into(edge_values, g.edge_to_graph(), g.num_graphs);
}

}  // namespace noether::graph
