// Variational integrator networks (physics/models/vin.hpp): each map is symplectic (its Jacobian
// preserves the canonical form, by autograd), the position and state forms agree, vin-so2 is
// unchanged by whole turns, gradients through the multi-step loss equal finite differences, a
// VIN learns a spring from noisy observations, and bad uses are refused.
#include "tests/support/test_common.hpp"

#include <cmath>
#include <memory>
#include <vector>

#include "physics/learning/dataset.hpp"
#include "physics/learning/evaluation.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/vin.hpp"
#include "physics/systems/noisy.hpp"

namespace np = noether::physics;

namespace {
constexpr double kTwoPi = 6.283185307179586;

std::shared_ptr<np::VinImpl> vin(np::ModelKind kind, int64_t dof = 1, uint64_t seed = 0) {
  np::ModelConfig c;
  c.kind = kind;
  c.dof = dof;
  c.hidden = 16;
  torch::manual_seed(seed);
  auto model = std::dynamic_pointer_cast<np::VinImpl>(np::make_model(c));
  REQUIRE(model);
  model->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters())  // a mass away from 1
    if (p.key() == "log_inverse_mass") p.value().add_(0.3);
  return model;
}

const np::ModelKind kKinds[] = {np::ModelKind::kVinVv, np::ModelKind::kVinSv, np::ModelKind::kVinSo2};
}  // namespace

TEST_CASE("VIN: every map is symplectic, and its position and state forms agree", "[physics][vin]") {
  for (const auto kind : kKinds) {
    INFO(np::model_kind_name(kind));
    const int64_t d = 2;
    auto model = vin(kind, d, 3);
    const double h = 0.1;
    const auto z0 = 0.5 * torch::randn({4, 2 * d}, torch::kFloat64);
    // The Jacobian of one step, row by row: J^T Omega J = Omega.
    for (int64_t b = 0; b < 4; ++b) {
      const auto z = z0[b].clone().requires_grad_(true);
      const auto out = model->step(z.unsqueeze(0), h, true).squeeze(0);
      std::vector<torch::Tensor> rows;
      for (int64_t i = 0; i < 2 * d; ++i)
        rows.push_back(torch::autograd::grad({out[i]}, {z}, {}, /*retain_graph=*/true)[0]);
      const auto jac = torch::stack(rows);
      auto omega = torch::zeros({2 * d, 2 * d}, torch::kFloat64);
      omega.narrow(0, 0, d).narrow(1, d, d).copy_(torch::eye(d, torch::kFloat64));
      omega.narrow(0, d, d).narrow(1, 0, d).copy_(-torch::eye(d, torch::kFloat64));
      CHECK((jac.t().matmul(omega).matmul(jac) - omega).abs().max().item<double>() < 1e-12);
    }
    // Three states by the state map; the position map from the first two positions gives the third.
    const auto z1 = model->step(z0, h, false), z2 = model->step(z1, h, false);
    const auto q2 = model->position_step(z0.narrow(1, 0, d), z1.narrow(1, 0, d), h, false);
    CHECK((q2 - z2.narrow(1, 0, d)).abs().max().item<double>() < 1e-12);
    // One step is H's flow to second order: against the canonical field at h and h/2.
    auto err = [&](double step) {
      const auto f0 = model->time_derivative(z0, false);
      return (model->step(z0, step, false) - (z0 + step * f0)).abs().max().item<double>();
    };
    CHECK(err(1e-3) / err(5e-4) == Approx(4.0).epsilon(0.05));  // the local error of Euler is O(h^2)
  }
}

TEST_CASE("VIN-SO2 respects the angle wrap", "[physics][vin]") {
  auto model = vin(np::ModelKind::kVinSo2, 1, 5);
  const auto q0 = torch::rand({16, 1}, torch::kFloat64) * 6.0 - 3.0;
  const auto q1 = q0 + 0.3 * torch::randn({16, 1}, torch::kFloat64);
  const double h = 0.1;
  const auto plain = model->position_step(q0, q1, h, false);
  for (const int turns : {-2, 1, 3}) {
    const auto shifted = model->position_step(q0 + turns * kTwoPi, q1 + turns * kTwoPi, h, false);
    CHECK((shifted - turns * kTwoPi - plain).abs().max().item<double>() < 1e-12);
    // Mixed: the earlier position a turn away from the later one is the same motion.
    const auto mixed = model->position_step(q0 + turns * kTwoPi, q1, h, false);
    CHECK((mixed - plain).abs().max().item<double>() < 1e-12);
  }
  auto z = torch::cat({q1, torch::randn({16, 1}, torch::kFloat64)}, 1);
  auto turned = z.clone();
  turned.narrow(1, 0, 1).add_(kTwoPi);
  const auto a = model->step(z, h, false), b = model->step(turned, h, false);
  CHECK((b.narrow(1, 0, 1) - kTwoPi - a.narrow(1, 0, 1)).abs().max().item<double>() < 1e-12);
  CHECK((b.narrow(1, 1, 1) - a.narrow(1, 1, 1)).abs().max().item<double>() < 1e-12);
  // The loss compares angles modulo whole turns: observations a turn away score the same.
  const auto window = 0.8 * torch::randn({6, 16, 2}, torch::kFloat64);
  auto moved = window.clone();
  moved.narrow(0, 1, 5).narrow(2, 0, 1).add_(kTwoPi);
  const double base = np::vin_window_loss(*model, window, h).item<double>();
  CHECK(np::vin_window_loss(*model, moved, h).item<double>() == Approx(base).epsilon(1e-12));
}

TEST_CASE("VIN: gradients through the multi-step loss equal finite differences", "[physics][vin][autograd]") {
  for (const auto kind : kKinds) {
    INFO(np::model_kind_name(kind));
    auto model = vin(kind, 1, 7);
    const auto window = 0.8 * torch::randn({6, 3, 2}, torch::kFloat64);
    auto loss = np::vin_window_loss(*model, window, 0.1);
    model->zero_grad();
    loss.backward();
    for (auto& p : model->named_parameters()) {
      if (p.key() != "log_inverse_mass" && p.key().find("0.weight") == std::string::npos) continue;
      auto flat = p.value().view(-1);
      const double analytic = p.value().grad().view(-1)[0].item<double>();
      const double eps = 1e-6, original = flat[0].item<double>();
      torch::NoGradGuard no_grad;
      flat[0] = original + eps;
      const double up = np::vin_window_loss(*model, window, 0.1).item<double>();
      flat[0] = original - eps;
      const double down = np::vin_window_loss(*model, window, 0.1).item<double>();
      flat[0] = original;
      CHECK(analytic == Approx((up - down) / (2 * eps)).epsilon(1e-5).margin(1e-9));
    }
  }
}

TEST_CASE("VIN: learns the spring from noisy observations and refuses other losses", "[physics][vin][train]") {
  const np::NoisySpring spring;
  auto protocol = spring.protocol();
  protocol.trajectories = 8;  // from the default state, each with its own noise
  const auto data = np::generate_dataset(spring, protocol, 0);
  np::ModelConfig c;
  c.kind = np::ModelKind::kVinVv;
  c.dof = 1;
  c.hidden = 32;
  np::TrainOptions o;
  o.steps = 300;
  o.learning_rate = 1e-2;
  o.loss = np::LossKind::kRollout;
  o.rollout_steps = 20;
  o.dtype = torch::kFloat64;
  o.eval_every = 300;
  auto run = np::new_run(c, o, data);
  np::EvaluationOptions e;
  e.starts = 1;
  e.fixed_start = true;  // the VIN paper's test: 10 s from the noiseless start
  e.points = 101;
  e.t1 = 10.0;
  const double before = np::evaluate(*run.model, spring, data, e).state_mse;
  np::train(run, data, o);
  const auto after = np::evaluate(*run.model, spring, data, e);
  // The noise alone has variance 0.11; the forecast from the clean start is far below it.
  CHECK(after.state_mse < 0.03);
  CHECK(after.state_mse < before / 10);
  auto bad = o;
  bad.loss = np::LossKind::kPointwise;
  CHECK_THROWS_WITH(np::train(run, data, bad), Catch::Contains("rollout"));
}
