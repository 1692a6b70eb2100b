#include "graph/gn.hpp"

#include "noether/error.hpp"

namespace noether::graph {

namespace {

void check_width(const char* what, int64_t v) {
  if (v < 0) throw InvalidInput(std::string("GN block ") + what + " = " + std::to_string(v) + ": must be >= 0");
}

/// Columns [0, width) of t, or an empty [rows, 0] tensor when t is undefined and width is 0.
torch::Tensor columns(const torch::Tensor& t, int64_t rows, int64_t width,
                      const torch::TensorOptions& options, const char* what) {
  if (width == 0) return torch::zeros({rows, 0}, options);
  if (!t.defined() || t.dim() != 2 || t.size(0) != rows || t.size(1) < width)
    throw InvalidInput(std::string("GN: ") + what + " have shape " +
                       (t.defined() ? detail::shape(t) : std::string("undefined")) +
                       "; expected [" + std::to_string(rows) + ", >= " + std::to_string(width) + "]");
  return t.narrow(1, 0, width).to(options.dtype());
}

}  // namespace

void GnBlockOptions::validate() const {
  check_width("node_in", node_in);
  check_width("edge_in", edge_in);
  check_width("global_in", global_in);
  check_width("edge_out", edge_out);
  check_width("node_out", node_out);
  check_width("global_out", global_out);
  if (edge_out == 0 && node_out == 0 && global_out == 0)
    throw InvalidInput("GN block: every output width is 0; the block would do nothing");
  if (hidden < 1) throw InvalidInput("GN block hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("GN block layers = " + std::to_string(layers) + ": must be >= 1");
}

GnBlockImpl::GnBlockImpl(GnBlockOptions options) : options_(std::move(options)) {
  options_.validate();
  const auto& o = options_;
  if (o.edge_out > 0)
    phi_e_ = register_module("phi_e", physics::Mlp(o.edge_in + 2 * o.node_in + o.global_in, o.hidden,
                                                   o.edge_out, o.layers, o.activation, o.last_bias));
  if (o.node_out > 0)
    phi_v_ = register_module("phi_v", physics::Mlp(o.edge_out + o.node_in + o.global_in, o.hidden,
                                                   o.node_out, o.layers, o.activation, o.last_bias));
  if (o.global_out > 0) {
    const int64_t nodes = o.node_out > 0 ? o.node_out : o.node_in;
    phi_u_ = register_module("phi_u", physics::Mlp(o.edge_out + nodes + o.global_in, o.hidden,
                                                   o.global_out, o.layers, o.activation, o.last_bias));
  }
}

torch::Tensor globals_per_edge(const torch::Tensor& globals, const GraphBatch& g) {
  return globals.index_select(0, g.node_to_graph.index_select(0, g.senders()));
}

torch::Tensor globals_per_node(const torch::Tensor& globals, const GraphBatch& g) {
  return globals.index_select(0, g.node_to_graph);
}

torch::Tensor GnBlockImpl::edge_update(const GnLatent& in, const GraphBatch& g) {
  const auto& o = options_;
  if (o.edge_out == 0) throw InvalidInput("GN block: edge_update called on a block without edge output");
  const auto opts = in.nodes.defined() ? in.nodes.options() : in.edges.options();
  const auto e = columns(in.edges, g.num_edges(), o.edge_in, opts, "edge features");
  const auto v = columns(in.nodes, g.num_nodes(), o.node_in, opts, "node features");
  auto [vs, vr] = gather_ends(v, g);
  std::vector<torch::Tensor> parts{e, vs, vr};
  if (o.global_in > 0)
    parts.push_back(globals_per_edge(columns(in.globals, g.num_graphs, o.global_in, opts, "globals"), g));
  return phi_e_->forward(torch::cat(parts, -1));
}

torch::Tensor GnBlockImpl::node_update(const GnLatent& in, const torch::Tensor& edges,
                                       const GraphBatch& g) {
  const auto& o = options_;
  if (o.node_out == 0) throw InvalidInput("GN block: node_update called on a block without node output");
  const auto opts = in.nodes.options();
  std::vector<torch::Tensor> parts;
  if (o.edge_out > 0) parts.push_back(sum_at_receivers(edges, g));
  parts.push_back(columns(in.nodes, g.num_nodes(), o.node_in, opts, "node features"));
  if (o.global_in > 0)
    parts.push_back(globals_per_node(columns(in.globals, g.num_graphs, o.global_in, opts, "globals"), g));
  return phi_v_->forward(torch::cat(parts, -1));
}

torch::Tensor GnBlockImpl::global_update(const GnLatent& in, const torch::Tensor& edges,
                                         const torch::Tensor& nodes, const GraphBatch& g) {
  const auto& o = options_;
  if (o.global_out == 0) throw InvalidInput("GN block: global_update called on a block without global output");
  std::vector<torch::Tensor> parts;
  if (o.edge_out > 0) parts.push_back(sum_edges_per_graph(edges, g));
  parts.push_back(sum_nodes_per_graph(nodes, g));
  if (o.global_in > 0)
    parts.push_back(columns(in.globals, g.num_graphs, o.global_in, nodes.options(), "globals"));
  return phi_u_->forward(torch::cat(parts, -1));
}

GnLatent GnBlockImpl::forward(const GnLatent& in, const GraphBatch& g) {
  const auto& o = options_;
  GnLatent out = in;
  if (o.edge_out > 0) out.edges = edge_update(in, g);
  if (o.node_out > 0) out.nodes = node_update(in, out.edges, g);
  if (o.global_out > 0) {
    const auto nodes = o.node_out > 0 ? out.nodes
                                      : columns(in.nodes, g.num_nodes(), o.node_in, in.nodes.options(), "node features");
    out.globals = global_update(in, out.edges, nodes, g);
  }
  return out;
}

void GnDynamicsOptions::validate() const {
  if (dim < 1) throw InvalidInput("GN model dim = " + std::to_string(dim) + ": must be >= 1");
  if (node_features < 0 || edge_features < 0)
    throw InvalidInput("GN model feature counts must be >= 0");
  if (hidden < 1) throw InvalidInput("GN model hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("GN model layers = " + std::to_string(layers) + ": must be >= 1");
  if (rounds < 1) throw InvalidInput("GN model rounds = " + std::to_string(rounds) + ": must be >= 1");
}

GnDynamicsImpl::GnDynamicsImpl(GnDynamicsOptions options) : options_(std::move(options)) {
  options_.validate();
  const auto& o = options_;
  const int64_t globals_in = o.kind == GnDynamicsKind::kDeltaGn ? 1 : 0;
  for (int64_t r = 0; r < o.rounds; ++r) {
    GnBlockOptions b;
    b.node_in = r == 0 ? o.dim + 1 + o.node_features : o.hidden;
    b.edge_in = r == 0 ? o.dim + 1 + o.edge_features : o.hidden;
    b.global_in = r == 0 ? globals_in : (globals_in > 0 ? o.hidden : 0);
    b.edge_out = o.hidden;
    b.node_out = r + 1 == o.rounds ? 2 * o.dim : o.hidden;
    b.global_out = r + 1 < o.rounds && globals_in > 0 ? o.hidden : 0;
    b.hidden = o.hidden;
    b.layers = o.layers;
    b.activation = o.activation;
    blocks_.push_back(register_module("block" + std::to_string(r), GnBlock(b)));
  }
}

torch::Tensor GnDynamicsImpl::forward(const torch::Tensor& q, const torch::Tensor& p,
                                      const torch::Tensor& masses, const GraphBatch& g, double dt) {
  const auto& o = options_;
  const int64_t n = g.num_nodes();
  if (!q.defined() || q.dim() != 2 || q.size(0) != n || q.size(1) != o.dim || !p.defined() ||
      p.sizes() != q.sizes())
    throw InvalidInput("GN model: q and p must be [" + std::to_string(n) + ", " +
                       std::to_string(o.dim) + "]; got " + (q.defined() ? detail::shape(q) : "undefined"));
  if (!masses.defined() || masses.dim() != 1 || masses.size(0) != n)
    throw InvalidInput("GN model: masses must be [" + std::to_string(n) + "]");
  const auto opts = q.options();
  const auto [qs, qr] = gather_ends(q, g);
  const auto dq = qs - qr;
  const auto dist = dq.pow(2).sum(-1, true).clamp_min(1e-30).sqrt();
  std::vector<torch::Tensor> edge_in{dq, dist};
  if (o.edge_features > 0)
    edge_in.push_back(columns(g.edges, g.num_edges(), o.edge_features, opts, "edge features"));
  std::vector<torch::Tensor> node_in{p, masses.unsqueeze(-1)};
  if (o.node_features > 0)
    node_in.push_back(columns(g.nodes, n, o.node_features, opts, "node features"));
  GnLatent x{torch::cat(node_in, -1), torch::cat(edge_in, -1), torch::zeros({g.num_graphs, 0}, opts)};
  if (o.kind == GnDynamicsKind::kDeltaGn) x.globals = torch::full({g.num_graphs, 1}, dt, opts);
  for (auto& block : blocks_) x = block->forward(x, g);
  return x.nodes;
}

}  // namespace noether::graph
