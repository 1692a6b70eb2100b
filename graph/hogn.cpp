#include "graph/hogn.hpp"

#include <sstream>

#include "noether/error.hpp"
#include "physics/models/field.hpp"

namespace noether::graph {

using detail::shape;

void HognOptions::validate() const {
  if (dim < 1) throw InvalidInput("HOGN dim = " + std::to_string(dim) + ": must be >= 1");
  if (node_features < 0)
    throw InvalidInput("HOGN node_features = " + std::to_string(node_features) + ": must be >= 0");
  if (edge_features < 0)
    throw InvalidInput("HOGN edge_features = " + std::to_string(edge_features) + ": must be >= 0");
  if (hidden < 1) throw InvalidInput("HOGN hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("HOGN layers = " + std::to_string(layers) + ": must be >= 1");
  if (rounds < 1) throw InvalidInput("HOGN rounds = " + std::to_string(rounds) + ": must be >= 1");
  if (activation != "tanh" && activation != "relu" && activation != "softplus" && activation != "sin")
    throw InvalidInput("unknown HOGN activation '" + activation + "'; known: tanh, relu, softplus, sin");
}

HognImpl::HognImpl(HognOptions options) : options_(std::move(options)) {
  options_.validate();
  const auto& o = options_;
  const int64_t edge_raw = o.dim + 1 + o.edge_features, node_raw = 1 + o.node_features;
  for (int64_t r = 0; r + 1 < o.rounds; ++r) {
    GnBlockOptions b;
    b.edge_in = r == 0 ? edge_raw : o.hidden;
    b.node_in = r == 0 ? node_raw : o.hidden;
    b.edge_out = b.node_out = o.hidden;
    b.hidden = o.hidden;
    b.layers = o.layers;
    b.activation = o.activation;
    processor_.push_back(register_module("block" + std::to_string(r), GnBlock(b)));
  }
  GnBlockOptions e;
  e.edge_in = o.rounds > 1 ? o.hidden : edge_raw;
  e.node_in = o.rounds > 1 ? o.hidden : node_raw;
  e.edge_out = 1;
  e.hidden = o.hidden;
  e.layers = o.layers;
  e.activation = o.activation;
  e.last_bias = false;  // H is defined up to a constant
  phi_e_ = register_module("edge_energy", GnBlock(e));
  phi_n_ = register_module(
      "phi_n", physics::Mlp(o.dim + 1 + o.node_features, o.hidden, 1, o.layers, o.activation, false));
  if (o.dissipation)
    psi_ = register_module("psi", physics::Mlp(1 + o.node_features, o.hidden, 1, o.layers,
                                               o.activation, true));
}

void HognImpl::check_inputs(const torch::Tensor& q, const torch::Tensor& p,
                            const torch::Tensor& masses, const GraphBatch& g) const {
  const auto& o = options_;
  if (!q.defined() || !p.defined() || !masses.defined())
    throw InvalidInput("HOGN: q, p and masses must be defined");
  if (!g.nodes.defined() || !g.edge_index.defined() || !g.node_to_graph.defined())
    throw InvalidInput("HOGN: the graph batch is incomplete (build it with batch())");
  const int64_t n = g.num_nodes();
  if (q.dim() != 2 || q.size(0) != n || q.size(1) != o.dim)
    throw InvalidInput("HOGN: q has shape " + shape(q) + "; expected [" + std::to_string(n) +
                       ", " + std::to_string(o.dim) + "] (nodes of the batch, dim)");
  if (p.sizes() != q.sizes())
    throw InvalidInput("HOGN: p has shape " + shape(p) + "; expected that of q " + shape(q));
  if (masses.dim() != 1 || masses.size(0) != n)
    throw InvalidInput("HOGN: masses have shape " + shape(masses) + "; expected [" +
                       std::to_string(n) + "]");
  if (g.nodes.size(1) < o.node_features)
    throw InvalidInput("HOGN: the batch has " + std::to_string(g.nodes.size(1)) +
                       " node features; the model uses " + std::to_string(o.node_features));
  if (o.edge_features > 0 && (!g.edges.defined() || g.edges.size(1) < o.edge_features))
    throw InvalidInput("HOGN: the model uses " + std::to_string(o.edge_features) +
                       " edge features; the batch has " +
                       (g.edges.defined() ? std::to_string(g.edges.size(1)) : std::string("none")));
  const auto& w = phi_n_->linears().front()->weight;
  const auto dtype = w.scalar_type();
  const auto device = w.device();
  for (const auto* t : {&q, &p, &masses})
    if (t->scalar_type() != dtype || t->device() != device)
      throw InvalidInput(std::string("HOGN: q, p and masses must be ") + c10::toString(dtype) +
                         " on " + device.str() + " like the model's parameters");
  if (g.edge_index.device() != device || g.node_to_graph.device() != device)
    throw InvalidInput("HOGN: the graph batch is not on the model's device " + device.str());
}

torch::Tensor HognImpl::energy(const torch::Tensor& q, const torch::Tensor& p,
                               const torch::Tensor& masses, const GraphBatch& g) {
  check_inputs(q, p, masses, g);
  const auto& o = options_;
  const auto m = masses.unsqueeze(-1);                       // [N, 1]
  const auto x = g.nodes.narrow(1, 0, o.node_features).to(q.scalar_type());  // [N, F]
  const auto [qs, qr] = gather_ends(q, g);
  const auto dq = qs - qr;                                    // [E, D]
  // |dq| with a clamp so that a zero separation gives a zero (not NaN) gradient.
  const auto dist = dq.pow(2).sum(-1, true).clamp_min(1e-30).sqrt();  // [E, 1]
  std::vector<torch::Tensor> edge_in{dq, dist};
  if (o.edge_features > 0) edge_in.push_back(g.edges.narrow(1, 0, o.edge_features).to(q.scalar_type()));
  GnLatent latent{torch::cat({m, x}, -1), torch::cat(edge_in, -1), {}};
  for (auto& block : processor_) latent = block->forward(latent, g);
  const auto e_edge = phi_e_->edge_update(latent, g).squeeze(-1);  // [E]
  std::vector<torch::Tensor> node_in{p, m};
  if (o.node_features > 0) node_in.push_back(x);
  const auto e_node = phi_n_->forward(torch::cat(node_in, -1)).squeeze(-1);  // [N]
  return sum_edges_per_graph(e_edge, g) + sum_nodes_per_graph(e_node, g);
}

torch::Tensor HognImpl::damping(const torch::Tensor& masses, const GraphBatch& g) {
  if (!options_.dissipation) return torch::zeros({masses.size(0)}, masses.options());
  std::vector<torch::Tensor> in{masses.unsqueeze(-1)};
  if (options_.node_features > 0)
    in.push_back(g.nodes.narrow(1, 0, options_.node_features).to(masses.scalar_type()));
  return torch::softplus(psi_->forward(torch::cat(in, -1)).squeeze(-1));  // [N], >= 0
}

torch::Tensor HognImpl::dissipation(const torch::Tensor& v, const torch::Tensor& masses,
                                    const GraphBatch& g) {
  check_inputs(v, v, masses, g);
  const auto c = damping(masses, g);
  return sum_nodes_per_graph(c * v.pow(2).sum(-1), g);
}

std::pair<torch::Tensor, torch::Tensor> HognImpl::time_derivative(const torch::Tensor& q,
                                                                  const torch::Tensor& p,
                                                                  const torch::Tensor& masses,
                                                                  const GraphBatch& g,
                                                                  bool create_graph) {
  check_inputs(q, p, masses, g);
  physics::RayleighFn rayleigh;
  // D is quadratic in v with non-negative coefficients; dD/dv by autograd keeps the Rayleigh form
  // in one place (dissipation()).
  if (options_.dissipation) rayleigh = [&](const torch::Tensor& v) { return dissipation(v, masses, g); };
  return physics::hamiltonian_field(
      [&](const torch::Tensor& qq, const torch::Tensor& pp) { return energy(qq, pp, masses, g); }, q, p,
      create_graph, rayleigh);
}

}  // namespace noether::graph
