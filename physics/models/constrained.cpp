#include "physics/models/constrained.hpp"

#include <memory>
#include <string>
#include <vector>

#include "noether/error.hpp"
#include "physics/models/field.hpp"
#include "physics/systems/constrained.hpp"

namespace noether::physics {

namespace {
/// J v for v [B, 2D] or J A for A [B, 2D, k]: (second half, -first half) along dimension 1.
torch::Tensor apply_j(const torch::Tensor& v, int64_t d) {
  return torch::cat({v.narrow(1, d, d), -v.narrow(1, 0, d)}, 1);
}
}  // namespace

ChnnImpl::ChnnImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
  const auto system = make_system(c.constraints);
  const auto* constrained = dynamic_cast<const ConstrainedSystem*>(system.get());
  if (!constrained)
    throw InvalidInput("model 'chnn' needs a system with constraints for its constraint graph; '" + c.constraints +
                       "' has none (chain-pendulum-N, spherical-pendulum, gyroscope, rotor, magnet-pendulum)");
  bodies_ = constrained->bodies();
  space_dim_ = constrained->space_dim();
  if (c.dof != bodies_ * space_dim_)
    throw InvalidInput("model 'chnn' for " + c.constraints + " needs dof = " + std::to_string(bodies_ * space_dim_) +
                       " (" + std::to_string(bodies_) + " bodies in " + std::to_string(space_dim_) + "-D), not " +
                       std::to_string(c.dof));
  for (const auto& l : constrained->links())
    links_.push_back({l.i, l.j, std::vector<double>(l.anchor.data(), l.anchor.data() + l.anchor.size())});
  v_ = register_module("potential", Mlp(c.dof, c.hidden, 1, c.layers, c.activation, false));
  {  // V starts flat (no forces): the bodies' free motion is the prior, forces are what the data add
    torch::NoGradGuard no_grad;
    v_->linears().back()->weight.zero_();
  }
  // L starts as the identity: unit masses.
  auto factor = torch::zeros({bodies_ * (bodies_ + 1) / 2});
  for (int64_t i = 0; i < bodies_; ++i) factor[i * (i + 1) / 2 + i] = 1.0;
  mass_factor_ = register_parameter("mass_factor", factor);
}

torch::Tensor ChnnImpl::inverse_mass() const {
  const auto il = torch::tril_indices(bodies_, bodies_, 0, torch::TensorOptions().device(mass_factor_.device()));
  auto l = torch::zeros({bodies_, bodies_}, mass_factor_.options());
  l = l.index_put({il[0], il[1]}, mass_factor_);
  return torch::matmul(l, l.t()) + kEpsilon * torch::eye(bodies_, mass_factor_.options());
}

void ChnnImpl::initialise_masses(const torch::Tensor& trajectories, double dt) {
  if (trajectories.dim() != 3 || trajectories.size(2) != 2 * dof())
    throw InvalidInput("initialise_masses needs trajectories [T, N, " + std::to_string(2 * dof()) + "]");
  if (!(dt > 0.0)) throw InvalidInput("initialise_masses needs a sample spacing dt > 0");
  const int64_t t = trajectories.size(0);
  if (t < 3) return;
  torch::NoGradGuard no_grad;
  const auto traj = trajectories.to(mass_factor_.scalar_type());
  const auto x = traj.narrow(2, 0, dof()), p = traj.narrow(2, dof(), dof());
  const auto v = ((x.narrow(0, 2, t - 2) - x.narrow(0, 0, t - 2)) / (2.0 * dt)).reshape({-1, bodies_, space_dim_});
  const auto pm = p.narrow(0, 1, t - 2).reshape({-1, bodies_, space_dim_});
  const std::vector<int64_t> over_samples_and_axes{0, 2};
  const auto inverse =
      ((v * pm).sum(over_samples_and_axes) / (pm * pm).sum(over_samples_and_axes).clamp_min(1e-30)).clamp_min(kEpsilon);
  mass_factor_.zero_();
  for (int64_t i = 0; i < bodies_; ++i) mass_factor_[i * (i + 1) / 2 + i] = (inverse[i] - kEpsilon).clamp_min(0.0).sqrt();
}

torch::Tensor ChnnImpl::energy(const torch::Tensor& z) {
  detail::check_state(z, dof());
  const int64_t b = z.size(0);
  const auto p = z.narrow(1, dof(), dof()).reshape({b, bodies_, space_dim_});
  const auto kinetic = 0.5 * (p * torch::matmul(inverse_mass(), p)).sum({1, 2});
  return kinetic + v_->forward(z.narrow(1, 0, dof())).squeeze(-1);
}

torch::Tensor ChnnImpl::constraint_gradients(const torch::Tensor& z) const {
  const int64_t b = z.size(0), n = bodies_, d = space_dim_;
  const auto x = z.narrow(1, 0, dof()).reshape({b, n, d});
  const auto minv = inverse_mass();
  const auto v = torch::matmul(minv, z.narrow(1, dof(), dof()).reshape({b, n, d}));
  const auto zero = torch::zeros({b, d}, z.options());
  // Body-by-body pieces [B, d] -> a column [B, n d].
  auto column = [&](const std::vector<std::pair<int64_t, torch::Tensor>>& parts) {
    std::vector<torch::Tensor> blocks(static_cast<std::size_t>(n), zero);
    for (const auto& [body, piece] : parts) blocks[static_cast<std::size_t>(body)] = blocks[static_cast<std::size_t>(body)] + piece;
    return torch::stack(blocks, 1).reshape({b, n * d});
  };
  std::vector<torch::Tensor> position, velocity;
  for (const auto& l : links_) {
    const auto anchor = torch::tensor(l.anchor, z.options()).expand({b, d});
    const auto r = x.select(1, l.i) - (l.j >= 0 ? x.select(1, l.j) : anchor);
    const auto dv = v.select(1, l.i) - (l.j >= 0 ? v.select(1, l.j) : zero);
    const auto none = torch::zeros({b, n * d}, z.options());
    if (l.j >= 0) {
      position.push_back(torch::cat({column({{l.i, r}, {l.j, -r}}), none}, 1));
    } else {
      position.push_back(torch::cat({column({{l.i, r}}), none}, 1));
    }
    // phi_dot = r . (v_i - v_j): d/dx = (v_i - v_j) at i, minus at j; d/dp_c = r (Minv[i, c] - Minv[j, c]).
    auto weights = minv.select(0, l.i);
    if (l.j >= 0) weights = weights - minv.select(0, l.j);
    const auto dp = (weights.view({1, n, 1}) * r.unsqueeze(1)).reshape({b, n * d});
    const auto dx = l.j >= 0 ? column({{l.i, dv}, {l.j, -dv}}) : column({{l.i, dv}});
    velocity.push_back(torch::cat({dx, dp}, 1));
  }
  position.insert(position.end(), velocity.begin(), velocity.end());
  return torch::stack(position, 2);
}

torch::Tensor ChnnImpl::time_derivative(const torch::Tensor& z, bool create_graph) {
  detail::check_state(z, dof());
  const auto g = energy_gradient_at(z, create_graph);
  torch::AutoGradMode graph(create_graph);
  const auto jg = apply_j(g, dof());
  const auto dphi = constraint_gradients(z.detach());
  const auto jdphi = apply_j(dphi, dof());
  const auto gram = torch::bmm(dphi.transpose(1, 2), jdphi);  // DPhi^T J DPhi, [B, 2m, 2m]
  const auto rhs = torch::bmm(dphi.transpose(1, 2), jg.unsqueeze(-1));
  const auto f = jg - torch::bmm(jdphi, torch::linalg_solve(gram, rhs)).squeeze(-1);
  return create_graph ? f : f.detach();
}

torch::Tensor ChnnImpl::structure_residual(const torch::Tensor& z) {
  const auto f = time_derivative(z, false);
  torch::NoGradGuard no_grad;
  return torch::bmm(constraint_gradients(z).transpose(1, 2), f.unsqueeze(-1)).squeeze(-1).norm(2, 1);
}

}  // namespace noether::physics
