#include "physics/models/sphere_hnn.hpp"

#include <cmath>
#include <vector>

#include "noether/error.hpp"

namespace noether::physics {

namespace {
torch::Tensor block(const torch::Tensor& x, int64_t i) { return x.narrow(-1, 3 * i, 3); }
torch::Tensor cross3(const torch::Tensor& a, const torch::Tensor& b) { return torch::linalg_cross(a, b, -1); }
}  // namespace

SphereHnnImpl::SphereHnnImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  if (c.dof % 3 != 0)
    throw InvalidInput("model 'sphere-hnn' needs states on spheres: dof a multiple of 3, not " + std::to_string(c.dof));
  v_ = register_module("potential", Mlp(c.dof, c.hidden, 1, c.layers, c.activation, false));
  // G small and random: at G = 0 the gradient of G^T G vanishes, and K could never leave the diagonal.
  gamma_ = register_parameter("inertia_factor", 0.3 * torch::randn({c.dof, c.dof}) / std::sqrt(static_cast<double>(c.dof)));
  diagonal_ = register_parameter("inertia_diagonal", torch::ones({c.dof}));
}

torch::Tensor SphereHnnImpl::inertia() const {
  return torch::matmul(gamma_.t(), gamma_) + torch::diag(diagonal_.square());
}

torch::Tensor SphereHnnImpl::energy(const torch::Tensor& z) {
  detail::check_state(z, dof());
  const int64_t b = z.size(0), n = dof();
  const auto q = z.narrow(1, 0, n), p = z.narrow(1, n, n);
  // P = blockdiag(I - q_i q_i^T) [B, n, n].
  auto proj = torch::eye(n, z.options()).expand({b, n, n}).clone();
  for (int64_t i = 0; i < spheres(); ++i) {
    const auto u = block(q, i);
    proj.narrow(1, 3 * i, 3).narrow(2, 3 * i, 3).sub_(u.unsqueeze(2) * u.unsqueeze(1));
  }
  const auto eye = torch::eye(n, z.options()).expand({b, n, n});
  const auto a = torch::matmul(torch::matmul(proj, inertia()), proj) + (eye - proj);
  const auto w = torch::linalg_solve(a, p.unsqueeze(-1)).squeeze(-1);
  return 0.5 * (p * w).sum(1) + v_->forward(q).squeeze(-1);
}

torch::Tensor sphere_field(const torch::Tensor& z, const torch::Tensor& dh_dq, const torch::Tensor& dh_dp) {
  const int64_t k = dh_dq.size(-1) / 3, n = 3 * k;
  std::vector<torch::Tensor> dq, dp;
  for (int64_t i = 0; i < k; ++i) {
    const auto q = block(z.narrow(-1, 0, n), i), p = block(z.narrow(-1, n, n), i);
    const auto xi = cross3(q, block(dh_dp, i)), eta = cross3(block(dh_dq, i), q);
    dq.push_back(cross3(xi, q));
    dp.push_back(cross3(xi, p) + cross3(eta, q));
  }
  dq.insert(dq.end(), dp.begin(), dp.end());
  return torch::cat(dq, -1);
}

torch::Tensor SphereHnnImpl::time_derivative(const torch::Tensor& z, bool create_graph) {
  detail::check_state(z, dof());
  const auto g = energy_gradient_at(z, create_graph);
  torch::AutoGradMode graph(create_graph);
  const auto f = sphere_field(z, g.narrow(1, 0, dof()), g.narrow(1, dof(), dof()));
  return create_graph ? f : f.detach();
}

torch::Tensor SphereHnnImpl::structure_residual(const torch::Tensor& z) {
  const auto f = time_derivative(z, false);
  torch::NoGradGuard no_grad;
  const int64_t n = dof();
  auto r = torch::zeros({z.size(0)}, z.options());
  for (int64_t i = 0; i < spheres(); ++i) {
    const auto q = block(z.narrow(1, 0, n), i), p = block(z.narrow(1, n, n), i);
    const auto dq = block(f.narrow(1, 0, n), i), dp = block(f.narrow(1, n, n), i);
    r = r + (2.0 * (q * dq).sum(1)).abs() + ((dq * p).sum(1) + (q * dp).sum(1)).abs();
  }
  return r;
}

}  // namespace noether::physics
