// molecules/fused_engine.cpp: the engine's inference path on plain arrays (no LibTorch).
#include "molecules/fused_engine.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <Eigen/Dense>

#include "noether/error.hpp"
#include "noether/splitmix.hpp"

namespace noether::molecules {

void seeded_normals(uint64_t seed, int64_t count, float* out) {
  // LibTorch's CPU randn for float32 (count >= 16): a 32-bit Mersenne twister seeded with the seed,
  // uniforms u = (draw mod 2^24) / 2^24, then Box-Muller on each block of 16, pairing u[j] and
  // u[j + 8] into out[j] = r cos(theta), out[j + 8] = r sin(theta), r = sqrt(-2 log(1 - u[j])),
  // theta = 2 pi u[j + 8]. (LibTorch redraws the last 16 of a tensor whose size is not a multiple
  // of 16; whole blocks are drawn here, which is what it gives away from a tensor's end.)
  std::mt19937 twister(static_cast<uint32_t>(seed));
  const int64_t blocks = (count + 15) / 16;
  float u[16], z[16];
  for (int64_t blk = 0; blk < blocks; ++blk) {
    for (float& v : u) v = static_cast<float>(twister() & ((1u << 24) - 1)) * (1.0f / (1u << 24));
    for (int j = 0; j < 8; ++j) {
      const float radius = std::sqrt(-2.0f * std::log(1.0f - u[j]));
      const float theta = 2.0f * static_cast<float>(M_PI) * u[j + 8];
      z[j] = radius * std::cos(theta);
      z[j + 8] = radius * std::sin(theta);
    }
    const int64_t m = std::min<int64_t>(16, count - 16 * blk);
    std::copy(z, z + m, out + 16 * blk);
  }
}

namespace detail {

namespace {
// The encoder's pieces: float rows (FloatRows, one row per atom, bond or pair) and a layer's
// weights read in place, [out, in] row-major (as torch keeps them).
struct LinearView {
  Eigen::Map<const FloatRows> weight;
  Eigen::Map<const Eigen::RowVectorXf> bias;
  LinearView(const float* w, const float* b, int64_t out, int64_t in) : weight(w, out, in), bias(b, out) {}
};

template <class M>
void silu_in_place(M&& x) {
  x.array() = x.array() / (1.0f + (-x.array()).exp());
}
float softplus(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::abs(x))); }
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Turns each rotatable bond of the start q [N x 3] by 0, 120 or 240 degrees (drawn from the seed
// and the bond's key), rotating the atoms of its moving side about the bond's axis, in place.
template <class Scalar>
void turn_torsions_in(const std::vector<std::array<int64_t, 2>>& rotatable,
                      const std::vector<std::vector<int64_t>>& moving, const std::vector<uint64_t>& keys, Scalar* q,
                      uint64_t seed) {
  using Vec = Eigen::Matrix<Scalar, 3, 1>;
  auto at = [&](int64_t a) { return Eigen::Map<Vec>(q + 3 * a); };
  for (std::size_t r = 0; r < rotatable.size(); ++r) {
    const int turn = static_cast<int>(splitmix64(seed ^ splitmix64(keys[r])) % 3);
    if (turn == 0) continue;
    const Vec origin = at(rotatable[r][1]);
    const Vec axis = origin - at(rotatable[r][0]);
    if (axis.norm() < Scalar(1e-6)) continue;
    const Eigen::AngleAxis<Scalar> rotation(static_cast<Scalar>(turn * 2.0 * M_PI / 3.0), axis.normalized());
    for (const auto a : moving[r]) at(a) = origin + rotation * (at(a) - origin);
  }
}
}  // namespace

void turn_torsions(const std::vector<std::array<int64_t, 2>>& rotatable, const std::vector<std::vector<int64_t>>& moving,
                   const std::vector<uint64_t>& keys, float* q, uint64_t seed) {
  turn_torsions_in(rotatable, moving, keys, q, seed);
}

void turn_torsions(const std::vector<std::array<int64_t, 2>>& rotatable, const std::vector<std::vector<int64_t>>& moving,
                   const std::vector<uint64_t>& keys, double* q, uint64_t seed) {
  turn_torsions_in(rotatable, moving, keys, q, seed);
}

void normal_draws(uint64_t seed, const int64_t* local, int64_t n, float* out) {
  const int64_t rows = n ? *std::max_element(local, local + n) + 1 : 0;
  std::vector<float> table(static_cast<std::size_t>(3 * rows));
  seeded_normals(seed, 3 * rows, table.data());
  for (int64_t a = 0; a < n; ++a)
    for (int k = 0; k < 3; ++k) out[3 * a + k] = table[static_cast<std::size_t>(3 * local[a] + k)];
}

// ConformerEngineImpl::perturb on plain arrays: the start (q, p) of sample `sample`, each [N x 3].
std::pair<std::vector<float>, std::vector<float>> perturb_fused(const BatchView& b, const FusedParameters& learned,
                                                                int64_t sample, const EngineOptions& o,
                                                                bool torsion_starts) {
  const int64_t n = b.atoms;
  std::vector<float> q = learned.q0, p = learned.p0, noise(static_cast<std::size_t>(3 * n));
  const uint64_t seed = sample_seed(sample);
  normal_draws(seed, b.local, n, noise.data());
  for (int64_t k = 0; k < 3 * n; ++k) q[k] += static_cast<float>(o.init_noise) * noise[k];
  if (sample > 0) {
    normal_draws(seed + 1, b.local, n, noise.data());
    for (int64_t a = 0; a < n; ++a)
      for (int k = 0; k < 3; ++k)
        p[3 * a + k] += static_cast<float>(o.temperature) * std::sqrt(learned.mass[a]) * noise[3 * a + k];
  }
  if (sample > 0 && torsion_starts && !b.rotatable->empty())
    turn_torsions(*b.rotatable, *b.moving, *b.rotatable_key, q.data(), seed);
  if (o.stereo_weight > 0 && b.chirals > 0) {  // mirror the molecules whose centres mostly start wrong
    auto at = [&](int64_t a) { return Eigen::Map<const Eigen::Vector3f>(q.data() + 3 * a); };
    std::vector<float> vote(static_cast<std::size_t>(b.molecules), 0.0f);
    for (int64_t c = 0; c < b.chirals; ++c) {
      const int64_t* r = b.chiral + 4 * c;
      const Eigen::Vector3f va = at(r[1]) - at(r[0]), vb = at(r[2]) - at(r[0]), vc = at(r[3]) - at(r[0]);
      const float vol = va.dot(vb.cross(vc));
      vote[b.chiral_graph[c]] += static_cast<float>((vol > 0) - (vol < 0)) * b.chiral_sign[c];
    }
    for (int64_t a = 0; a < n; ++a)
      if (vote[b.node_graph[a]] < 0) q[3 * a + 2] = -q[3 * a + 2], p[3 * a + 2] = -p[3 * a + 2];
  }
  return {std::move(q), std::move(p)};
}

// The relaxation of ConformerEngineImpl::relax: the same formulas, but each step is one pass over
// the pairs and one over the atoms instead of some forty tensor operations, each with its own
// allocation and pass over memory. Sums are accumulated in another order than the tensor
// scatters, so results agree to round-off. Starts from q, p (perturb_fused) with in's masses,
// frictions and pair terms; returns the final positions [N x 3].
std::vector<float> relax_fused(const BatchView& b, const FusedParameters& in, std::vector<float> q, std::vector<float> p,
                               const EngineOptions& o) {
  const int64_t n = b.atoms, np = b.pairs;
  const double ks = o.stereo_weight;
  const int64_t nc = ks > 0 ? b.chirals : 0, nd = ks > 0 ? b.double_bonds : 0;
  float* x = q.data();
  float* mom = p.data();
  const int64_t *pi = b.pi, *pj = b.pj;
  const float *inv_mass = in.inv_mass.data(), *damping = in.damping.data(), *rest = in.rest.data(),
              *stiff = in.stiffness.data(), *contact = in.contact.data(), *repulsion = in.repulsion.data();
  const int64_t* cq = b.chiral;
  const int64_t* dq = b.cis_trans;
  const float* csign = b.chiral_sign;
  const float* dsign = b.cis_sign;
  std::vector<float> grad(static_cast<std::size_t>(3 * n));
  const float c2 = static_cast<float>(kSpeedLimit * kSpeedLimit);
  const float dt = static_cast<float>(o.dt), h2 = 0.5f * dt;
  auto drift = [&](float h) {  // q += h T'(p)
    for (int64_t a = 0; a < n; ++a) {
      const float* pa = mom + 3 * a;
      const float m = inv_mass[a];
      const float scale = m / std::sqrt(1.0f + (pa[0] * pa[0] + pa[1] * pa[1] + pa[2] * pa[2]) * m * m / c2);
      for (int k = 0; k < 3; ++k) x[3 * a + k] += h * pa[k] * scale;
    }
  };
  auto gradient = [&]() {  // grad = V'(q)
    std::fill(grad.begin(), grad.end(), 0.0f);
    for (int64_t k = 0; k < np; ++k) {
      const int64_t i = pi[k], j = pj[k];
      const float d0 = x[3 * i] - x[3 * j], d1 = x[3 * i + 1] - x[3 * j + 1], d2 = x[3 * i + 2] - x[3 * j + 2];
      const float r = std::sqrt(d0 * d0 + d1 * d1 + d2 * d2 + 1e-9f);
      const float dv_dr = 2.0f * (stiff[k] * (r - rest[k]) - repulsion[k] * std::max(contact[k] - r, 0.0f));
      const float f = dv_dr / r;
      grad[3 * i] += f * d0, grad[3 * i + 1] += f * d1, grad[3 * i + 2] += f * d2;
      grad[3 * j] -= f * d0, grad[3 * j + 1] -= f * d1, grad[3 * j + 2] -= f * d2;
    }
    auto at = [&](int64_t a) { return Eigen::Map<Eigen::Vector3f>(x + 3 * a); };
    auto add = [&](int64_t a, const Eigen::Vector3f& v) { Eigen::Map<Eigen::Vector3f>(grad.data() + 3 * a) += v; };
    for (int64_t c = 0; c < nc; ++c) {
      const int64_t* r = cq + 4 * c;
      const Eigen::Vector3f va = at(r[1]) - at(r[0]), vb = at(r[2]) - at(r[0]), vc = at(r[3]) - at(r[0]);
      const Eigen::Vector3f bxc = vb.cross(vc), cxa = vc.cross(va), axb = va.cross(vb);
      const float f = static_cast<float>(-2.0 * ks) * csign[c] *
                      std::max(static_cast<float>(kChiralMargin) - csign[c] * va.dot(bxc), 0.0f);
      add(r[1], f * bxc), add(r[2], f * cxa), add(r[3], f * axb), add(r[0], -f * (bxc + cxa + axb));
    }
    for (int64_t d = 0; d < nd; ++d) {
      const int64_t* r = dq + 4 * d;
      const Eigen::Vector3f ab = at(r[0]) - at(r[1]), dc = at(r[3]) - at(r[2]);
      const float f = static_cast<float>(-2.0 * ks) * dsign[d] *
                      std::max(static_cast<float>(kCisMargin) - dsign[d] * ab.dot(dc), 0.0f);
      add(r[0], f * dc), add(r[1], -f * dc), add(r[3], f * ab), add(r[2], -f * ab);
    }
  };
  for (int64_t step = 0; step < o.steps; ++step) {
    drift(h2);
    gradient();
    for (int64_t k = 0; k < 3 * n; ++k) mom[k] -= dt * grad[static_cast<std::size_t>(k)];
    drift(h2);
    for (int64_t a = 0; a < n; ++a)
      for (int k = 0; k < 3; ++k) mom[3 * a + k] *= damping[a];  // the Rayleigh friction's exact flow
  }
  return q;
}

// The encoder of ConformerEngineImpl::encode on plain arrays, its layers' weights from `get`
// (by their module names: the module's parameters, or a weights file).
FusedParameters encode_fused(const BatchView& b, const EngineOptions& o, const WeightLookup& get) {
  // A Linear's weight [out, in] and bias [out], row-major as torch keeps them.
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    return LinearView(get(name + ".weight", {out, in}), get(name + ".bias", {out}), out, in);
  };
  const int64_t n = b.atoms, ne = b.bonds, np = b.pairs, width = o.hidden;
  const Eigen::Map<const FloatRows> nodes(b.nodes, n, b.atom_features);
  const Eigen::Map<const FloatRows> edges(b.edges, ne, b.bond_features);
  const Eigen::Map<const FloatRows> init(b.init, n, 3);
  const int64_t *senders = b.senders, *receivers = b.receivers, *pi = b.pi, *pj = b.pj, *hops = b.hops;

  // An MLP on the bonds' [h_s, h_r, bond] as encode()'s on_edges: its first layer's h_s and h_r
  // blocks once per atom, then per bond the bond block, the two atoms' rows and the bias.
  FloatRows ends_s, ends_r, pre;
  auto on_edges = [&](const std::string& mlp, int64_t outputs, const FloatRows& h, FloatRows& out) {
    const LinearView first = linear(mlp + ".0", width, 2 * width + b.bond_features),
                     second = linear(mlp + ".2", outputs, width);
    ends_s.noalias() = h * first.weight.leftCols(width).transpose();
    ends_r.noalias() = h * first.weight.middleCols(width, width).transpose();
    pre.noalias() = edges * first.weight.rightCols(edges.cols()).transpose();
    for (int64_t e = 0; e < ne; ++e) pre.row(e) += first.bias + ends_s.row(senders[e]) + ends_r.row(receivers[e]);
    silu_in_place(pre);
    out.noalias() = pre * second.weight.transpose();
    out.rowwise() += second.bias;
  };

  const LinearView embed = linear("embed", width, b.atom_features);
  FloatRows h = nodes * embed.weight.transpose();
  h.rowwise() += embed.bias;
  FloatRows msg, agg(n, width), z;
  for (int64_t r = 0; r < o.rounds; ++r) {
    const std::string round = std::to_string(r);
    on_edges("edge_mlps." + round, width, h, msg);
    agg.setZero();
    for (int64_t e = 0; e < ne; ++e) agg.row(receivers[e]) += msg.row(e);
    const LinearView first = linear("node_mlps." + round + ".0", width, 2 * width),
                     second = linear("node_mlps." + round + ".2", width, width);
    z.noalias() = h * first.weight.leftCols(width).transpose();
    z.noalias() += agg * first.weight.rightCols(width).transpose();
    z.rowwise() += first.bias;
    silu_in_place(z);
    h.noalias() += z * second.weight.transpose();
    h.rowwise() += second.bias;
  }

  FusedParameters s;
  {
    const LinearView first = linear("atom_head.0", width, width), second = linear("atom_head.2", 2, width);
    z.noalias() = h * first.weight.transpose();
    z.rowwise() += first.bias;
    silu_in_place(z);
    FloatRows atom = z * second.weight.transpose();
    atom.rowwise() += second.bias;
    s.mass.resize(n), s.inv_mass.resize(n), s.damping.resize(n);
    for (int64_t a = 0; a < n; ++a) {
      s.mass[a] = softplus(atom(a, 0)) + 0.5f;
      s.inv_mass[a] = 1.0f / s.mass[a];
      s.damping[a] = std::exp(-static_cast<float>(o.dt) * softplus(atom(a, 1) + 1.0f));
    }
  }

  // The pair head as encode() takes it apart, a chunk of pairs at a time so that the chunk's rows
  // stay in cache from the product to the outputs.
  {
    const LinearView first = linear("pair_head.0", width, 2 * width + kMaxHops + 1),
                     second = linear("pair_head.2", 4, width);
    const FloatRows per_atom = h * first.weight.leftCols(width).transpose();
    const FloatRows hop_rows = first.weight.middleCols(2 * width, kMaxHops + 1).transpose();  // [8, h]
    const auto product_block = first.weight.middleCols(width, width);
    s.rest.resize(np), s.stiffness.resize(np), s.contact.resize(np), s.repulsion.resize(np);
    float *rest = s.rest.data(), *stiffness = s.stiffness.data(), *contact = s.contact.data(),
          *repulsion = s.repulsion.data();
    constexpr int64_t kChunk = 128;
    FloatRows prod(kChunk, width), hidden(kChunk, width), out(kChunk, 4);
    for (int64_t p0 = 0; p0 < np; p0 += kChunk) {
      const int64_t m = std::min(kChunk, np - p0);
      for (int64_t k = 0; k < m; ++k) prod.row(k) = h.row(pi[p0 + k]).cwiseProduct(h.row(pj[p0 + k]));
      hidden.topRows(m).noalias() = prod.topRows(m) * product_block.transpose();
      for (int64_t k = 0; k < m; ++k)
        hidden.row(k) += first.bias + per_atom.row(pi[p0 + k]) + per_atom.row(pj[p0 + k]) + hop_rows.row(hops[p0 + k]);
      silu_in_place(hidden.topRows(m));
      out.topRows(m).noalias() = hidden.topRows(m) * second.weight.transpose();
      for (int64_t k = 0; k < m; ++k) {
        const Eigen::RowVector4f y = out.row(k) + second.bias;
        const int64_t p = p0 + k;
        rest[p] = softplus(y[0]) + 0.5f;
        stiffness[p] = hops[p] <= o.bonded_hops ? 2.0f * sigmoid(y[1]) : 0.0f;
        contact[p] = softplus(y[2]) + 0.5f;
        repulsion[p] = 2.0f * sigmoid(y[3]);
      }
    }
  }

  // The learned shifts along the bonds, summed at each bond's sender.
  FloatRows w;
  on_edges("shift_head", 2, h, w);
  s.q0.assign(b.init, b.init + 3 * n);
  s.p0.assign(3 * n, 0.0f);
  for (int64_t e = 0; e < ne; ++e) {
    const float wq = std::tanh(w(e, 0)), wp = std::tanh(w(e, 1));
    for (int k = 0; k < 3; ++k) {
      const float along = init(senders[e], k) - init(receivers[e], k);
      s.q0[3 * senders[e] + k] += wq * along;
      s.p0[3 * senders[e] + k] += wp * along;
    }
  }
  return s;
}


}  // namespace detail

detail::BatchView PlainBatch::view() const {
  detail::BatchView v;
  v.atoms = atoms, v.bonds = static_cast<int64_t>(senders.size()), v.pairs = static_cast<int64_t>(pi.size());
  v.molecules = molecules, v.chirals = chiral.rows(), v.double_bonds = cis_trans.rows();
  v.atom_features = nodes.cols(), v.bond_features = edges.cols();
  v.nodes = nodes.data(), v.edges = edges.data(), v.init = init.data();
  v.senders = senders.data(), v.receivers = receivers.data();
  v.pi = pi.data(), v.pj = pj.data(), v.hops = hops.data();
  v.local = local.data(), v.node_graph = node_graph.data();
  v.chiral = chiral.data(), v.chiral_graph = chiral_graph.data(), v.chiral_sign = chiral_sign.data();
  v.cis_trans = cis_trans.data(), v.cis_sign = cis_sign.data();
  v.rotatable = &rotatable, v.moving = &moving, v.rotatable_key = &rotatable_key;
  return v;
}

PlainBatch make_plain_batch(const std::vector<const MolGraph*>& graphs) {
  if (graphs.empty()) throw InvalidInput("make_batch: no molecules");
  PlainBatch b;
  b.molecules = static_cast<int64_t>(graphs.size());
  int64_t bonds = 0, chirals = 0, doubles = 0;
  for (const auto* g : graphs) {
    b.atoms += g->atoms;
    bonds += g->edge_index.cols(), chirals += g->chiral.rows(), doubles += g->cis_trans.rows();
  }
  b.nodes.resize(b.atoms, kAtomFeatures), b.init.resize(b.atoms, 3), b.edges.resize(bonds, kBondFeatures);
  b.chiral.resize(chirals, 4), b.cis_trans.resize(doubles, 4);
  int64_t offset = 0, e0 = 0, c0 = 0, d0 = 0;
  for (int64_t m = 0; m < b.molecules; ++m) {
    const auto& g = *graphs[m];
    const int64_t e = g.edge_index.cols();
    b.nodes.middleRows(offset, g.atoms) = g.atom_features;
    b.init.middleRows(offset, g.atoms) = g.embedding;
    b.edges.middleRows(e0, e) = g.edge_features;
    for (int64_t k = 0; k < e; ++k) {
      b.senders.push_back(offset + g.edge_index(0, k));
      b.receivers.push_back(offset + g.edge_index(1, k));
    }
    b.chiral.middleRows(c0, g.chiral.rows()) = g.chiral.array() + offset;
    b.cis_trans.middleRows(d0, g.cis_trans.rows()) = g.cis_trans.array() + offset;
    b.chiral_sign.insert(b.chiral_sign.end(), g.chiral_sign.data(), g.chiral_sign.data() + g.chiral_sign.size());
    b.cis_sign.insert(b.cis_sign.end(), g.cis_sign.data(), g.cis_sign.data() + g.cis_sign.size());
    b.chiral_graph.insert(b.chiral_graph.end(), static_cast<std::size_t>(g.chiral.rows()), m);
    b.cis_graph.insert(b.cis_graph.end(), static_cast<std::size_t>(g.cis_trans.rows()), m);
    for (std::size_t r = 0; r < g.rotatable.size(); ++r) {
      const auto [i, j] = g.rotatable[r];
      b.rotatable.push_back({offset + i, offset + j});
      std::vector<int64_t> side;
      for (const auto a : g.moving[r]) side.push_back(offset + a);
      b.moving.push_back(std::move(side));
      b.rotatable_key.push_back((static_cast<uint64_t>(i) << 32) | static_cast<uint64_t>(j));
    }
    for (int64_t i = 0; i < g.atoms; ++i) {
      b.local.push_back(i);
      b.node_graph.push_back(m);
      for (int64_t j = i + 1; j < g.atoms; ++j) {
        b.pi.push_back(offset + i);
        b.pj.push_back(offset + j);
        b.pair_graph.push_back(m);
        const double hops = g.topological(i, j);
        b.hops.push_back(hops < kMaxHops ? static_cast<int64_t>(hops) : kMaxHops);
      }
    }
    offset += g.atoms, e0 += e, c0 += g.chiral.rows(), d0 += g.cis_trans.rows();
  }
  return b;
}

FusedEngine::FusedEngine(EngineWeights weights) : weights_(std::move(weights)) { weights_.options.validate(); }

void FusedEngine::set_temperature(double temperature) {
  EngineOptions o = weights_.options;
  o.temperature = temperature;
  o.validate();
  weights_.options = o;
}

std::vector<std::vector<float>> FusedEngine::forward_samples(const PlainBatch& b,
                                                             const std::vector<int64_t>& samples) const {
  const auto view = b.view();
  const auto& o = weights_.options;
  const auto learned = detail::encode_fused(
      view, o, [&](const std::string& name, const std::vector<int64_t>& shape) { return weights_.get(name, shape); });
  std::vector<std::vector<float>> out;
  out.reserve(samples.size());
  for (const auto sample : samples) {
    auto [q, p] = detail::perturb_fused(view, learned, sample, o, torsion_starts_);
    out.push_back(detail::relax_fused(view, learned, std::move(q), std::move(p), o));
  }
  return out;
}

}  // namespace noether::molecules
