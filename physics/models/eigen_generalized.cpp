#include "physics/models/eigen_generalized.hpp"

#include <cmath>
#include <memory>
#include <string>

#include "noether/error.hpp"
#include "physics/models/mlp.hpp"
#include "physics/models/normalized.hpp"

namespace noether::physics {

namespace {

double activate(EigenActivation a, double z) {
  switch (a) {
    case EigenActivation::kTanh: return std::tanh(z);
    case EigenActivation::kRelu: return z > 0.0 ? z : 0.0;
    case EigenActivation::kSoftplus: return z > 20.0 ? z : std::log1p(std::exp(z));  // torch's threshold
    case EigenActivation::kSin: return std::sin(z);
  }
  return z;
}

/// The activation's derivative at z, given its value a there (torch's softplus is linear above 20).
double activate_derivative(EigenActivation act, double z, double a) {
  switch (act) {
    case EigenActivation::kTanh: return 1.0 - a * a;
    case EigenActivation::kRelu: return z > 0.0 ? 1.0 : 0.0;
    case EigenActivation::kSoftplus: return z > 20.0 ? 1.0 : 1.0 / (1.0 + std::exp(-z));
    case EigenActivation::kSin: return std::cos(z);
  }
  return 1.0;
}

/// t detached, as contiguous doubles on the CPU (what matrix_of and vector_of read).
torch::Tensor cpu_doubles(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat64).contiguous(); }

/// A parameter or buffer of a module by its dotted name, as doubles on the CPU.
torch::Tensor named_tensor(torch::nn::Module& module, const std::string& name) {
  for (const auto& p : module.named_parameters())
    if (p.key() == name) return cpu_doubles(p.value());
  for (const auto& b : module.named_buffers())
    if (b.key() == name) return cpu_doubles(b.value());
  throw InvalidInput("model has no parameter '" + name + "'");
}

/// rows x cols doubles stored row by row (torch's layout and reshape order) -> an Eigen matrix.
Eigen::MatrixXd row_major(const double* data, Eigen::Index rows, Eigen::Index cols) {
  using RowMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajorD>(data, rows, cols);
}

Eigen::MatrixXd matrix_of(const torch::Tensor& t) {  // a double [rows, cols] or [rows] tensor
  return row_major(t.data_ptr<double>(), t.size(0), t.dim() > 1 ? t.size(1) : 1);
}

Eigen::VectorXd vector_of(const torch::Tensor& t) {
  return Eigen::Map<const Eigen::VectorXd>(t.data_ptr<double>(), t.numel());
}

/// ReHU(z) with d = 1 (generalized.hpp's rehu) and its derivative.
double rehu(double z) { return z <= 0.0 ? 0.0 : (z < 1.0 ? 0.5 * z * z : z - 0.5); }
double rehu_derivative(double z) { return z <= 0.0 ? 0.0 : (z < 1.0 ? z : 1.0); }

/// v - u (u . v) / |u|^2: the projection of v orthogonal to u (as generalized.cpp's project_out).
Eigen::VectorXd project_out(const Eigen::VectorXd& u, const Eigen::VectorXd& v) {
  const double uu = std::max(u.squaredNorm(), 1e-30);
  return v - u * (u.dot(v) / uu);
}

}  // namespace

std::shared_ptr<torch::nn::Module> child_module(torch::nn::Module& model, const std::string& name) {
  for (const auto& c : model.named_children())
    if (c.key() == name) return c.value();
  throw InvalidInput("model has no '" + name + "' network");
}

std::shared_ptr<MlpImpl> child_mlp(torch::nn::Module& model, const std::string& name) {
  auto mlp = std::dynamic_pointer_cast<MlpImpl>(child_module(model, name));
  if (!mlp) throw InvalidInput("the model's '" + name + "' is not an MLP");
  return mlp;
}

EigenMlp<double> scalar_mlp(const MlpImpl& mlp) {
  auto dense = EigenDenseMlp::from(mlp);
  return EigenMlp<double>(std::move(dense.weights), std::move(dense.biases), dense.activation);
}

Eigen::VectorXd EigenDenseMlp::forward(const Eigen::VectorXd& x) const {
  Eigen::VectorXd h = x;
  for (std::size_t l = 0; l < weights.size(); ++l) {
    Eigen::VectorXd z = weights[l] * h;
    if (biases[l].size()) z += biases[l];
    if (l + 1 < weights.size()) z = z.unaryExpr([&](double v) { return activate(activation, v); });
    h = std::move(z);
  }
  return h;
}

Eigen::MatrixXd EigenDenseMlp::forward_batch(const Eigen::MatrixXd& x, Tape& t) const {
  const std::size_t hidden = weights.size() - 1;
  t.z.resize(hidden);
  t.h.resize(hidden);
  const Eigen::MatrixXd* in = &x;
  for (std::size_t l = 0; l < hidden; ++l) {
    t.z[l].noalias() = weights[l] * *in;
    if (biases[l].size()) t.z[l].colwise() += biases[l];
    t.h[l].resize(t.z[l].rows(), t.z[l].cols());
    eigen_activate<double>(activation, t.z[l], t.h[l].array());
    in = &t.h[l];
  }
  Eigen::MatrixXd y = weights.back() * *in;
  if (biases.back().size()) y.colwise() += biases.back();
  return y;
}

Eigen::MatrixXd EigenDenseMlp::vjp(const Eigen::MatrixXd& ybar, const Tape& t) const {
  Eigen::MatrixXd g = weights.back().transpose() * ybar;
  for (std::size_t l = weights.size() - 1; l-- > 0;) {
    eigen_times_derivative<double>(activation, t.z[l], t.h[l], g);
    Eigen::MatrixXd next = weights[l].transpose() * g;
    g.swap(next);
  }
  return g;
}

Eigen::MatrixXd EigenDenseMlp::jacobian(const Eigen::VectorXd& x, Eigen::VectorXd* y) const {
  Eigen::VectorXd h = x;
  Eigen::MatrixXd dh = Eigen::MatrixXd::Identity(x.size(), x.size());
  for (std::size_t l = 0; l < weights.size(); ++l) {
    Eigen::VectorXd z = weights[l] * h;
    if (biases[l].size()) z += biases[l];
    Eigen::MatrixXd dz = weights[l] * dh;
    if (l + 1 < weights.size()) {
      for (Eigen::Index i = 0; i < z.size(); ++i) {
        const double a = activate(activation, z[i]);
        dz.row(i) *= activate_derivative(activation, z[i], a);
        z[i] = a;
      }
    }
    h = std::move(z);
    dh = std::move(dz);
  }
  if (y) *y = std::move(h);
  return dh;
}

EigenIcnn EigenIcnn::from(IcnnImpl& icnn) {
  torch::NoGradGuard no_grad;
  EigenIcnn m;
  for (int k = 0;; ++k) {
    const std::string layer = "input" + std::to_string(k);
    bool present = false;
    for (const auto& p : icnn.named_parameters()) present = present || p.key() == layer + ".weight";
    if (!present) break;
    m.from_input.push_back(matrix_of(named_tensor(icnn, layer + ".weight")));
    m.input_bias.push_back(vector_of(named_tensor(icnn, layer + ".bias")));
    if (k > 0) m.hidden_path.push_back(matrix_of(cpu_doubles(icnn.hidden_weight(static_cast<std::size_t>(k)))));
  }
  if (m.from_input.empty()) throw InvalidInput("the input-convex network has no layers");
  m.out = vector_of(cpu_doubles(icnn.out_weight()));
  m.skip = vector_of(named_tensor(icnn, "skip.weight"));
  return m;
}

Eigen::MatrixXd EigenIcnn::hessian(const Eigen::VectorXd& x) const {
  const Eigen::Index n = x.size(), w = from_input.front().rows();
  // Pre-activations a, their Jacobians ja [w x n] and Hessians ha [w x n^2] (row i: unit i's
  // Hessian, column-major); z = softplus(a) has jz = s ja and hz = s' ja_i ja_i^T + s ha_i.
  Eigen::VectorXd a = from_input[0] * x + input_bias[0];
  Eigen::MatrixXd ja = from_input[0], ha = Eigen::MatrixXd::Zero(w, n * n);
  Eigen::MatrixXd jz(w, n), hz(w, n * n);
  for (std::size_t k = 0;; ++k) {
    Eigen::VectorXd z(w);
    for (Eigen::Index i = 0; i < w; ++i) {
      z[i] = activate(EigenActivation::kSoftplus, a[i]);
      const double s = activate_derivative(EigenActivation::kSoftplus, a[i], z[i]);
      const double ds = a[i] > 20.0 ? 0.0 : s * (1.0 - s);  // linear above torch's threshold
      jz.row(i) = s * ja.row(i);
      for (Eigen::Index c = 0; c < n; ++c)
        for (Eigen::Index r = 0; r < n; ++r) hz(i, r + c * n) = s * ha(i, r + c * n) + ds * ja(i, r) * ja(i, c);
    }
    if (k + 1 == from_input.size()) break;
    const Eigen::MatrixXd& u = hidden_path[k];
    a = u * z + from_input[k + 1] * x + input_bias[k + 1];
    ja = u * jz + from_input[k + 1];
    ha = u * hz;
  }
  const Eigen::RowVectorXd h = out.transpose() * hz;  // the skip term is linear
  return Eigen::Map<const Eigen::MatrixXd>(h.data(), n, n);
}

EigenDenseMlp EigenDenseMlp::from(const MlpImpl& mlp) {
  torch::NoGradGuard no_grad;
  EigenDenseMlp m;
  m.activation = parse_eigen_activation(mlp.activation());
  for (const auto& lin : mlp.linears()) {
    m.weights.push_back(matrix_of(cpu_doubles(lin->weight)));
    m.biases.push_back(lin->bias.defined() ? vector_of(cpu_doubles(lin->bias)) : Eigen::VectorXd());
  }
  return m;
}

bool EigenGeneralizedField::covers(ModelKind kind) {
  switch (kind) {
    case ModelKind::kPq:
    case ModelKind::kGeneric:
    case ModelKind::kGenericSoft:
    case ModelKind::kGhnn:
    case ModelKind::kNsf:
    case ModelKind::kSymoden: return true;
    default: return false;
  }
}

EigenGeneralizedField EigenGeneralizedField::from_model(DynamicsModelImpl& model) {
  if (auto* normalized = dynamic_cast<NormalizedModelImpl*>(&model)) {
    EigenGeneralizedField f = from_model(normalized->inner());
    const auto& c = model.config();
    f.shift_ = Eigen::Map<const Eigen::VectorXd>(c.input_shift.data(), static_cast<Eigen::Index>(c.input_shift.size()));
    f.scale_ = Eigen::Map<const Eigen::VectorXd>(c.input_scale.data(), static_cast<Eigen::Index>(c.input_scale.size()));
    f.time_scale_ = c.time_scale;
    return f;
  }
  const ModelKind kind = model.config().kind;
  EigenGeneralizedField f;
  f.kind_ = kind;
  f.n_ = static_cast<int>(model.state_dim());
  switch (kind) {
    case ModelKind::kPq:
      f.energy_ = scalar_mlp(*child_mlp(model, "hamiltonian"));
      f.structure_ = EigenDenseMlp::from(*child_mlp(model, "structure"));
      break;
    case ModelKind::kGeneric:
    case ModelKind::kGenericSoft:
      f.energy_ = scalar_mlp(*child_mlp(model, "energy"));
      f.entropy_ = scalar_mlp(*child_mlp(model, "entropy"));
      f.structure_ = EigenDenseMlp::from(*child_mlp(model, "poisson"));
      f.friction_ = EigenDenseMlp::from(*child_mlp(model, "friction"));
      break;
    case ModelKind::kNsf:
      f.energy_ = scalar_mlp(*child_mlp(model, "hamiltonian"));
      f.structure_ = EigenDenseMlp::from(*child_mlp(model, "one_form"));
      break;
    case ModelKind::kGhnn: {
      torch::NoGradGuard no_grad;
      f.energy_ = scalar_mlp(*child_mlp(model, "hamiltonian"));
      f.ghnn_.n_origin = f.energy_.value(Eigen::VectorXd::Zero(f.n_));
      for (const auto& net : child_module(model, "poisson")->children())
        f.ghnn_.pairs.push_back(EigenDenseMlp::from(*std::dynamic_pointer_cast<MlpImpl>(net)));
      const auto masks = named_tensor(model, "masks");
      for (int64_t k = 0; k < masks.size(0); ++k) f.ghnn_.masks.push_back(vector_of(masks[k].contiguous()));
      auto icnn = std::dynamic_pointer_cast<IcnnImpl>(child_module(model, "friction"));
      if (!icnn) throw InvalidInput("the GHNN model's 'friction' is not an input-convex network");
      f.ghnn_.friction = EigenIcnn::from(*icnn);
      break;
    }
    case ModelKind::kSymoden: {
      const auto* sym = dynamic_cast<const SymodenImpl*>(&model);
      if (!sym) throw InvalidInput("model of kind symoden is not a SymodenImpl");
      f.symoden_.d = static_cast<int>(sym->dof_q());
      f.symoden_.periodic = sym->periodic();
      f.symoden_.embedded = sym->embedded();
      f.symoden_.epsilon = SymodenImpl::kEpsilon;
      f.symoden_.inverse_mass = EigenDenseMlp::from(*child_mlp(model, "inverse_mass"));
      f.symoden_.potential = EigenDenseMlp::from(*child_mlp(model, "potential"));
      f.symoden_.input_map = EigenDenseMlp::from(*child_mlp(model, "input_map"));
      break;
    }
    default:  // covers() is false
      throw InvalidInput(std::string("the Eigen path for generalized models takes pq, generic, generic-soft, ghnn, "
                                     "nsf or symoden, not '") +
                         model_kind_name(kind) + "'");
  }
  return f;
}

void EigenGeneralizedField::check_state(const Eigen::VectorXd& x) const {
  if (x.size() != n_)
    throw InvalidInput("state has " + std::to_string(x.size()) + " entries; the model takes " + std::to_string(n_));
  if (!x.allFinite()) throw InvalidInput("state has a non-finite entry");
}

Eigen::MatrixXd EigenGeneralizedField::skew(const Eigen::VectorXd& entries) const {
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n_, n_);
  Eigen::Index k = 0;
  for (int i = 0; i < n_; ++i)
    for (int j = i + 1; j < n_; ++j) a(i, j) = entries[k++];
  return a - a.transpose();
}

Eigen::MatrixXd EigenGeneralizedField::lower(const Eigen::VectorXd& entries, int d) const {
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(d, d);  // row by row (torch's tril_indices order)
  Eigen::Index m = 0;
  for (int i = 0; i < d; ++i)
    for (int j = 0; j <= i; ++j) l(i, j) = entries[m++];
  return l;
}

Eigen::VectorXd EigenGeneralizedField::to_inner(const Eigen::VectorXd& x) const {
  check_state(x);
  if (scale_.size() == 0) return x;
  return (x - shift_).cwiseQuotient(scale_);
}

double EigenGeneralizedField::energy(const Eigen::VectorXd& state) const {
  const Eigen::VectorXd x = to_inner(state);
  if (kind_ == ModelKind::kGhnn)
    return rehu(energy_.value(x) - ghnn_.n_origin) + GhnnImpl::kEpsilon * x.squaredNorm();
  if (kind_ != ModelKind::kSymoden) return energy_.value(x);
  const int d = symoden_.d;
  const Eigen::VectorXd c = symoden_coordinates(x);
  const Eigen::MatrixXd l = lower(symoden_.inverse_mass.forward(c), d);
  const Eigen::MatrixXd minv = l * l.transpose() + symoden_.epsilon * Eigen::MatrixXd::Identity(d, d);
  const double v = symoden_.potential.forward(c)[0];
  if (symoden_.embedded) {
    const Eigen::VectorXd w = x.segment(2 * d, d);
    return 0.5 * w.dot(minv.llt().solve(w)) + v;
  }
  const Eigen::VectorXd p = x.segment(d, d);
  return 0.5 * p.dot(minv * p) + v;
}

Eigen::VectorXd EigenGeneralizedField::time_derivative(const Eigen::VectorXd& state) const {
  const Eigen::VectorXd x = to_inner(state);
  Eigen::VectorXd f;
  switch (kind_) {
    case ModelKind::kPq: f = pq_field(x); break;
    case ModelKind::kGhnn: f = ghnn_field(x); break;
    case ModelKind::kNsf: f = nsf_field(x); break;
    case ModelKind::kSymoden: f = symoden_.embedded ? symoden_embedded_field(x) : symoden_field(x); break;
    default: f = generic_field(x);
  }
  // Learned in normalised coordinates (physics/models/normalized.hpp): dx/dt = c s (.) f~(x~).
  if (scale_.size() > 0) f = time_scale_ * scale_.cwiseProduct(f);
  return f;
}

Eigen::VectorXd EigenGeneralizedField::pq_field(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd grad_h = energy_.input_gradient(x);
  const int k = n_ * (n_ - 1) / 2;
  const Eigen::VectorXd out = structure_.forward(x);
  const Eigen::MatrixXd l = lower(out.tail(out.size() - k), n_);
  return skew(out.head(k)) * grad_h - l * (l.transpose() * grad_h);
}

Eigen::VectorXd EigenGeneralizedField::generic_field(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd grad_e = energy_.input_gradient(x);
  const Eigen::VectorXd grad_s = entropy_.input_gradient(x);
  const Eigen::MatrixXd a = skew(structure_.forward(x));
  const Eigen::VectorXd bflat = friction_.forward(x);
  const Eigen::MatrixXd b = row_major(bflat.data(), n_, n_);  // torch's reshape: B(i, j) = bflat[i n + j]
  if (kind_ == ModelKind::kGenericSoft) return a * grad_e + b * (b.transpose() * grad_s);
  const Eigen::VectorXd l_term = project_out(grad_s, a * project_out(grad_s, grad_e));
  const Eigen::VectorXd m_term = project_out(grad_e, b * (b.transpose() * project_out(grad_e, grad_s)));
  return l_term + m_term;
}

Eigen::VectorXd EigenGeneralizedField::ghnn_energy_gradient(const Eigen::VectorXd& x) const {
  const double shifted = energy_.value(x) - ghnn_.n_origin;
  return rehu_derivative(shifted) * energy_.input_gradient(x) + 2.0 * GhnnImpl::kEpsilon * x;
}

Eigen::VectorXd EigenGeneralizedField::ghnn_field(const Eigen::VectorXd& x) const {
  Eigen::VectorXd entries(static_cast<Eigen::Index>(ghnn_.pairs.size()));
  for (std::size_t k = 0; k < ghnn_.pairs.size(); ++k)
    entries[static_cast<Eigen::Index>(k)] = ghnn_.pairs[k].forward(x.cwiseProduct(ghnn_.masks[k]))[0];
  // R = Hess v with v = -ICNN.
  return (skew(entries) - ghnn_.friction.hessian(x)) * ghnn_energy_gradient(x);
}

Eigen::VectorXd EigenGeneralizedField::nsf_field(const Eigen::VectorXd& x) const {
  const Eigen::MatrixXd d = structure_.jacobian(x);  // row i: d theta_i / dx
  Eigen::MatrixXd w = d - d.transpose();
  const int h = n_ / 2;
  w.topRightCorner(h, h) += Eigen::MatrixXd::Identity(h, h);
  w.bottomLeftCorner(h, h) -= Eigen::MatrixXd::Identity(h, h);
  return w.partialPivLu().solve(energy_.input_gradient(x));
}

EigenGeneralizedField::SymodenParts EigenGeneralizedField::symoden_parts(const Eigen::VectorXd& c,
                                                                         const Eigen::MatrixXd& tangents) const {
  const int d = symoden_.d;
  SymodenParts s;
  Eigen::VectorXd entries;
  const Eigen::MatrixXd dm = symoden_.inverse_mass.jacobian(c, &entries) * tangents;  // [entries x d]
  s.l = lower(entries, d);
  s.minv = s.l * s.l.transpose() + symoden_.epsilon * Eigen::MatrixXd::Identity(d, d);
  for (int k = 0; k < d; ++k) s.dl.push_back(lower(dm.col(k), d));
  s.dv = (symoden_.potential.jacobian(c) * tangents).transpose();
  const Eigen::VectorXd g = symoden_.input_map.forward(c);  // row-major [d, d]
  s.g = row_major(g.data(), d, d);
  return s;
}

Eigen::VectorXd EigenGeneralizedField::symoden_coordinates(const Eigen::VectorXd& x, Eigen::MatrixXd* tangents) const {
  const int d = symoden_.d;
  if (!symoden_.periodic) {
    if (tangents) *tangents = Eigen::MatrixXd::Identity(d, d);
    return x.head(d);
  }
  // (cos q, sin q): computed from q, or read from an embedded state; d/dq_k = (-sin q_k, cos q_k)
  // in rows k and d + k.
  Eigen::VectorXd c(2 * d);
  if (symoden_.embedded) c = x.head(2 * d);
  else c << x.head(d).array().cos(), x.head(d).array().sin();
  if (tangents) {
    *tangents = Eigen::MatrixXd::Zero(2 * d, d);
    for (int k = 0; k < d; ++k) {
      (*tangents)(k, k) = -c[d + k];
      (*tangents)(d + k, k) = c[k];
    }
  }
  return c;
}

Eigen::VectorXd EigenGeneralizedField::symoden_field(const Eigen::VectorXd& x) const {
  const int d = symoden_.d;
  const Eigen::VectorXd p = x.segment(d, d), u = x.segment(2 * d, d);
  Eigen::MatrixXd tangents;
  const Eigen::VectorXd c = symoden_coordinates(x, &tangents);
  const SymodenParts s = symoden_parts(c, tangents);
  // H = p^T (L L^T + eps I) p / 2 + V: dH/dq_k = (dL_k^T p) . (L^T p) + dV/dq_k.
  const Eigen::VectorXd ltp = s.l.transpose() * p;
  Eigen::VectorXd dh_dq(d);
  for (int k = 0; k < d; ++k) dh_dq[k] = (s.dl[k].transpose() * p).dot(ltp) + s.dv[k];
  Eigen::VectorXd f = Eigen::VectorXd::Zero(3 * d);
  f.head(d) = s.minv * p;
  f.segment(d, d) = -dh_dq + s.g * u;
  return f;
}

Eigen::VectorXd EigenGeneralizedField::symoden_embedded_field(const Eigen::VectorXd& x) const {
  const int d = symoden_.d;
  const Eigen::VectorXd cq = x.head(d), sq = x.segment(d, d), w = x.segment(2 * d, d), u = x.segment(3 * d, d);
  Eigen::MatrixXd tangents;
  const Eigen::VectorXd c = symoden_coordinates(x, &tangents);
  const SymodenParts s = symoden_parts(c, tangents);
  const Eigen::VectorXd p = s.minv.llt().solve(w);  // M dq/dt
  const Eigen::VectorXd ltp = s.l.transpose() * p;
  // dL/dq_k = w^T (dM/dq_k) w / 2 - dV/dq_k = -p^T (dM^{-1}/dq_k) p / 2 - dV/dq_k.
  Eigen::VectorXd pdot = s.g * u;
  // d(dq/dt)/dt = M^{-1} (dp/dt - (dM/dt) w), and -(dM/dt) w = M (sum_k w_k dM^{-1}/dq_k) p.
  Eigen::VectorXd mdot_term = Eigen::VectorXd::Zero(d);
  for (int k = 0; k < d; ++k) {
    const Eigen::VectorXd dlt_p = s.dl[k].transpose() * p;
    pdot[k] -= dlt_p.dot(ltp) + s.dv[k];
    mdot_term += w[k] * (s.dl[k] * ltp + s.l * dlt_p);
  }
  Eigen::VectorXd f = Eigen::VectorXd::Zero(4 * d);
  f.head(d) = -sq.cwiseProduct(w);
  f.segment(d, d) = cq.cwiseProduct(w);
  f.segment(2 * d, d) = s.minv * pdot + mdot_term;
  return f;
}

}  // namespace noether::physics
