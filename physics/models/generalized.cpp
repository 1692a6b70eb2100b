#include "physics/models/generalized.hpp"

#include <cmath>

#include "noether/error.hpp"
#include "physics/models/field.hpp"
#include "physics/models/hnn.hpp"

namespace noether::physics {

namespace {

/// v - u (u . v) / |u|^2, row by row: the projection of v orthogonal to u ([B, n] each).
torch::Tensor project_out(const torch::Tensor& u, const torch::Tensor& v) {
  const auto uu = u.square().sum(-1, true).clamp_min(1e-30);
  return v - u * ((u * v).sum(-1, true) / uu);
}

/// The per-sample Jacobian d y_i / d x_j [B, n, n] of y [B, n] with respect to x [B, n] (rows
/// independent, as each sample's y depends on its own x only), one backward pass per row (n is
/// small); differentiable in the parameters with create_graph, detached otherwise.
torch::Tensor jacobian(const torch::Tensor& y, const torch::Tensor& x, bool create_graph) {
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < y.size(1); ++i) {
    auto row = torch::autograd::grad({y.select(1, i).sum()}, {x}, {}, true, create_graph, true)[0];
    if (!row.defined()) row = torch::zeros_like(x);
    rows.push_back(create_graph ? row : row.detach());
  }
  return torch::stack(rows, 1);
}

}  // namespace

torch::Tensor skew_from(const torch::Tensor& entries, int64_t n) {
  const auto iu = torch::triu_indices(n, n, 1, torch::TensorOptions().device(entries.device()));
  auto a = torch::zeros({entries.size(0), n, n}, entries.options());
  a.index_put_({torch::indexing::Slice(), iu[0], iu[1]}, entries);
  return a - a.transpose(1, 2);
}

torch::Tensor lower_from(const torch::Tensor& entries, int64_t n) {
  const auto il = torch::tril_indices(n, n, 0, torch::TensorOptions().device(entries.device()));
  auto l = torch::zeros({entries.size(0), n, n}, entries.options());
  l.index_put_({torch::indexing::Slice(), il[0], il[1]}, entries);
  return l;
}

torch::Tensor mat_vec(const torch::Tensor& m, const torch::Tensor& v) {
  return torch::bmm(m, v.unsqueeze(-1)).squeeze(-1);
}

// ---- pq -----------------------------------------------------------------------------------------

PqImpl::PqImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  const int64_t n = c.dim();
  h_ = register_module("hamiltonian", Mlp(n, c.hidden, 1, c.layers, c.activation, false));
  s_ = register_module("structure", Mlp(n, c.hidden, n * (n - 1) / 2 + n * (n + 1) / 2, c.layers, c.activation, true));
  detail::zero_biases(h_);
}

torch::Tensor PqImpl::energy(const torch::Tensor& x) { return h_->forward(x).squeeze(-1); }

std::pair<torch::Tensor, torch::Tensor> PqImpl::structure(const torch::Tensor& x) {
  const int64_t n = state_dim(), k = n * (n - 1) / 2;
  const auto out = s_->forward(x);
  const auto l = lower_from(out.narrow(1, k, out.size(1) - k), n);
  return {skew_from(out.narrow(1, 0, k), n), -torch::bmm(l, l.transpose(1, 2))};
}

torch::Tensor PqImpl::time_derivative(const torch::Tensor& x, bool create_graph) {
  detail::check_width(x, state_dim());
  const auto g = energy_gradient_at(x, create_graph);
  auto run = [&] {
    const auto [p, q] = structure(x);
    return mat_vec(p + q, g);
  };
  if (create_graph) return run();
  torch::NoGradGuard no_grad;
  return run();
}

torch::Tensor PqImpl::structure_residual(const torch::Tensor& x) { return torch::relu(energy_rate(x)); }

// ---- GENERIC ------------------------------------------------------------------------------------

GenericImpl::GenericImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  const int64_t n = c.dim();
  e_ = register_module("energy", Mlp(n, c.hidden, 1, c.layers, c.activation, false));
  s_ = register_module("entropy", Mlp(n, c.hidden, 1, c.layers, c.activation, false));
  a_ = register_module("poisson", Mlp(n, c.hidden, n * (n - 1) / 2, c.layers, c.activation, true));
  b_ = register_module("friction", Mlp(n, c.hidden, n * n, c.layers, c.activation, true));
  detail::zero_biases(e_);
  detail::zero_biases(s_);
}

torch::Tensor GenericImpl::energy(const torch::Tensor& x) { return e_->forward(x).squeeze(-1); }
torch::Tensor GenericImpl::entropy(const torch::Tensor& x) { return s_->forward(x).squeeze(-1); }

GenericImpl::Parts GenericImpl::parts(const torch::Tensor& x, bool create_graph) {
  const int64_t n = state_dim();
  Parts p;
  p.grad_e = energy_gradient_at(x, create_graph);
  p.grad_s = energy_gradient([this](const torch::Tensor& s) { return entropy(s); }, x, create_graph);
  torch::AutoGradMode graph(create_graph);  // the structure networks' graph only while training
  p.a = skew_from(a_->forward(x), n);
  p.b = b_->forward(x).reshape({x.size(0), n, n});
  return p;
}

torch::Tensor GenericImpl::apply_l(const Parts& p, const torch::Tensor& v) const {
  if (!exact()) return mat_vec(p.a, v);
  return project_out(p.grad_s, mat_vec(p.a, project_out(p.grad_s, v)));  // P_S A P_S v
}

torch::Tensor GenericImpl::apply_m(const Parts& p, const torch::Tensor& v) const {
  const auto bt = p.b.transpose(1, 2);
  if (!exact()) return mat_vec(p.b, mat_vec(bt, v));
  return project_out(p.grad_e, mat_vec(p.b, mat_vec(bt, project_out(p.grad_e, v))));  // P_E B B^T P_E v
}

torch::Tensor GenericImpl::time_derivative(const torch::Tensor& x, bool create_graph) {
  detail::check_width(x, state_dim());
  auto run = [&] {
    const auto p = parts(x, create_graph);
    return apply_l(p, p.grad_e) + apply_m(p, p.grad_s);
  };
  return create_graph ? run() : run().detach();
}

torch::Tensor GenericImpl::structure_residual(const torch::Tensor& x) {
  const auto p = parts(x, false);
  torch::NoGradGuard no_grad;
  return apply_l(p, p.grad_s).square().sum(-1) + apply_m(p, p.grad_e).square().sum(-1);
}

torch::Tensor GenericImpl::structure_penalty(const torch::Tensor& x) {
  if (exact() || config_.degeneracy_weight == 0.0) return {};
  const auto p = parts(x, true);
  return config_.degeneracy_weight *
         (apply_l(p, p.grad_s).square().sum(-1) + apply_m(p, p.grad_e).square().sum(-1)).mean();
}

std::pair<torch::Tensor, torch::Tensor> GenericImpl::structure(const torch::Tensor& x) {
  const auto p = parts(x, false);
  torch::NoGradGuard no_grad;
  const int64_t n = state_dim();
  auto eye = torch::eye(n, x.options()).expand({x.size(0), n, n});
  auto columns = [&](bool l) {
    std::vector<torch::Tensor> cols;
    for (int64_t j = 0; j < n; ++j) {
      const auto e = eye.select(2, j);
      cols.push_back(l ? apply_l(p, e) : apply_m(p, e));
    }
    return torch::stack(cols, 2);
  };
  return {columns(true), columns(false)};
}

// ---- GHNN ---------------------------------------------------------------------------------------

torch::Tensor rehu(const torch::Tensor& z, double d) {
  return torch::where(z <= 0, torch::zeros_like(z), torch::where(z < d, z.square() / (2.0 * d), z - 0.5 * d));
}

IcnnImpl::IcnnImpl(int64_t in, int64_t hidden, int64_t layers, bool squared) : squared_(squared) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(hidden));
  auto start = [&](std::vector<int64_t> shape) {
    if (squared) return (torch::rand(shape) * 2.0 - 1.0) * scale;
    return torch::randn(shape) * scale - 2.0;
  };
  for (int64_t k = 0; k < layers; ++k) {
    from_input_.push_back(register_module("input" + std::to_string(k), torch::nn::Linear(in, hidden)));
    if (k > 0) hidden_path_.push_back(register_parameter("hidden" + std::to_string(k), start({hidden, hidden})));
  }
  out_ = register_parameter("out", start({hidden}));
  skip_ = register_module("skip", torch::nn::Linear(torch::nn::LinearOptions(in, 1).bias(false)));
}

torch::Tensor IcnnImpl::hidden_weight(std::size_t k) const { return positive(hidden_path_.at(k - 1)); }
torch::Tensor IcnnImpl::out_weight() const { return positive(out_); }

torch::Tensor IcnnImpl::forward(const torch::Tensor& x) {
  auto z = torch::softplus(from_input_[0]->forward(x));
  for (std::size_t k = 1; k < from_input_.size(); ++k)
    z = torch::softplus(torch::matmul(z, hidden_weight(k).t()) + from_input_[k]->forward(x));
  return torch::matmul(z, out_weight()) + skip_->forward(x).squeeze(-1);
}

GhnnImpl::GhnnImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  const int64_t n = c.dim();
  n_ = register_module("hamiltonian", Mlp(n, c.hidden, 1, c.layers, c.activation, false));
  j_ = register_module("poisson", torch::nn::ModuleList());
  std::vector<torch::Tensor> masks;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      j_->push_back(Mlp(n, c.hidden, 1, c.layers, c.activation, true));
      auto m = torch::ones({n});
      m[i] = 0.0;
      m[j] = 0.0;
      masks.push_back(m);
    }
  masks_ = register_buffer("masks", torch::stack(masks));
  v_ = register_module("friction", Icnn(n, c.hidden, c.layers, c.icnn_weights == "squared"));
}

torch::Tensor GhnnImpl::energy(const torch::Tensor& x) {
  const auto origin = torch::zeros({1, x.size(1)}, x.options());
  const auto shifted = n_->forward(x).squeeze(-1) - n_->forward(origin).squeeze(-1);
  return rehu(shifted) + kEpsilon * x.square().sum(-1);
}

torch::Tensor GhnnImpl::friction_potential(const torch::Tensor& x) { return -v_->forward(x); }

std::pair<torch::Tensor, torch::Tensor> GhnnImpl::structure(const torch::Tensor& x, bool create_graph) {
  const int64_t n = state_dim();
  torch::Tensor j;
  {
    torch::AutoGradMode graph(create_graph);
    std::vector<torch::Tensor> entries;
    for (std::size_t k = 0; k < j_->size(); ++k)
      entries.push_back(j_[k]->as<MlpImpl>()->forward(x * masks_[static_cast<int64_t>(k)]));
    j = skew_from(torch::cat(entries, 1), n);
  }
  // Hess v: the Jacobian of grad v (kept differentiable in x for the second derivative).
  torch::AutoGradMode enable(true);
  const auto xg = x.requires_grad() ? x : x.detach().requires_grad_(true);
  const auto gv = torch::autograd::grad({friction_potential(xg).sum()}, {xg}, {}, true, true)[0];
  return {j, jacobian(gv, xg, create_graph)};
}

torch::Tensor GhnnImpl::time_derivative(const torch::Tensor& x, bool create_graph) {
  detail::check_width(x, state_dim());
  const auto g = energy_gradient_at(x, create_graph);
  const auto [j, r] = structure(x, create_graph);
  const auto f = mat_vec(j + r, g);
  return create_graph ? f : f.detach();
}

torch::Tensor GhnnImpl::structure_residual(const torch::Tensor& x) { return torch::relu(energy_rate(x)); }

torch::Tensor GhnnImpl::friction_curl(const torch::Tensor& x) {
  detail::check_width(x, state_dim());
  torch::AutoGradMode enable(true);
  const auto xg = x.detach().requires_grad_(true);
  const auto g = energy_gradient_at(xg, true);
  const auto gv = torch::autograd::grad({friction_potential(xg).sum()}, {xg}, {}, true, true)[0];
  // Hess(v) g as the vector-Jacobian product of grad v with g (Hess v is symmetric).
  const auto rg = torch::autograd::grad({gv}, {xg}, {g}, true, true)[0];
  const auto d = jacobian(rg, xg, true);  // d[b, i, k] = d(R g)_i / dx_k
  return d.transpose(1, 2) - d;
}

torch::Tensor GhnnImpl::structure_penalty(const torch::Tensor& x) {
  if (config_.curl_weight == 0.0) return {};
  const int64_t n = state_dim();
  if (n < 2) return {};
  // The pairs i < j are half the off-diagonal entries of the antisymmetric curl.
  const double pairs = static_cast<double>(n * (n - 1) / 2);
  // Third derivatives at every state of a step cost three times the step itself (80 windows of 120
  // samples: 9600 states); the mean over a random subset is an unbiased estimate of the same mean.
  const auto states = x.size(0) > kCurlStates
                          ? x.index_select(0, torch::randperm(x.size(0), torch::kLong).narrow(0, 0, kCurlStates))
                          : x;
  return config_.curl_weight * friction_curl(states).square().sum({1, 2}).mean() / (2.0 * pairs);
}

// ---- Neural symplectic form -----------------------------------------------------------------------

NsfImpl::NsfImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  const int64_t n = c.dim();
  if (n % 2 != 0)
    throw InvalidInput("model 'nsf' needs an even state dimension (a symplectic form on " + std::to_string(n) +
                       " dimensions is singular)");
  h_ = register_module("hamiltonian", Mlp(n, c.hidden, 1, c.layers, c.activation, false));
  theta_ = register_module("one_form", Mlp(n, c.hidden, n, c.layers, c.activation, true));
}

torch::Tensor NsfImpl::energy(const torch::Tensor& x) { return h_->forward(x).squeeze(-1); }
torch::Tensor NsfImpl::one_form(const torch::Tensor& x) { return theta_->forward(x); }

torch::Tensor NsfImpl::symplectic_form(const torch::Tensor& x, bool create_graph) {
  const int64_t n = state_dim();
  torch::AutoGradMode enable(true);
  const auto xg = x.requires_grad() ? x : x.detach().requires_grad_(true);
  const auto d = jacobian(one_form(xg), xg, create_graph);  // row i: d theta_i / dx
  // Plus the canonical form J (the exterior derivative of sum_i x_{i + n/2} dx_i): the sum is still
  // closed, and W starts invertible and well conditioned rather than near-singular somewhere.
  const int64_t h = n / 2;
  auto j = torch::zeros({n, n}, x.options());
  j.narrow(0, 0, h).narrow(1, h, h).copy_(torch::eye(h, x.options()));
  j.narrow(0, h, h).narrow(1, 0, h).copy_(-torch::eye(h, x.options()));
  return d - d.transpose(1, 2) + j;
}

torch::Tensor NsfImpl::time_derivative(const torch::Tensor& x, bool create_graph) {
  detail::check_width(x, state_dim());
  const auto g = energy_gradient_at(x, create_graph);
  const auto w = symplectic_form(x, create_graph);
  const auto f = torch::linalg_solve(w, g.unsqueeze(-1)).squeeze(-1);
  return create_graph ? f : f.detach();
}

torch::Tensor NsfImpl::structure_residual(const torch::Tensor& x) { return energy_rate(x).abs(); }

// ---- SymODEN --------------------------------------------------------------------------------------

SymodenImpl::SymodenImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  const int64_t n = c.dim();
  if (c.angles > 0 && n != 3 * c.angles && n != 4 * c.angles)
    throw InvalidInput("model 'symoden' with " + std::to_string(c.angles) + " angles needs states (q, p, u) of " +
                       std::to_string(3 * c.angles) + " entries or (cos q, sin q, dq/dt, u) of " +
                       std::to_string(4 * c.angles) + ", not " + std::to_string(n));
  if (c.angles == 0 && n % 3 != 0)
    throw InvalidInput("model 'symoden' needs states (q, p, u) of d entries each; " + std::to_string(n) +
                       " is not a multiple of 3");
  const int64_t d = dof_q(), in = periodic() ? 2 * d : d;
  m_ = register_module("inverse_mass", Mlp(in, c.hidden, d * (d + 1) / 2, c.layers, c.activation, true));
  v_ = register_module("potential", Mlp(in, c.hidden, 1, c.layers, c.activation, false));
  g_ = register_module("input_map", Mlp(in, c.hidden, d * d, c.layers, c.activation, true));
}

torch::Tensor SymodenImpl::inverse_mass(const torch::Tensor& coords) {
  const int64_t d = dof_q();
  const auto l = lower_from(m_->forward(coords), d);
  return torch::bmm(l, l.transpose(1, 2)) + kEpsilon * torch::eye(d, coords.options());
}

torch::Tensor SymodenImpl::potential(const torch::Tensor& coords) { return v_->forward(coords).squeeze(-1); }

torch::Tensor SymodenImpl::input_map(const torch::Tensor& coords) {
  const int64_t d = dof_q();
  return g_->forward(coords).reshape({coords.size(0), d, d});
}

torch::Tensor SymodenImpl::coordinates_of(const torch::Tensor& x) const {
  const int64_t d = dof_q();
  if (embedded()) return x.narrow(1, 0, 2 * d);
  const auto q = x.narrow(1, 0, d);
  return periodic() ? torch::cat({torch::cos(q), torch::sin(q)}, 1) : q;
}

torch::Tensor SymodenImpl::energy(const torch::Tensor& x) {
  const int64_t d = dof_q();
  const auto coords = coordinates_of(x);
  if (embedded()) {
    const auto w = x.narrow(1, 2 * d, d);
    const auto p = torch::linalg_solve(inverse_mass(coords), w.unsqueeze(-1)).squeeze(-1);
    return 0.5 * (w * p).sum(-1) + potential(coords);
  }
  const auto p = x.narrow(1, d, d);
  return 0.5 * (p * mat_vec(inverse_mass(coords), p)).sum(-1) + potential(coords);
}

torch::Tensor SymodenImpl::time_derivative(const torch::Tensor& x, bool create_graph) {
  detail::check_width(x, state_dim());
  if (embedded()) return embedded_derivative(x, create_graph);
  const int64_t d = dof_q();
  const auto g = energy_gradient_at(x, create_graph);
  torch::AutoGradMode graph(create_graph);
  const auto u = x.narrow(1, 2 * d, d);
  const auto drive = mat_vec(input_map(coordinates_of(x)), u);
  const auto f = torch::cat({g.narrow(1, d, d), -g.narrow(1, 0, d) + drive, torch::zeros_like(u)}, 1);
  return create_graph ? f : f.detach();
}

torch::Tensor SymodenImpl::embedded_derivative(const torch::Tensor& x, bool create_graph) {
  const int64_t d = dof_q();
  torch::AutoGradMode enable(true);  // also inside a caller's NoGradGuard
  // Derivatives with respect to x's own slices hold the others fixed: d/d(cos q, sin q) at fixed
  // dq/dt is what the Lagrangian form below needs.
  const auto xs = x.requires_grad() ? x : x.detach().requires_grad_(true);
  const auto cs = xs.narrow(1, 0, 2 * d), w = xs.narrow(1, 2 * d, d), u = xs.narrow(1, 3 * d, d);
  const auto c = xs.narrow(1, 0, d), s = xs.narrow(1, d, d);
  const auto minv = inverse_mass(cs);
  const auto p = torch::linalg_solve(minv, w.unsqueeze(-1)).squeeze(-1);  // M dq/dt
  // dH/dq at fixed p is -dL/dq at fixed dq/dt, L = (dq/dt)^T M (dq/dt) / 2 - V; through
  // (cos q, sin q): dL/dq = -sin q dL/dcos + cos q dL/dsin.
  const auto lagrangian = 0.5 * (w * p).sum(-1) - potential(cs);
  const auto dl = torch::autograd::grad({lagrangian.sum()}, {xs}, {}, true, create_graph, true)[0];
  const auto dl_dq = -s * dl.narrow(1, 0, d) + c * dl.narrow(1, d, d);
  const auto pdot = dl_dq + mat_vec(input_map(cs), u);
  const auto csdot = torch::cat({-s * w, c * w}, 1);
  // (dM/dt) dq/dt = J v with J = d(M dq/dt)/d(cos q, sin q), v = d(cos q, sin q)/dt: two reverse
  // passes, the first against a dummy r, the second differentiating in r.
  const auto r = torch::zeros_like(w).requires_grad_(true);
  const auto jr = torch::autograd::grad({(r * p).sum()}, {xs}, {}, true, true, true)[0];
  auto mdot_w = torch::autograd::grad({(jr.narrow(1, 0, 2 * d) * csdot).sum()}, {r}, {}, true, create_graph, true)[0];
  if (!mdot_w.defined()) mdot_w = torch::zeros_like(w);
  const auto wdot = mat_vec(minv, pdot - mdot_w);
  const auto f = torch::cat({csdot, wdot, torch::zeros_like(u)}, 1);
  return create_graph ? f : f.detach();
}

torch::Tensor SymodenImpl::structure_residual(const torch::Tensor& x) {
  const int64_t d = dof_q();
  const auto g = energy_gradient_at(x, false);
  const auto f = time_derivative(x, false);
  torch::NoGradGuard no_grad;
  const auto coords = coordinates_of(x);
  const auto qdot = embedded() ? x.narrow(1, 2 * d, d) : f.narrow(1, 0, d);
  const auto power = (qdot * mat_vec(input_map(coords), x.narrow(1, embedded() ? 3 * d : 2 * d, d))).sum(-1);
  return ((g * f).sum(-1) - power).abs();
}

}  // namespace noether::physics
