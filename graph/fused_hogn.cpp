#include "graph/fused_hogn.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "graph/detail/hogn_inputs.hpp"
#include "noether/error.hpp"
#include "physics/models/eigen_generalized.hpp"
#include "physics/models/eigen_mlp.hpp"
#include "physics/models/mlp.hpp"

namespace noether::graph {

namespace {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // samples as columns
template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  // torch's [out, in]

template <class T>
Eigen::Map<const RowMat<T>> view(const torch::Tensor& w) {
  return {w.data_ptr<T>(), w.size(0), w.size(1)};
}
template <class T>
Eigen::Map<RowMat<T>> view_mut(torch::Tensor& w) {
  return {w.data_ptr<T>(), w.size(0), w.size(1)};
}
template <class T>
Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> column(torch::Tensor& b) {
  return {b.data_ptr<T>(), b.size(0)};
}

/// One MLP of the model: its torch parameters (hidden layers, then the one-output layer) and
/// gradient buffers of the same shapes.
struct Net {
  std::vector<torch::Tensor> weight, bias;  // bias undefined where the layer has none
  std::vector<torch::Tensor> grad_w, grad_b;
  physics::EigenActivation act = physics::EigenActivation::kTanh;

  Net() = default;
  explicit Net(const physics::MlpImpl& mlp) : act(physics::parse_eigen_activation(mlp.activation())) {
    for (const auto& lin : mlp.linears()) {
      weight.push_back(lin->weight);
      bias.push_back(lin->bias.defined() ? lin->bias : torch::Tensor());
      grad_w.push_back(torch::zeros_like(lin->weight));
      grad_b.push_back(lin->bias.defined() ? torch::zeros_like(lin->bias) : torch::Tensor());
    }
  }
  int hidden() const { return static_cast<int>(weight.size()) - 1; }
  void zero() {
    for (auto& g : grad_w) g.zero_();
    for (auto& g : grad_b)
      if (g.defined()) g.zero_();
  }
  void publish() {
    for (std::size_t l = 0; l < weight.size(); ++l) {
      weight[l].mutable_grad() = grad_w[l];
      if (bias[l].defined()) bias[l].mutable_grad() = grad_b[l];
    }
  }
};

/// One pass of a Net over P samples, per hidden layer l: z (pre-activation), h = act(z),
/// s = act'(z); after input_gradient also g = df/dh and d = df/dz.
template <class T>
struct Tape {
  std::vector<Mat<T>> z, h, s, g, d;
};

/// act''(z) from z, h = act(z) and s = act'(z).
template <class T>
Mat<T> second_derivative(physics::EigenActivation act, const Mat<T>& h, const Mat<T>& s) {
  switch (act) {
    case physics::EigenActivation::kTanh: return (T(-2) * h.array() * s.array()).matrix();
    case physics::EigenActivation::kSoftplus: return (s.array() * (T(1) - s.array())).matrix();
    case physics::EigenActivation::kRelu: return Mat<T>::Zero(h.rows(), h.cols());
    case physics::EigenActivation::kSin: return (-h.array()).matrix();
  }
  return {};
}

template <class T>
void forward(const Net& net, const Mat<T>& x, Tape<T>& t) {
  const auto L = static_cast<std::size_t>(net.hidden());
  t.z.resize(L), t.h.resize(L), t.s.resize(L), t.g.resize(L), t.d.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    t.z[l].noalias() = view<T>(net.weight[l]) * (l == 0 ? x : t.h[l - 1]);
    if (net.bias[l].defined())
      t.z[l].colwise() += Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(net.bias[l].data_ptr<T>(), t.z[l].rows());
    t.h[l].resize(t.z[l].rows(), t.z[l].cols());
    physics::eigen_activate<T>(net.act, t.z[l], t.h[l].array());
    t.s[l].setOnes(t.z[l].rows(), t.z[l].cols());
    physics::eigen_times_derivative<T>(net.act, t.z[l], t.h[l], t.s[l]);
  }
}

/// The output, [1 x P].
template <class T>
Mat<T> value(const Net& net, const Tape<T>& t) {
  const auto L = static_cast<std::size_t>(net.hidden());
  Mat<T> f = view<T>(net.weight[L]) * t.h[L - 1];
  if (net.bias[L].defined()) f.array() += net.bias[L].data_ptr<T>()[0];
  return f;
}

/// df/dx of the first `wanted` inputs, [wanted x P]; fills the tape's g and d.
template <class T>
Mat<T> input_gradient(const Net& net, Tape<T>& t, int wanted) {
  const auto L = static_cast<std::size_t>(net.hidden());
  const auto P = t.z[0].cols();
  t.g[L - 1].resize(net.weight[L].size(1), P);  // w_out in every column (replicate() divides per entry)
  for (Eigen::Index p = 0; p < P; ++p) t.g[L - 1].col(p) = view<T>(net.weight[L]).transpose();
  for (std::size_t l = L; l-- > 0;) {
    t.d[l] = t.g[l].cwiseProduct(t.s[l]);
    if (l > 0) t.g[l - 1].noalias() = view<T>(net.weight[l]).transpose() * t.d[l];
  }
  return view<T>(net.weight[0]).leftCols(wanted).transpose() * t.d[0];
}

/// The backward pass of the forward through the hidden layers: q = dL/dz of the last hidden
/// layer; adds dL/dW_l and dL/db_l for every hidden layer. `direct` (when given) holds further
/// dL/dz_l terms added as q reaches layer l.
template <class T>
void backward_hidden(Net& net, const Tape<T>& t, Mat<T> q, const Mat<T>& x, const std::vector<Mat<T>>* direct = nullptr) {
  for (std::size_t l = static_cast<std::size_t>(net.hidden()); l-- > 0;) {
    view_mut<T>(net.grad_w[l]).noalias() += q * (l == 0 ? x : t.h[l - 1]).transpose();
    if (net.grad_b[l].defined()) column<T>(net.grad_b[l]) += q.rowwise().sum();
    if (l == 0) break;
    q = (view<T>(net.weight[l]).transpose() * q).cwiseProduct(t.s[l - 1]);
    if (direct) q += (*direct)[l - 1];
  }
}

/// Adds to the net's gradients d(sum a . df/dx)/d(weights) for a = dL/d(df/dx) [wanted x P]:
/// the adjoint of the input-gradient pass, then the backward pass of the forward.
template <class T>
void input_gradient_adjoint(Net& net, const Tape<T>& t, const Mat<T>& a, const Mat<T>& x) {
  const auto L = static_cast<std::size_t>(net.hidden());
  const auto wanted = a.rows();
  std::vector<Mat<T>> direct(L);  // dL/dz_l through act'(z_l) in d_l
  Mat<T> dd = view<T>(net.weight[0]).leftCols(wanted) * a;  // dL/dd_0
  view_mut<T>(net.grad_w[0]).leftCols(wanted).noalias() += t.d[0] * a.transpose();
  for (std::size_t l = 0; l < L; ++l) {
    const Mat<T> dg = dd.cwiseProduct(t.s[l]);  // dL/dg_l
    direct[l] = dd.cwiseProduct(t.g[l]).cwiseProduct(second_derivative<T>(net.act, t.h[l], t.s[l]));
    if (l + 1 < L) {
      dd.noalias() = view<T>(net.weight[l + 1]) * dg;
      view_mut<T>(net.grad_w[l + 1]).noalias() += t.d[l + 1] * dg.transpose();
    } else {
      view_mut<T>(net.grad_w[L]).noalias() += dg.rowwise().sum().transpose();
    }
  }
  backward_hidden(net, t, std::move(direct[L - 1]), x, &direct);
}

/// Adds to the net's gradients d(sum df . f)/d(weights), df [1 x P].
template <class T>
void value_backward(Net& net, const Tape<T>& t, const Mat<T>& df, const Mat<T>& x) {
  const auto L = static_cast<std::size_t>(net.hidden());
  view_mut<T>(net.grad_w[L]).noalias() += df * t.h[L - 1].transpose();
  if (net.grad_b[L].defined()) net.grad_b[L].data_ptr<T>()[0] += df.sum();
  backward_hidden(net, t, Mat<T>((view<T>(net.weight[L]).transpose() * df).cwiseProduct(t.s[L - 1])), x);
}

template <class T>
torch::Tensor on_cpu(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, c10::CppTypeToScalarType<T>::value).contiguous();
}

}  // namespace

struct FusedHognLoss::Impl {
  HognOptions options;
  Net phi_e, phi_n, psi;
  template <class T>
  double run(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses, const GraphBatch& g,
             const torch::Tensor& dqdt, const torch::Tensor& dpdt);
};

bool FusedHognLoss::supports(HognImpl& model) {
  if (model.options().rounds != 1) return false;
  const auto params = model.parameters();
  if (params.empty() || !params.front().device().is_cpu()) return false;
  const auto dtype = params.front().scalar_type();
  return dtype == torch::kFloat32 || dtype == torch::kFloat64;
}

FusedHognLoss::FusedHognLoss(HognImpl& model) : impl_(std::make_unique<Impl>()) {
  if (!supports(model))
    throw InvalidInput("the fused HOGN loss takes a CPU model with one GN block in float32 or float64");
  impl_->options = model.options();
  impl_->phi_e = Net(*physics::child_mlp(*physics::child_module(model, "edge_energy"), "phi_e"));
  impl_->phi_n = Net(*physics::child_mlp(model, "phi_n"));
  if (impl_->options.dissipation) impl_->psi = Net(*physics::child_mlp(model, "psi"));
}

FusedHognLoss::~FusedHognLoss() = default;
FusedHognLoss::FusedHognLoss(FusedHognLoss&&) noexcept = default;
FusedHognLoss& FusedHognLoss::operator=(FusedHognLoss&&) noexcept = default;

double FusedHognLoss::loss_and_gradients(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                                         const GraphBatch& graph, const torch::Tensor& dqdt,
                                         const torch::Tensor& dpdt) {
  torch::NoGradGuard no_grad;
  const auto& o = impl_->options;
  const int64_t n = graph.num_nodes();
  for (const auto* t : {&q, &p, &dqdt, &dpdt})
    if (t->dim() != 2 || t->size(0) != n || t->size(1) != o.dim)
      throw InvalidInput("fused HOGN loss: q, p and their targets must be [" + std::to_string(n) + ", " +
                         std::to_string(o.dim) + "]");
  if (masses.dim() != 1 || masses.size(0) != n)
    throw InvalidInput("fused HOGN loss: masses must be [" + std::to_string(n) + "]");
  if (graph.nodes.size(1) < o.node_features) throw InvalidInput("fused HOGN loss: the batch has too few node features");
  if (o.edge_features > 0 && (!graph.edges.defined() || graph.edges.size(1) < o.edge_features))
    throw InvalidInput("fused HOGN loss: the batch has too few edge features");
  if (impl_->phi_n.weight.front().scalar_type() == torch::kFloat32)
    return impl_->run<float>(q, p, masses, graph, dqdt, dpdt);
  return impl_->run<double>(q, p, masses, graph, dqdt, dpdt);
}

template <class T>
double FusedHognLoss::Impl::run(const torch::Tensor& q_in, const torch::Tensor& p_in, const torch::Tensor& m_in,
                                const GraphBatch& g, const torch::Tensor& tq_in, const torch::Tensor& tp_in) {
  const int64_t n = g.num_nodes(), e = g.num_edges(), D = options.dim, F = options.node_features,
                Fe = options.edge_features;
  const torch::Tensor q_t = on_cpu<T>(q_in), p_t = on_cpu<T>(p_in), m_t = on_cpu<T>(m_in), tq_t = on_cpu<T>(tq_in),
                      tp_t = on_cpu<T>(tp_in), x_t = on_cpu<T>(g.nodes.narrow(1, 0, F));
  const torch::Tensor ef_t = Fe > 0 ? on_cpu<T>(g.edges.narrow(1, 0, Fe)) : torch::Tensor();
  const torch::Tensor s_t = g.senders().contiguous(), r_t = g.receivers().contiguous();
  const T *q = q_t.data_ptr<T>(), *p = p_t.data_ptr<T>(), *m = m_t.data_ptr<T>(), *x = x_t.data_ptr<T>(),
          *tq = tq_t.data_ptr<T>(), *tp = tp_t.data_ptr<T>(), *ef = Fe > 0 ? ef_t.data_ptr<T>() : nullptr;
  const int64_t *snd = s_t.data_ptr<int64_t>(), *rcv = r_t.data_ptr<int64_t>();
  for (auto* net : {&phi_e, &phi_n, &psi})
    if (!net->weight.empty()) net->zero();

  // Edges: (dq, |dq|, e_k, m_s, x_s, m_r, x_r) per column, as HognImpl::energy feeds phi_e.
  Mat<T> xe(D + 1 + Fe + 2 * (1 + F), e);
  std::vector<T> dist(static_cast<std::size_t>(e));  // |dq| where its gradient is live, else 0
  for (int64_t k = 0; k < e; ++k)
    dist[static_cast<std::size_t>(k)] = detail::edge_input(q, m, x, ef, D, F, Fe, k, snd[k], rcv[k], xe.col(k).data());
  Tape<T> te;
  forward(phi_e, xe, te);
  const Mat<T> ge = input_gradient(phi_e, te, static_cast<int>(D + 1));  // d phi_e / d(dq, |dq|)
  Mat<T> dh_dq = Mat<T>::Zero(D, n);
  for (int64_t k = 0; k < e; ++k) {  // in edge order, as the torch path's index_add
    const T r = dist[static_cast<std::size_t>(k)], radial = r > T(0) ? ge(D, k) / r : T(0);
    for (int64_t j = 0; j < D; ++j) {
      const T u = ge(j, k) + radial * xe(j, k);
      dh_dq(j, snd[k]) += u;
      dh_dq(j, rcv[k]) -= u;
    }
  }

  // Nodes: (p, m, x); v = dH/dp.
  Mat<T> xn(D + 1 + F, n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < D; ++j) xn(j, i) = p[i * D + j];
    xn(D, i) = m[i];
    for (int64_t j = 0; j < F; ++j) xn(D + 1 + j, i) = x[i * F + j];
  }
  Tape<T> tn;
  forward(phi_n, xn, tn);
  const Mat<T> v = input_gradient(phi_n, tn, static_cast<int>(D));

  // Damping c = softplus(psi(m, x)).
  Mat<T> xc, c_pre;
  Tape<T> tc;
  Eigen::Array<T, 1, Eigen::Dynamic> c = Eigen::Array<T, 1, Eigen::Dynamic>::Zero(n), sig = c;
  if (options.dissipation) {
    xc = xn.bottomRows(1 + F);
    forward(psi, xc, tc);
    c_pre = value(psi, tc);
    physics::eigen_activate<T>(physics::EigenActivation::kSoftplus, c_pre, c);
    sig = T(1) / (T(1) + (-c_pre.array()).exp());
  }

  // The loss over [N, 2D] and its adjoints.
  const T scale = T(2) / static_cast<T>(n * 2 * D);
  double loss = 0.0;
  Mat<T> a_v(D, n), a_gq(D, n);  // dL/dv, dL/d(dH/dq)
  Mat<T> dc = Mat<T>::Zero(1, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < D; ++j) {
      const T vij = v(j, i), dp = -dh_dq(j, i) - T(2) * c[i] * vij;
      const T fq = vij - tq[i * D + j], fp = dp - tp[i * D + j];
      loss += static_cast<double>(fq) * fq + static_cast<double>(fp) * fp;
      const T aq = scale * fq, ap = scale * fp;
      a_v(j, i) = aq - T(2) * c[i] * ap;
      a_gq(j, i) = -ap;
      dc(0, i) += T(-2) * ap * vij;
    }
  loss /= static_cast<double>(n * 2 * D);

  Mat<T> a_e(D + 1, e);  // dL/d(d phi_e / d(dq, |dq|))
  for (int64_t k = 0; k < e; ++k) {
    const T r = dist[static_cast<std::size_t>(k)];
    T radial = 0;
    for (int64_t j = 0; j < D; ++j) {
      const T b = a_gq(j, snd[k]) - a_gq(j, rcv[k]);
      a_e(j, k) = b;
      radial += b * xe(j, k);
    }
    a_e(D, k) = r > T(0) ? radial / r : T(0);
  }
  input_gradient_adjoint(phi_e, te, a_e, xe);
  input_gradient_adjoint(phi_n, tn, a_v, xn);
  if (options.dissipation) value_backward(psi, tc, Mat<T>((dc.array() * sig).matrix()), xc);
  for (auto* net : {&phi_e, &phi_n, &psi})
    if (!net->weight.empty()) net->publish();
  return loss;
}

}  // namespace noether::graph
