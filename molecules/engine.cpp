// molecules/engine.cpp: encoder, learned pair potential and the damped leapfrog relaxation, on
// graph/'s batch and scatter sums.
#include "molecules/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "graph/graph.hpp"
#include "integrators/leapfrog.hpp"
#include "noether/error.hpp"
#include "physics/torch_state.hpp"

namespace noether::molecules {

namespace {
using detail::kChiralMargin;
using detail::kCisMargin;
using detail::kSpeedLimit;

// Chiral volumes [C] of the rows {centre, a, b, c} of `quads` and their gradients with respect to
// a, b and c ([C, 3] each; the centre's is minus their sum).
std::pair<torch::Tensor, std::array<torch::Tensor, 3>> chiral_volumes(const torch::Tensor& q,
                                                                        const torch::Tensor& quads) {
  const auto c = q.index_select(0, quads.select(1, 0));
  const auto va = q.index_select(0, quads.select(1, 1)) - c, vb = q.index_select(0, quads.select(1, 2)) - c,
             vc = q.index_select(0, quads.select(1, 3)) - c;
  const auto bxc = torch::linalg_cross(vb, vc, 1);
  return {(va * bxc).sum(1), {bxc, torch::linalg_cross(vc, va, 1), torch::linalg_cross(va, vb, 1)}};
}

// u = (a - b).(d - c) [D] over the rows {a, b, c, d} of `quads`, and du/da, du/dd ([D, 3]).
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> cis_products(const torch::Tensor& q,
                                                                     const torch::Tensor& quads) {
  const auto ab = q.index_select(0, quads.select(1, 0)) - q.index_select(0, quads.select(1, 1));
  const auto dc = q.index_select(0, quads.select(1, 3)) - q.index_select(0, quads.select(1, 2));
  return {(ab * dc).sum(1), dc, ab};
}

// The one-sided stereo wall k relu(margin - sign value)^2 per entry and its derivative with
// respect to the value.
std::pair<torch::Tensor, torch::Tensor> stereo_wall(double k, const torch::Tensor& value, const torch::Tensor& sign,
                                                    double margin) {
  const auto gap = torch::relu(margin - sign * value);
  return {k * gap.pow(2), -2.0 * k * sign * gap};
}

using detail::BatchView;
using detail::FusedParameters;
using detail::normal_draws;
using detail::perturb_fused;
using detail::relax_fused;

// A view of b's arrays; `keep` holds the contiguous CPU copies it points into.
BatchView view_of(const MolBatch& b, std::vector<torch::Tensor>& keep) {
  auto f32 = [&](const torch::Tensor& t) { return keep.emplace_back(t.to(torch::kCPU, torch::kFloat).contiguous()).data_ptr<float>(); };
  auto i64 = [&](const torch::Tensor& t) { return keep.emplace_back(t.to(torch::kCPU, torch::kLong).contiguous()).data_ptr<int64_t>(); };
  const auto& g = b.graph;
  BatchView v;
  v.atoms = g.num_nodes(), v.bonds = g.edge_index.size(1), v.pairs = b.pairs.size(1), v.molecules = g.num_graphs;
  v.chirals = b.chiral.size(0), v.double_bonds = b.cis_trans.size(0);
  v.atom_features = g.nodes.size(1), v.bond_features = g.edges.size(1);
  v.nodes = f32(g.nodes), v.edges = f32(g.edges), v.init = f32(b.init);
  v.senders = i64(g.edge_index), v.receivers = v.senders + v.bonds;
  v.pi = i64(b.pairs), v.pj = v.pi + v.pairs, v.hops = i64(b.pair_hops);
  v.local = i64(b.local), v.node_graph = i64(g.node_to_graph);
  v.chiral = i64(b.chiral), v.chiral_graph = i64(b.chiral_graph), v.chiral_sign = f32(b.chiral_sign);
  v.cis_trans = i64(b.cis_trans), v.cis_sign = f32(b.cis_sign);
  v.rotatable = &b.rotatable, v.moving = &b.moving, v.rotatable_key = &b.rotatable_key;
  return v;
}

// detail::turn_torsions (fused_engine.hpp) on a tensor, in double whatever its dtype and device.
void turn_torsions(const MolBatch& b, torch::Tensor& q, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto x = q.to(torch::kCPU, torch::kDouble).contiguous();
  detail::turn_torsions(b.rotatable, b.moving, b.rotatable_key, x.data_ptr<double>(), seed);
  q = x.to(q.options());
}

bool fusable(const torch::nn::Module& module) {
  for (const auto& t : module.parameters())
    if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat || !t.is_contiguous()) return false;
  return true;
}

// A copy of the values at `data` (float or int64, row-major) as a tensor of `shape`.
template <class T>
torch::Tensor tensor_of(const T* data, torch::IntArrayRef shape) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, int64_t>, "float or int64 values");
  auto t = torch::empty(shape, std::is_same_v<T, float> ? torch::kFloat : torch::kLong);
  if (t.numel()) std::memcpy(t.data_ptr(), data, sizeof(T) * static_cast<std::size_t>(t.numel()));
  return t;
}

// [n] of a vector; [rows, cols] of a row-major array.
template <class T>
torch::Tensor tensor_of(const std::vector<T>& v) {
  return tensor_of(v.data(), {static_cast<int64_t>(v.size())});
}
template <class Rows>
torch::Tensor tensor_of(const Eigen::PlainObjectBase<Rows>& m) {
  static_assert(Rows::IsRowMajor, "a row-major array");
  return tensor_of(m.data(), {m.rows(), m.cols()});
}

torch::nn::Sequential mlp(int64_t in, int64_t hidden, int64_t out) {
  return torch::nn::Sequential(torch::nn::Linear(in, hidden), torch::nn::SiLU(),
                               torch::nn::Linear(hidden, out));
}
}  // namespace

MolBatch MolBatch::to(torch::Device device) const {
  MolBatch b = *this;
  b.graph = graph.to(device);
  for (auto* t : {&b.local, &b.pairs, &b.pair_graph, &b.pair_hops, &b.init, &b.chiral, &b.chiral_sign,
                  &b.chiral_graph, &b.cis_trans, &b.cis_sign, &b.cis_graph})
    *t = t->to(device);
  return b;
}

MolBatch make_batch(const std::vector<const MolGraph*>& graphs) {
  const PlainBatch p = make_plain_batch(graphs);  // the molecule tables, as arrays
  MolBatch b;
  std::vector<graph::Graph> bond_graphs;
  for (const auto* g : graphs)
    bond_graphs.push_back({tensor_of(g->atom_features), tensor_of(g->edge_index), tensor_of(g->edge_features), torch::Tensor()});
  b.graph = graph::batch(bond_graphs);
  b.init = tensor_of(p.init);
  b.chiral = tensor_of(p.chiral);
  b.chiral_sign = tensor_of(p.chiral_sign);
  b.chiral_graph = tensor_of(p.chiral_graph);
  b.cis_trans = tensor_of(p.cis_trans);
  b.cis_sign = tensor_of(p.cis_sign);
  b.cis_graph = tensor_of(p.cis_graph);
  b.local = tensor_of(p.local);
  b.pairs = torch::stack({tensor_of(p.pi), tensor_of(p.pj)});
  b.pair_graph = tensor_of(p.pair_graph);
  b.pair_hops = tensor_of(p.hops);
  b.rotatable = p.rotatable;
  b.moving = p.moving;
  b.rotatable_key = p.rotatable_key;
  return b;
}

struct ConformerEngineImpl::Parameters {
  torch::Tensor mass, inv_mass, damping;  // [N, 1]
  torch::Tensor rest, stiffness;    // [P] spring (stiffness 0 beyond bonded_hops)
  torch::Tensor contact, repulsion; // [P] one-sided wall: repulsion * relu(contact - r)^2
  torch::Tensor q0, p0;             // [N, 3]
};

ConformerEngineImpl::ConformerEngineImpl(EngineOptions options) : options_(options) {
  options_.validate();
  const int64_t h = options_.hidden;
  embed_ = register_module("embed", torch::nn::Linear(kAtomFeatures, h));
  edge_mlps_ = register_module("edge_mlps", torch::nn::ModuleList());
  node_mlps_ = register_module("node_mlps", torch::nn::ModuleList());
  for (int64_t r = 0; r < options_.rounds; ++r) {
    edge_mlps_->push_back(mlp(2 * h + kBondFeatures, h, h));
    node_mlps_->push_back(mlp(2 * h, h, h));
  }
  atom_head_ = register_module("atom_head", mlp(h, h, 2));          // mass, friction
  // rest length, stiffness, contact distance, repulsion strength
  pair_head_ = register_module("pair_head", mlp(2 * h + kMaxHops + 1, h, 4));
  shift_head_ = register_module("shift_head", mlp(2 * h + kBondFeatures, h, 2));  // q0, p0 weights
}

ConformerEngineImpl::Parameters ConformerEngineImpl::encode(const MolBatch& b) {
  if (fused(b)) {  // the same, as arrays
    std::vector<torch::Tensor> keep;
    const auto f = encode_fused(view_of(b, keep));
    const int64_t n = b.num_atoms();
    Parameters s;
    s.mass = tensor_of(f.mass.data(), {n, 1}), s.inv_mass = tensor_of(f.inv_mass.data(), {n, 1});
    s.damping = tensor_of(f.damping.data(), {n, 1});
    s.rest = tensor_of(f.rest), s.stiffness = tensor_of(f.stiffness), s.contact = tensor_of(f.contact),
    s.repulsion = tensor_of(f.repulsion);
    s.q0 = tensor_of(f.q0.data(), {n, 3}), s.p0 = tensor_of(f.p0.data(), {n, 3});
    return s;
  }
  const auto& g = b.graph;
  // Message passing over the bonds: m_k = edge_mlp([h_s, h_r, bond_k]), h_i += node_mlp([h_i, sum of
  // m_k over the bonds k into i]).
  // Every edge MLP's first layer (and the shift head's) is applied as graph::linear_on_ends: per
  // atom for its h_s and h_r blocks, per bond only for the bond features (mlp(): Linear, SiLU,
  // Linear).
  const auto on_edges = [&](torch::nn::SequentialImpl& mlp, const torch::Tensor& x) {
    return mlp[2]->as<torch::nn::Linear>()->forward(
        torch::silu(graph::linear_on_ends(*mlp[0]->as<torch::nn::Linear>(), x, g.edges, g)));
  };
  auto h = embed_->forward(g.nodes);
  for (int64_t r = 0; r < options_.rounds; ++r) {
    const auto msg = on_edges(*edge_mlps_[r]->as<torch::nn::Sequential>(), h);
    const auto agg = graph::sum_at_receivers(msg, g);
    h = h + node_mlps_[r]->as<torch::nn::Sequential>()->forward(torch::cat({h, agg}, 1));
  }
  Parameters s;
  const auto atom = atom_head_->forward(h);
  s.mass = torch::nn::functional::softplus(atom.select(1, 0)).add(0.5).unsqueeze(1);
  s.inv_mass = 1.0 / s.mass;
  s.damping = torch::exp(-options_.dt * torch::nn::functional::softplus(atom.select(1, 1).add(1.0)))
                  .unsqueeze(1);

  // The pair head's first layer on [h_i + h_j, h_i * h_j, one-hot hops], taken apart: its
  // h_i + h_j block is applied once per atom and its one-hot block is a column lookup, so only the
  // product block costs a product per pair (half the work of the concatenated input, no [P, 2h + 8]
  // copy; the same function).
  const auto pi = b.pairs[0], pj = b.pairs[1];
  const int64_t width = options_.hidden;
  auto* first = pair_head_[0]->as<torch::nn::Linear>();
  const auto& w1 = first->weight;  // [h, 2h + kMaxHops + 1]
  const auto per_atom = torch::mm(h, w1.narrow(1, 0, width).t());  // [N, h]
  const auto hop_column = w1.narrow(1, 2 * width, kMaxHops + 1).t().index_select(0, b.pair_hops);  // [P, h]
  const auto hi = h.index_select(0, pi), hj = h.index_select(0, pj);
  auto hidden = torch::addmm(first->bias, hi * hj, w1.narrow(1, width, width).t());
  hidden = hidden + per_atom.index_select(0, pi) + per_atom.index_select(0, pj) + hop_column;
  const auto pair = pair_head_[2]->as<torch::nn::Linear>()->forward(torch::silu(hidden));
  s.rest = torch::nn::functional::softplus(pair.select(1, 0)).add(0.5);
  s.stiffness = 2.0 * torch::sigmoid(pair.select(1, 1)) * (b.pair_hops <= options_.bonded_hops).to(h.dtype());
  s.contact = torch::nn::functional::softplus(pair.select(1, 2)).add(0.5);
  s.repulsion = 2.0 * torch::sigmoid(pair.select(1, 3));

  // Learned equivariant shifts along the bonds, then the seeded perturbations. The random
  // tables are indexed by the canonical atom index, so they do not depend on the input order.
  // Each bond's shift is summed at its sender (every bond is listed both ways).
  const auto [init_s, init_r] = graph::gather_ends(b.init, g);
  const auto along = init_s - init_r;  // [E, 3]
  const auto w = torch::tanh(on_edges(*shift_head_, h));  // [E, 2]
  s.q0 = graph::add_into(b.init, w.select(1, 0).unsqueeze(1) * along, g.senders());
  s.p0 = graph::sum_into(w.select(1, 1).unsqueeze(1) * along, g.senders(), g.num_nodes());
  return s;
}

FusedParameters ConformerEngineImpl::encode_fused(const BatchView& b) const {
  const auto parameters = named_parameters();
  return detail::encode_fused(b, options_, [&](const std::string& name, const std::vector<int64_t>& shape) {
    const auto* t = parameters.find(name);
    if (!t || t->sizes().vec() != shape) throw InvalidInput("conformer engine: no parameter " + name + " of the expected shape");
    return t->data_ptr<float>();
  });
}

EngineWeights ConformerEngineImpl::weights() const {
  EngineWeights w;
  w.options = options_;
  for (const auto& p : named_parameters()) {
    const auto t = p.value().detach().to(torch::kCPU, torch::kFloat).contiguous();
    w.add(p.key(), t.sizes().vec(), t.data_ptr<float>());
  }
  return w;
}

ConformerEngineImpl::Parameters ConformerEngineImpl::perturb(const MolBatch& b, const Parameters& learned,
                                                             int64_t sample) const {
  const auto& g = b.graph;
  Parameters s = learned;
  // Standard normal draws [N, 3] of the seed by canonical atom index (normal_draws).
  auto draws = [&](uint64_t seed) {
    const auto local = b.local.to(torch::kCPU, torch::kLong).contiguous();
    auto out = torch::empty({local.numel(), 3}, torch::kFloat);
    normal_draws(seed, local.data_ptr<int64_t>(), local.numel(), out.data_ptr<float>());
    return out.to(b.init.options());
  };
  const uint64_t seed = detail::sample_seed(sample);
  s.q0 = s.q0 + options_.init_noise * draws(seed);
  if (sample > 0) s.p0 = s.p0 + options_.temperature * torch::sqrt(s.mass) * draws(seed + 1);

  if (sample > 0 && torsion_starts_ && !b.rotatable.empty()) turn_torsions(b, s.q0, seed);

  // Distances cannot tell a molecule from its mirror image, so the start decides the handedness:
  // mirror each molecule whose specified centres mostly start on the wrong side (with the stereo
  // terms on: stereo_weight 0 is the engine of the models saved before them, unchanged).
  if (options_.stereo_weight > 0 && b.chiral.size(0) > 0) {
    torch::Tensor vote;
    {
      torch::NoGradGuard no_grad;
      const auto vol = chiral_volumes(s.q0, b.chiral).first;
      vote = graph::sum_into(torch::sign(vol) * b.chiral_sign, b.chiral_graph, g.num_graphs);
    }
    const auto flip = torch::where(vote < 0, -1.0, 1.0).to(s.q0.dtype()).index_select(0, g.node_to_graph);
    const auto z = torch::stack({torch::ones_like(flip), torch::ones_like(flip), flip}, 1);
    s.q0 = s.q0 * z;
    s.p0 = s.p0 * z;
  }
  return s;
}

torch::Tensor ConformerEngineImpl::relax(const MolBatch& b, Parameters& s, std::vector<torch::Tensor>* qs,
                                         std::vector<torch::Tensor>* energies) {
  const auto pi = b.pairs[0], pj = b.pairs[1];
  auto geometry = [&](const torch::Tensor& q) {
    const auto diff = q.index_select(0, pi) - q.index_select(0, pj);
    const auto r = diff.pow(2).sum(1).add(1e-9).sqrt();
    return std::make_pair(diff, r);
  };
  const double ks = options_.stereo_weight;
  const bool chiral = ks > 0 && b.chiral.size(0) > 0, cis = ks > 0 && b.cis_trans.size(0) > 0;
  auto grad_v = [&](const torch::Tensor& q) {
    const auto [diff, r] = geometry(q);
    const auto dv_dr = 2.0 * (s.stiffness * (r - s.rest) - s.repulsion * torch::relu(s.contact - r));
    // dV/dq: each term's gradient with respect to its atoms, scattered onto them in a fixed order.
    const auto g = (dv_dr / r).unsqueeze(1) * diff;
    auto grad = graph::add_into(graph::sum_into(g, pi, q.size(0)), -g, pj);
    if (chiral) {
      const auto [vol, dvol] = chiral_volumes(q, b.chiral);
      const auto f = stereo_wall(ks, vol, b.chiral_sign, kChiralMargin).second.unsqueeze(1);
      for (int k = 0; k < 3; ++k) grad = graph::add_into(grad, f * dvol[k], b.chiral.select(1, k + 1));
      grad = graph::add_into(grad, -f * (dvol[0] + dvol[1] + dvol[2]), b.chiral.select(1, 0));
    }
    if (cis) {
      const auto [u, du_da, du_dd] = cis_products(q, b.cis_trans);
      const auto f = stereo_wall(ks, u, b.cis_sign, kCisMargin).second.unsqueeze(1);
      grad = graph::add_into(grad, f * du_da, b.cis_trans.select(1, 0));
      grad = graph::add_into(grad, -f * du_da, b.cis_trans.select(1, 1));
      grad = graph::add_into(grad, f * du_dd, b.cis_trans.select(1, 3));
      grad = graph::add_into(grad, -f * du_dd, b.cis_trans.select(1, 2));
    }
    return grad;
  };
  // Relativistic kinetic energy K = m c^2 (sqrt(1 + |p|^2 / (m c)^2) - 1): the speed stays below
  // c however stiff the learned springs are, so no step can throw an atom far away.
  const double c2 = kSpeedLimit * kSpeedLimit;
  auto velocity = [&](const torch::Tensor& p) {
    return p * s.inv_mass * torch::rsqrt(1.0 + p.pow(2).sum(1, true) * s.inv_mass.pow(2) / c2);
  };
  auto energy = [&](const torch::Tensor& q, const torch::Tensor& p) {
    const auto [diff, r] = geometry(q);
    const auto v = s.stiffness * (r - s.rest).pow(2) + s.repulsion * torch::relu(s.contact - r).pow(2);
    const auto kinetic =
        (c2 / s.inv_mass * (torch::sqrt(1.0 + p.pow(2).sum(1, true) * s.inv_mass.pow(2) / c2) - 1.0)).squeeze(1);
    // H per molecule: pair terms, then each atom's kinetic energy, then the stereo walls.
    auto e = graph::add_into(graph::sum_into(v, b.pair_graph, b.num_graphs()), kinetic, b.graph.node_to_graph);
    if (chiral) {
      const auto vol = chiral_volumes(q, b.chiral).first;
      e = graph::add_into(e, stereo_wall(ks, vol, b.chiral_sign, kChiralMargin).first, b.chiral_graph);
    }
    if (cis) {
      const auto u = std::get<0>(cis_products(q, b.cis_trans));
      e = graph::add_into(e, stereo_wall(ks, u, b.cis_sign, kCisMargin).first, b.cis_graph);
    }
    return e;
  };
  auto q = s.q0, p = s.p0;
  if (qs) qs->push_back(q);
  if (energies) energies->push_back(energy(q, p));
  for (int64_t step = 0; step < options_.steps; ++step) {
    integrators::leapfrog_step(q, p, options_.dt, grad_v, velocity);
    p = p * s.damping;  // the Rayleigh friction's exact flow
    if (qs) qs->push_back(q);
    if (energies) energies->push_back(energy(q, p));
  }
  return q;
}

void ConformerEngineImpl::set_temperature(double temperature) {
  EngineOptions o = options_;
  o.temperature = temperature;
  o.validate();
  options_ = o;
}

void ConformerEngineImpl::set_stereo_weight(double weight) {
  EngineOptions o = options_;
  o.stereo_weight = weight;
  o.validate();
  options_ = o;
}

bool ConformerEngineImpl::fused(const MolBatch& b) const {
  return !torch::GradMode::is_enabled() && b.init.device().is_cpu() && fusable(*this);
}

torch::Tensor ConformerEngineImpl::forward(const MolBatch& b, int64_t sample) {
  if (fused(b)) return forward_samples(b, {sample}).front();
  auto s = perturb(b, encode(b), sample);
  return relax(b, s, nullptr, nullptr);
}

std::vector<torch::Tensor> ConformerEngineImpl::forward_samples(const MolBatch& b, const std::vector<int64_t>& samples) {
  std::vector<torch::Tensor> out;
  out.reserve(samples.size());
  if (fused(b)) {  // encode, perturb and relax on arrays
    std::vector<torch::Tensor> keep;
    const auto view = view_of(b, keep);
    const auto learned = encode_fused(view);
    for (const auto sample : samples) {
      auto [q, p] = perturb_fused(view, learned, sample, options_, torsion_starts_);
      const auto x = relax_fused(view, learned, std::move(q), std::move(p), options_);
      out.push_back(tensor_of(x.data(), {view.atoms, 3}).to(b.init.dtype()));
    }
    return out;
  }
  const auto learned = encode(b);
  for (const auto sample : samples) {
    auto s = perturb(b, learned, sample);
    out.push_back(relax(b, s, nullptr, nullptr));
  }
  return out;
}

std::pair<torch::Tensor, torch::Tensor> ConformerEngineImpl::trajectory(const MolBatch& b, int64_t sample) {
  auto s = perturb(b, encode(b), sample);
  std::vector<torch::Tensor> qs, es;
  relax(b, s, &qs, &es);
  return {torch::stack(qs), torch::stack(es)};
}

}  // namespace noether::molecules
