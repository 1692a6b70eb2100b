#include "graph/eigen_hogn.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "noether/error.hpp"
#include "physics/models/eigen_generalized.hpp"
#include "physics/models/mlp.hpp"

namespace noether::graph {

namespace {

constexpr int64_t kBlock = 256;  ///< edges or nodes per evaluate_gemm call

std::shared_ptr<torch::nn::Module> child(torch::nn::Module& module, const std::string& name) {
  for (const auto& c : module.named_children())
    if (c.key() == name) return c.value();
  throw InvalidInput("HOGN has no '" + name + "' network");
}

physics::EigenMlp<double> scalar_mlp(torch::nn::Module& module, const std::string& name) {
  auto mlp = std::dynamic_pointer_cast<physics::MlpImpl>(child(module, name));
  if (!mlp) throw InvalidInput("HOGN's '" + name + "' is not an MLP");
  auto dense = physics::EigenDenseMlp::from(*mlp);
  return physics::EigenMlp<double>(std::move(dense.weights), std::move(dense.biases), dense.activation);
}

torch::Tensor doubles(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat64).contiguous(); }

double softplus(double z) { return z > 20.0 ? z : std::log1p(std::exp(z)); }  // torch's threshold

}  // namespace

struct EigenHogn::Pass {
  int64_t n = 0, e = 0, d = 0, f = 0, fe = 0;
  torch::Tensor q_t, p_t, m_t, x_t, ef_t, s_t, r_t;  // owners of the data below
  const double *q = nullptr, *p = nullptr, *m = nullptr, *x = nullptr, *ef = nullptr;
  const int64_t *s = nullptr, *r = nullptr;

  Pass(const HognOptions& o, const torch::Tensor& q_in, const torch::Tensor& p_in, const torch::Tensor& masses,
       const GraphBatch& g) {
    n = g.num_nodes();
    e = g.num_edges();
    d = o.dim;
    f = o.node_features;
    fe = o.edge_features;
    if (q_in.dim() != 2 || q_in.size(0) != n || q_in.size(1) != d || p_in.sizes() != q_in.sizes())
      throw InvalidInput("EigenHogn: q and p must be [" + std::to_string(n) + ", " + std::to_string(d) + "]");
    if (masses.dim() != 1 || masses.size(0) != n)
      throw InvalidInput("EigenHogn: masses must be [" + std::to_string(n) + "]");
    if (!q_in.device().is_cpu()) throw InvalidInput("EigenHogn: the torch-free path runs on the CPU");
    if (g.nodes.size(1) < f) throw InvalidInput("EigenHogn: the batch has too few node features");
    if (fe > 0 && (!g.edges.defined() || g.edges.size(1) < fe))
      throw InvalidInput("EigenHogn: the batch has too few edge features");
    q_t = doubles(q_in);
    p_t = doubles(p_in);
    m_t = doubles(masses);
    x_t = doubles(g.nodes.narrow(1, 0, f));
    if (fe > 0) ef_t = doubles(g.edges.narrow(1, 0, fe));
    s_t = g.senders().contiguous();
    r_t = g.receivers().contiguous();
    q = q_t.data_ptr<double>();
    p = p_t.data_ptr<double>();
    m = m_t.data_ptr<double>();
    x = x_t.data_ptr<double>();
    if (fe > 0) ef = ef_t.data_ptr<double>();
    s = s_t.data_ptr<int64_t>();
    r = r_t.data_ptr<int64_t>();
  }
};

EigenHogn EigenHogn::from(HognImpl& model) {
  if (!covers(model.options()))
    throw InvalidInput("EigenHogn: the torch-free path covers HOGN with rounds = 1, not " +
                       std::to_string(model.options().rounds));
  EigenHogn h;
  h.options_ = model.options();
  h.phi_e_ = scalar_mlp(*child(model, "edge_energy"), "phi_e");
  h.phi_n_ = scalar_mlp(model, "phi_n");
  if (h.options_.dissipation) h.psi_ = scalar_mlp(model, "psi");
  return h;
}

void EigenHogn::edges(const Pass& in, double* energies, double* dh_dq) const {
  const int64_t d = in.d, f = in.f, fe = in.fe, width = d + 1 + fe + 2 * (1 + f);
  std::vector<double> grads(dh_dq ? static_cast<std::size_t>(in.e * d) : 0);  // per edge, d H / d q_s
  const int64_t blocks = (in.e + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t k0 = b * kBlock, count = std::min(kBlock, in.e - k0);
    thread_local std::vector<double> input, value, grad, dist;
    input.resize(static_cast<std::size_t>(width * count));
    value.resize(static_cast<std::size_t>(count));
    grad.resize(static_cast<std::size_t>((d + 1) * count));
    dist.resize(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t edge = k0 + k, s = in.s[edge], r = in.r[edge];
      double* col = input.data() + k * width;
      double sq = 0.0;
      for (int64_t j = 0; j < d; ++j) {
        col[j] = in.q[s * d + j] - in.q[r * d + j];
        sq += col[j] * col[j];
      }
      // As the torch path: |dq| = sqrt(max(|dq|^2, 1e-30)), whose gradient vanishes below the clamp.
      dist[static_cast<std::size_t>(k)] = sq > 1e-30 ? std::sqrt(sq) : 0.0;
      col[d] = std::sqrt(std::max(sq, 1e-30));
      double* c = col + d + 1;
      for (int64_t j = 0; j < fe; ++j) *c++ = in.ef[edge * fe + j];
      for (const int64_t node : {s, r}) {
        *c++ = in.m[node];
        for (int64_t j = 0; j < f; ++j) *c++ = in.x[node * f + j];
      }
    }
    phi_e_.evaluate_gemm(input.data(), static_cast<int>(count), value.data(), dh_dq ? grad.data() : nullptr,
                          static_cast<int>(d + 1));
    if (energies) std::copy(value.begin(), value.begin() + count, energies + k0);
    if (!dh_dq) continue;
    for (int64_t k = 0; k < count; ++k) {
      const double* g = grad.data() + k * (d + 1);
      const double* col = input.data() + k * width;
      const double r = dist[static_cast<std::size_t>(k)];
      const double radial = r > 0.0 ? g[d] / r : 0.0;
      double* out = grads.data() + (k0 + k) * d;
      for (int64_t j = 0; j < d; ++j) out[j] = g[j] + radial * col[j];
    }
  }
  if (!dh_dq) return;
  std::fill(dh_dq, dh_dq + in.n * d, 0.0);
  for (int64_t edge = 0; edge < in.e; ++edge) {  // in edge order: the same sums on every thread count
    const double* g = grads.data() + edge * d;
    double* at_s = dh_dq + in.s[edge] * d;
    double* at_r = dh_dq + in.r[edge] * d;
    for (int64_t j = 0; j < d; ++j) {
      at_s[j] += g[j];
      at_r[j] -= g[j];
    }
  }
}

void EigenHogn::nodes(const Pass& in, double* energies, double* dh_dp) const {
  const int64_t d = in.d, f = in.f, width = d + 1 + f;
  const int64_t blocks = (in.n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t i0 = b * kBlock, count = std::min(kBlock, in.n - i0);
    thread_local std::vector<double> input, value;
    input.resize(static_cast<std::size_t>(width * count));
    value.resize(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t i = i0 + k;
      double* col = input.data() + k * width;
      for (int64_t j = 0; j < d; ++j) col[j] = in.p[i * d + j];
      col[d] = in.m[i];
      for (int64_t j = 0; j < f; ++j) col[d + 1 + j] = in.x[i * f + j];
    }
    phi_n_.evaluate_gemm(input.data(), static_cast<int>(count), value.data(), dh_dp ? dh_dp + i0 * d : nullptr,
                          static_cast<int>(d));
    if (energies) std::copy(value.begin(), value.begin() + count, energies + i0);
  }
}

torch::Tensor EigenHogn::energy(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                                const GraphBatch& graph) const {
  const Pass in(options_, q, p, masses, graph);
  std::vector<double> e_edge(static_cast<std::size_t>(in.e)), e_node(static_cast<std::size_t>(in.n));
  edges(in, e_edge.data(), nullptr);
  nodes(in, e_node.data(), nullptr);
  auto h = torch::zeros({graph.num_graphs}, torch::kFloat64);
  double* hp = h.data_ptr<double>();
  const auto node_graph = graph.node_to_graph.contiguous();
  const int64_t* ng = node_graph.data_ptr<int64_t>();
  for (int64_t k = 0; k < in.e; ++k) hp[ng[in.s[k]]] += e_edge[static_cast<std::size_t>(k)];
  for (int64_t i = 0; i < in.n; ++i) hp[ng[i]] += e_node[static_cast<std::size_t>(i)];
  return h.to(q.scalar_type());
}

std::pair<torch::Tensor, torch::Tensor> EigenHogn::time_derivative(const torch::Tensor& q, const torch::Tensor& p,
                                                                   const torch::Tensor& masses,
                                                                   const GraphBatch& graph) const {
  const Pass in(options_, q, p, masses, graph);
  auto dq = torch::empty({in.n, in.d}, torch::kFloat64);  // dH/dp
  auto dp = torch::empty({in.n, in.d}, torch::kFloat64);  // dH/dq, then -dH/dq - 2 c v
  double* v = dq.data_ptr<double>();
  double* out = dp.data_ptr<double>();
  edges(in, nullptr, out);
  nodes(in, nullptr, v);
  std::vector<double> c(static_cast<std::size_t>(in.n), 0.0);
  if (options_.dissipation) {
    std::vector<double> input(static_cast<std::size_t>(in.n * (1 + in.f)));
    for (int64_t i = 0; i < in.n; ++i) {
      input[static_cast<std::size_t>(i * (1 + in.f))] = in.m[i];
      for (int64_t j = 0; j < in.f; ++j) input[static_cast<std::size_t>(i * (1 + in.f) + 1 + j)] = in.x[i * in.f + j];
    }
    psi_.evaluate_batch(input.data(), static_cast<int>(in.n), c.data());
    for (auto& ci : c) ci = softplus(ci);
  }
  for (int64_t i = 0; i < in.n; ++i)
    for (int64_t j = 0; j < in.d; ++j) {
      const int64_t k = i * in.d + j;
      out[k] = -out[k] - 2.0 * c[static_cast<std::size_t>(i)] * v[k];
    }
  return {dq.to(q.scalar_type()), dp.to(q.scalar_type())};
}

}  // namespace noether::graph
