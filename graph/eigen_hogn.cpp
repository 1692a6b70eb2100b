#include "graph/eigen_hogn.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "graph/detail/hogn_inputs.hpp"
#include "noether/error.hpp"
#include "physics/models/eigen_generalized.hpp"
#include "physics/models/mlp.hpp"

namespace noether::graph {

namespace {

constexpr int64_t kBlock = 256;  ///< edges or nodes per evaluate_gemm call (64 as fast; 1024 was 2-3x slower per edge)

template <class T>
constexpr torch::ScalarType kDtype = c10::CppTypeToScalarType<T>::value;

template <class T>
torch::Tensor as(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, kDtype<T>).contiguous();
}

template <class T>
T softplus(T z) { return z > T(20) ? z : std::log1p(std::exp(z)); }  // torch's threshold

/// A message-passing network read from block `name` of `module`.
physics::EigenDenseMlp dense(torch::nn::Module& module, const std::string& name) {
  return physics::EigenDenseMlp::from(*physics::child_mlp(module, name));
}

}  // namespace

/// rounds - 1 processor blocks (edge and node updates) and the energy block's edge network.
struct EigenHogn::Rounds {
  std::vector<physics::EigenDenseMlp> edge, node;
  physics::EigenDenseMlp energy;
};

template <class T>
struct EigenHogn::Pass {
  int64_t n = 0, e = 0, d = 0, f = 0, fe = 0;
  torch::Tensor q_t, p_t, m_t, x_t, ef_t, s_t, r_t, node_graph_t;  // owners of the data below
  const T *q = nullptr, *p = nullptr, *m = nullptr, *x = nullptr, *ef = nullptr;
  const int64_t *s = nullptr, *r = nullptr, *node_graph = nullptr;

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
    q_t = as<T>(q_in);
    p_t = as<T>(p_in);
    m_t = as<T>(masses);
    x_t = as<T>(g.nodes.narrow(1, 0, f));
    if (fe > 0) ef_t = as<T>(g.edges.narrow(1, 0, fe));
    node_graph_t = g.node_to_graph.contiguous();
    node_graph = node_graph_t.data_ptr<int64_t>();
    s_t = g.senders().contiguous();
    r_t = g.receivers().contiguous();
    q = q_t.data_ptr<T>();
    p = p_t.data_ptr<T>();
    m = m_t.data_ptr<T>();
    x = x_t.data_ptr<T>();
    if (fe > 0) ef = ef_t.data_ptr<T>();
    s = s_t.data_ptr<int64_t>();
    r = r_t.data_ptr<int64_t>();
  }
};

EigenHogn EigenHogn::from(HognImpl& model) {
  EigenHogn h;
  h.options_ = model.options();
  if (h.options_.rounds > 1) {
    auto r = std::make_shared<Rounds>();
    for (int64_t k = 0; k + 1 < h.options_.rounds; ++k) {
      auto block = physics::child_module(model, "block" + std::to_string(k));
      r->edge.push_back(dense(*block, "phi_e"));
      r->node.push_back(dense(*block, "phi_v"));
    }
    r->energy = dense(*physics::child_module(model, "edge_energy"), "phi_e");
    h.rounds_ = std::move(r);
  } else {
    h.double_.phi_e = physics::scalar_mlp(*physics::child_mlp(*physics::child_module(model, "edge_energy"), "phi_e"));
    h.float_.phi_e = h.double_.phi_e.cast<float>();
  }
  h.double_.phi_n = physics::scalar_mlp(*physics::child_mlp(model, "phi_n"));
  h.float_.phi_n = h.double_.phi_n.cast<float>();
  if (h.options_.dissipation) {
    h.double_.psi = physics::scalar_mlp(*physics::child_mlp(model, "psi"));
    h.float_.psi = h.double_.psi.cast<float>();
  }
  return h;
}

template <>
const EigenHogn::Nets<double>& EigenHogn::nets<double>() const {
  return double_;
}
template <>
const EigenHogn::Nets<float>& EigenHogn::nets<float>() const {
  return float_;
}

template <class T>
void EigenHogn::edges(const Pass<T>& in, T* energies, T* dh_dq) const {
  const int64_t d = in.d, f = in.f, fe = in.fe, width = d + 1 + fe + 2 * (1 + f);
  const auto& phi_e = nets<T>().phi_e;
  std::vector<T> grads(dh_dq ? static_cast<std::size_t>(in.e * d) : 0);  // per edge, d H / d q_s
  const int64_t blocks = (in.e + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t k0 = b * kBlock, count = std::min(kBlock, in.e - k0);
    thread_local std::vector<T> input, value, grad, dist;
    input.resize(static_cast<std::size_t>(width * count));
    value.resize(static_cast<std::size_t>(count));
    grad.resize(static_cast<std::size_t>((d + 1) * count));
    dist.resize(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t edge = k0 + k;
      dist[static_cast<std::size_t>(k)] =
          detail::edge_input(in.q, in.m, in.x, in.ef, d, f, fe, edge, in.s[edge], in.r[edge], input.data() + k * width);
    }
    phi_e.evaluate_gemm(input.data(), static_cast<int>(count), value.data(), dh_dq ? grad.data() : nullptr,
                          static_cast<int>(d + 1));
    if (energies) std::copy(value.begin(), value.begin() + count, energies + k0);
    if (!dh_dq) continue;
    for (int64_t k = 0; k < count; ++k) {
      const T* g = grad.data() + k * (d + 1);
      const T* col = input.data() + k * width;
      const T r = dist[static_cast<std::size_t>(k)];
      const T radial = r > T(0) ? g[d] / r : T(0);
      T* out = grads.data() + (k0 + k) * d;
      for (int64_t j = 0; j < d; ++j) out[j] = g[j] + radial * col[j];
    }
  }
  if (!dh_dq) return;
  std::fill(dh_dq, dh_dq + in.n * d, T(0));
  for (int64_t edge = 0; edge < in.e; ++edge) {  // in edge order: the same sums on every thread count
    const T* g = grads.data() + edge * d;
    T* at_s = dh_dq + in.s[edge] * d;
    T* at_r = dh_dq + in.r[edge] * d;
    for (int64_t j = 0; j < d; ++j) {
      at_s[j] += g[j];
      at_r[j] -= g[j];
    }
  }
}

void EigenHogn::edges_through_rounds(const Pass<double>& in, double* energies, double* dh_dq) const {
  // One graph at a time (a span ends at the first graph boundary after kSpanEdges edges), spans on
  // threads: every round's matrices stay small. Measured on 8-particle graphs, 128 wide, two
  // rounds: 0.83 ms per graph and field with one graph per span, 2.7 ms with two to twenty, 2.3 ms
  // with the whole batch as one span.
  constexpr int64_t kSpanEdges = 1;
  std::vector<Span> spans;
  const auto node_graph = in.node_graph;
  bool grouped = true;  // edges in graph order, each within its graph, graphs' nodes contiguous
  for (int64_t k = 0; k < in.e && grouped; ++k)
    grouped = node_graph[in.s[k]] == node_graph[in.r[k]] && (k == 0 || node_graph[in.s[k]] >= node_graph[in.s[k - 1]]);
  auto node_range = [&](int64_t e0, int64_t e1) {
    int64_t lo = in.n, hi = 0;
    for (int64_t k = e0; k < e1; ++k) {
      lo = std::min({lo, in.s[k], in.r[k]});
      hi = std::max({hi, in.s[k] + 1, in.r[k] + 1});
    }
    return std::make_pair(lo, hi);
  };
  if (grouped) {
    int64_t e0 = 0;
    for (int64_t k = 1; k <= in.e; ++k) {
      const bool boundary = k == in.e || node_graph[in.s[k]] != node_graph[in.s[k - 1]];
      if (boundary && (k - e0 >= kSpanEdges || k == in.e)) {
        const auto [n0, n1] = node_range(e0, k);
        if (!spans.empty() && n0 < spans.back().n1) grouped = false;  // overlapping nodes: one span
        spans.push_back({e0, k, n0, n1});
        e0 = k;
      }
    }
  }
  if (!grouped || spans.empty()) spans = {Span{0, in.e, 0, in.n}};
  if (dh_dq) std::fill(dh_dq, dh_dq + in.n * in.d, 0.0);
  const auto count = static_cast<int64_t>(spans.size());
#pragma omp parallel for schedule(dynamic) if (count > 1)
  for (int64_t i = 0; i < count; ++i) rounds_on(in, spans[static_cast<std::size_t>(i)], energies, dh_dq);
}

void EigenHogn::rounds_on(const Pass<double>& in, const Span& c, double* energies, double* dh_dq) const {
  const Rounds& net = *rounds_;
  const int64_t d = in.d, f = in.f, fe = in.fe, e = c.e1 - c.e0, n = c.n1 - c.n0;
  // The span's edges and nodes, numbered from 0.
  std::vector<int64_t> send(static_cast<std::size_t>(e)), recv(static_cast<std::size_t>(e));
  for (int64_t k = 0; k < e; ++k) {
    send[static_cast<std::size_t>(k)] = in.s[c.e0 + k] - c.n0;
    recv[static_cast<std::size_t>(k)] = in.r[c.e0 + k] - c.n0;
  }
  // Level 0: the edges' (dq, |dq|, e) and the nodes' (m, x), one column each.
  Eigen::MatrixXd edge0(d + 1 + fe, e), node0(1 + f, n);
  Eigen::VectorXd dist(e);  // |dq| where its gradient is live, else 0 (as the torch path's clamp)
  for (int64_t k = 0; k < e; ++k) {
    dist[k] = detail::relative_position(in.q, d, in.s[c.e0 + k], in.r[c.e0 + k], edge0.col(k).data());
    for (int64_t j = 0; j < fe; ++j) edge0(d + 1 + j, k) = in.ef[(c.e0 + k) * fe + j];
  }
  for (int64_t i = 0; i < n; ++i) {
    node0(0, i) = in.m[c.n0 + i];
    for (int64_t j = 0; j < f; ++j) node0(1 + j, i) = in.x[(c.n0 + i) * f + j];
  }
  // [edge; node at the sender; node at the receiver] per edge: a GN block's edge input.
  auto edge_input = [&](const Eigen::MatrixXd& edge, const Eigen::MatrixXd& node) {
    const int64_t we = edge.rows(), wv = node.rows();
    Eigen::MatrixXd y(we + 2 * wv, e);
    y.topRows(we) = edge;
    for (int64_t k = 0; k < e; ++k) {
      y.col(k).segment(we, wv) = node.col(send[k]);
      y.col(k).segment(we + wv, wv) = node.col(recv[k]);
    }
    return y;
  };
  const std::size_t blocks = net.edge.size();
  std::vector<Eigen::MatrixXd> edge{edge0}, node{node0};
  std::vector<physics::EigenDenseMlp::Tape> edge_tape(blocks), node_tape(blocks);
  for (std::size_t r = 0; r < blocks; ++r) {
    Eigen::MatrixXd next_edge = net.edge[r].forward_batch(edge_input(edge[r], node[r]), edge_tape[r]);
    Eigen::MatrixXd z(next_edge.rows() + node[r].rows(), n);  // [sum of incoming edges; node]
    z.topRows(next_edge.rows()).setZero();
    for (int64_t k = 0; k < e; ++k) z.col(recv[k]).head(next_edge.rows()) += next_edge.col(k);
    z.bottomRows(node[r].rows()) = node[r];
    node.push_back(net.node[r].forward_batch(z, node_tape[r]));
    edge.push_back(std::move(next_edge));
  }
  physics::EigenDenseMlp::Tape energy_tape;
  const Eigen::MatrixXd f_edge = net.energy.forward_batch(edge_input(edge.back(), node.back()), energy_tape);  // [1 x E]
  if (energies) Eigen::Map<Eigen::RowVectorXd>(energies + c.e0, e) = f_edge.row(0);
  if (!dh_dq) return;

  // Back through the rounds: ebar and vbar are dH/d(edge features), dH/d(node features).
  // Splits an edge input's gradient into its edge part and the node parts added at both ends.
  auto split = [&](const Eigen::MatrixXd& ybar, int64_t we, int64_t wv, Eigen::MatrixXd& ebar, Eigen::MatrixXd& vbar) {
    ebar = ybar.topRows(we);
    for (int64_t k = 0; k < e; ++k) {
      vbar.col(send[k]) += ybar.col(k).segment(we, wv);
      vbar.col(recv[k]) += ybar.col(k).segment(we + wv, wv);
    }
  };
  Eigen::MatrixXd ebar, vbar = Eigen::MatrixXd::Zero(node.back().rows(), n);
  split(net.energy.vjp(Eigen::MatrixXd::Ones(1, e), energy_tape), edge.back().rows(), node.back().rows(), ebar, vbar);
  for (std::size_t r = blocks; r-- > 0;) {
    const int64_t h = edge[r + 1].rows(), wv = node[r].rows();
    const Eigen::MatrixXd zbar = net.node[r].vjp(vbar, node_tape[r]);  // [h + wv x N]
    for (int64_t k = 0; k < e; ++k) ebar.col(k) += zbar.col(recv[k]).head(h);  // the sum at receivers
    Eigen::MatrixXd vbar_r = zbar.bottomRows(wv);
    Eigen::MatrixXd ebar_r;
    split(net.edge[r].vjp(ebar, edge_tape[r]), edge[r].rows(), wv, ebar_r, vbar_r);
    ebar.swap(ebar_r);
    vbar.swap(vbar_r);
  }
  // ebar is now dH/d(dq, |dq|, e) per edge; the nodes' level-0 features (m, x) take no gradient.
  for (int64_t k = 0; k < e; ++k) {  // the span's nodes only: spans write disjoint rows
    const double radial = dist[k] > 0.0 ? ebar(d, k) / dist[k] : 0.0;
    double* at_s = dh_dq + (c.n0 + send[k]) * d;
    double* at_r = dh_dq + (c.n0 + recv[k]) * d;
    for (int64_t j = 0; j < d; ++j) {
      const double g = ebar(j, k) + radial * edge0(j, k);
      at_s[j] += g;
      at_r[j] -= g;
    }
  }
}

template <class T>
void EigenHogn::nodes(const Pass<T>& in, T* energies, T* dh_dp) const {
  const int64_t d = in.d, f = in.f, width = d + 1 + f;
  const auto& phi_n = nets<T>().phi_n;
  const int64_t blocks = (in.n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t i0 = b * kBlock, count = std::min(kBlock, in.n - i0);
    thread_local std::vector<T> input, value;
    input.resize(static_cast<std::size_t>(width * count));
    value.resize(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t i = i0 + k;
      T* col = input.data() + k * width;
      for (int64_t j = 0; j < d; ++j) col[j] = in.p[i * d + j];
      col[d] = in.m[i];
      for (int64_t j = 0; j < f; ++j) col[d + 1 + j] = in.x[i * f + j];
    }
    phi_n.evaluate_gemm(input.data(), static_cast<int>(count), value.data(), dh_dp ? dh_dp + i0 * d : nullptr,
                          static_cast<int>(d));
    if (energies) std::copy(value.begin(), value.begin() + count, energies + i0);
  }
}

torch::Tensor EigenHogn::energy(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                                const GraphBatch& graph) const {
  if (q.scalar_type() == torch::kFloat32 && !rounds_)
    return energy_in(Pass<float>(options_, q, p, masses, graph), graph.num_graphs, q.scalar_type());
  return energy_in(Pass<double>(options_, q, p, masses, graph), graph.num_graphs, q.scalar_type());
}

std::pair<torch::Tensor, torch::Tensor> EigenHogn::time_derivative(const torch::Tensor& q, const torch::Tensor& p,
                                                                   const torch::Tensor& masses,
                                                                   const GraphBatch& graph, Half half) const {
  if (half == Half::kForce && options_.dissipation)
    throw InvalidInput("EigenHogn::time_derivative: dp/dt alone needs a conservative model (the friction needs dq/dt)");
  if (q.scalar_type() == torch::kFloat32 && !rounds_)
    return time_derivative_in(Pass<float>(options_, q, p, masses, graph), q.scalar_type(), half);
  return time_derivative_in(Pass<double>(options_, q, p, masses, graph), q.scalar_type(), half);
}

template <class T>
torch::Tensor EigenHogn::energy_in(const Pass<T>& in, int64_t graphs, torch::ScalarType out) const {
  std::vector<T> e_edge(static_cast<std::size_t>(in.e)), e_node(static_cast<std::size_t>(in.n));
  T* none = nullptr;
  if constexpr (std::is_same_v<T, double>) {
    if (rounds_) edges_through_rounds(in, e_edge.data(), none);
    else edges(in, e_edge.data(), none);
  } else {
    edges(in, e_edge.data(), none);
  }
  nodes(in, e_node.data(), none);
  auto h = torch::zeros({graphs}, torch::kFloat64);  // summed in double in either case
  double* hp = h.data_ptr<double>();
  for (int64_t k = 0; k < in.e; ++k) hp[in.node_graph[in.s[k]]] += e_edge[static_cast<std::size_t>(k)];
  for (int64_t i = 0; i < in.n; ++i) hp[in.node_graph[i]] += e_node[static_cast<std::size_t>(i)];
  return h.to(out);
}

template <class T>
std::pair<torch::Tensor, torch::Tensor> EigenHogn::time_derivative_in(const Pass<T>& in, torch::ScalarType out_type,
                                                                      Half half) const {
  torch::Tensor dq, dp;  // dH/dp; dH/dq, then -dH/dq - 2 c v
  T* none = nullptr;
  if (half != Half::kForce) {
    dq = torch::empty({in.n, in.d}, kDtype<T>);
    nodes(in, none, dq.data_ptr<T>());
  }
  if (half == Half::kVelocity) return {dq.to(out_type), torch::Tensor()};
  dp = torch::empty({in.n, in.d}, kDtype<T>);
  T* out = dp.data_ptr<T>();
  if constexpr (std::is_same_v<T, double>) {
    if (rounds_) edges_through_rounds(in, none, out);
    else edges(in, none, out);
  } else {
    edges(in, none, out);
  }
  if (options_.dissipation) {  // never with Half::kForce (refused above), so v is there
    std::vector<T> c(static_cast<std::size_t>(in.n));
    std::vector<T> input(static_cast<std::size_t>(in.n * (1 + in.f)));
    for (int64_t i = 0; i < in.n; ++i) {
      input[static_cast<std::size_t>(i * (1 + in.f))] = in.m[i];
      for (int64_t j = 0; j < in.f; ++j) input[static_cast<std::size_t>(i * (1 + in.f) + 1 + j)] = in.x[i * in.f + j];
    }
    nets<T>().psi.evaluate_batch(input.data(), static_cast<int>(in.n), c.data());
    for (auto& ci : c) ci = softplus(ci);
    const T* v = dq.data_ptr<T>();
    for (int64_t k = 0; k < in.n * in.d; ++k) out[k] = -out[k] - T(2) * c[static_cast<std::size_t>(k / in.d)] * v[k];
  } else {
    for (int64_t k = 0; k < in.n * in.d; ++k) out[k] = -out[k];
  }
  if (half == Half::kForce) return {torch::Tensor(), dp.to(out_type)};
  return {dq.to(out_type), dp.to(out_type)};
}

}  // namespace noether::graph
