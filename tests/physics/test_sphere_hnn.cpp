// The Hamiltonian network on (T*S^2)^k (physics/models/sphere_hnn.hpp) and the Lie-group schemes
// stepping it (physics/learning/losses.hpp's rollout): the field keeps the spheres and H for any
// weights, the kinetic part with the true inertia is the spherical pendula's, the schemes hold
// |q| = 1 to round-off and autograd through each equals finite differences, and training through
// CF4 learns the pendula.
#include "tests/support/test_common.hpp"

#include <cmath>
#include <memory>

#include "physics/learning/dataset.hpp"
#include "physics/learning/evaluation.hpp"
#include "physics/learning/losses.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/sphere_hnn.hpp"
#include "physics/systems/constrained.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;

namespace {
std::shared_ptr<np::SphereHnnImpl> sphere_model(uint64_t seed) {
  np::ModelConfig c;
  c.kind = np::ModelKind::kSphereHnn;
  c.dof = 6;
  c.hidden = 16;
  torch::manual_seed(seed);
  auto model = std::dynamic_pointer_cast<np::SphereHnnImpl>(np::make_model(c));
  REQUIRE(model);
  model->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters())  // an inertia away from the identity
    if (p.key() == "inertia_factor") p.value().add_(0.3 * torch::randn_like(p.value()));
  return model;
}

torch::Tensor pendula_states(int count, uint64_t seed) {
  const np::SphericalPendula pendula;
  np::Rng rng(seed);
  auto z = torch::empty({count, 12}, torch::kFloat64);
  for (int i = 0; i < count; ++i) {
    const np::Vector y = pendula.random_state(rng);
    for (int j = 0; j < 12; ++j) z[i][j] = y[j];
  }
  return z;
}

/// max over samples and spheres of ||q_i| - 1|.
double sphere_drift(const torch::Tensor& z) {
  return (z.narrow(-1, 0, 6).reshape({-1, 2, 3}).norm(2, -1) - 1.0).abs().max().item<double>();
}
}  // namespace

TEST_CASE("sphere-hnn: the field keeps the spheres and H for random weights", "[physics][sphere][models]") {
  auto model = sphere_model(1);
  const auto z = pendula_states(16, 2);
  CHECK(model->structure_residual(z).max().item<double>() < 1e-12);
  const auto f = model->time_derivative(z, false);
  const auto g = model->energy_gradient_at(z, false);
  CHECK((g * f).sum(1).abs().max().item<double>() < 1e-10 * (1.0 + g.norm().item<double>() * f.norm().item<double>()));
  np::ModelConfig bad;
  bad.kind = np::ModelKind::kSphereHnn;
  bad.dof = 4;
  CHECK_THROWS_WITH(np::make_model(bad), Catch::Contains("multiple of 3"));
}

TEST_CASE("sphere-hnn: with the true inertia its kinetic energy is the spherical pendula's", "[physics][sphere][models]") {
  auto model = sphere_model(3);
  const np::SphericalPendula pendula;
  {
    torch::NoGradGuard no_grad;
    auto k = torch::zeros({6, 6}, torch::kFloat64);  // [[2 I, I], [I, I]]
    k.narrow(0, 0, 3).narrow(1, 0, 3).copy_(2 * torch::eye(3, torch::kFloat64));
    for (const auto& [r, c] : {std::pair<int, int>{0, 3}, {3, 0}, {3, 3}})
      k.narrow(0, r, 3).narrow(1, c, 3).copy_(torch::eye(3, torch::kFloat64));
    for (auto& p : model->named_parameters()) {
      if (p.key() == "inertia_factor") p.value().copy_(torch::linalg_cholesky(k).t());
      if (p.key() == "inertia_diagonal") p.value().zero_();
    }
  }
  const auto z = pendula_states(8, 5);
  auto zero_p = z.clone();
  zero_p.narrow(1, 6, 6).zero_();
  const auto kinetic = model->energy(z) - model->energy(zero_p);
  for (int i = 0; i < 8; ++i) {
    np::Vector y(12);
    for (int j = 0; j < 12; ++j) y[j] = z[i][j].item<double>();
    CHECK(kinetic[i].item<double>() ==
          Approx(pendula.energy_at(y) - pendula.potential(pendula.q_of(y))).epsilon(1e-12));
  }
}

TEST_CASE("sphere-hnn: the Lie-group schemes hold the spheres and autograd through each equals finite differences",
          "[physics][sphere][lie][autograd]") {
  auto model = sphere_model(4);
  const auto z0 = pendula_states(3, 6);
  for (const auto scheme : {ni::Scheme::kLieEuler, ni::Scheme::kRkmk4, ni::Scheme::kCf4}) {
    INFO(ni::scheme_name(scheme));
    const auto path = np::rollout(model, z0, 0.02, 300, scheme, false);
    CHECK(sphere_drift(path) < 1e-12);
    // d/dw of a fixed linear functional of the state after 5 steps, w the first inertia entry.
    const auto weights = torch::linspace(-1.0, 1.0, 12, torch::kFloat64);
    auto functional = [&]() { return (np::rollout(model, z0, 0.05, 5, scheme, true)[5] * weights).sum(); };
    model->zero_grad();
    functional().backward();
    auto& factor = model->named_parameters()["inertia_factor"];
    const double analytic = factor.grad()[0][1].item<double>();
    const double eps = 1e-6, original = factor[0][1].item<double>();
    double up = 0.0, down = 0.0;
    {
      torch::NoGradGuard no_grad;
      factor[0][1] = original + eps;
    }
    up = functional().item<double>();
    {
      torch::NoGradGuard no_grad;
      factor[0][1] = original - eps;
    }
    down = functional().item<double>();
    {
      torch::NoGradGuard no_grad;
      factor[0][1] = original;
    }
    CHECK(analytic == Approx((up - down) / (2 * eps)).epsilon(1e-6).margin(1e-9));
  }
  // The Euclidean RK4 leaves the spheres.
  CHECK(sphere_drift(np::rollout(model, z0, 0.02, 300, ni::Scheme::kRk4, false)) > 1e-8);
}

TEST_CASE("sphere-hnn: trained through CF4 steps, it learns the spherical pendula", "[physics][sphere][train]") {
  const np::SphericalPendula pendula;
  auto protocol = pendula.protocol();
  protocol.trajectories = 60;
  const auto data = np::generate_dataset(pendula, protocol, 0);
  np::ModelConfig c;
  c.kind = np::ModelKind::kSphereHnn;
  c.dof = 6;
  c.hidden = 32;
  np::TrainOptions o;
  o.steps = 100;
  o.learning_rate = 1e-2;
  o.loss = np::LossKind::kRollout;
  o.integrator = ni::Scheme::kCf4;
  o.dtype = torch::kFloat64;
  o.eval_every = 100;
  auto run = np::new_run(c, o, data);
  const double before = np::derivative_mse(*run.model, data.test_x, data.test_dxdt);
  np::train(run, data, o);
  const double after = np::derivative_mse(*run.model, data.test_x, data.test_dxdt);
  CHECK(after < before / 10);
}
