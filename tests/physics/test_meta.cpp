// Meta-learning across a family of systems (physics/learning/meta.hpp, issue 18): the inner step
// is the hand-computed gradient step, MAML's gradient through the adaptation equals finite
// differences, the family's derivatives are Hamilton's equations of its member, meta-learned
// weights adapt faster than fresh ones, files round-trip, and bad input is refused.
#include "tests/support/test_common.hpp"

#include <cmath>
#include <cstdio>

#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/meta.hpp"

namespace np = noether::physics;

namespace {
np::FunctionalNet to_double(np::FunctionalNet net) {
  for (auto& p : net.params) p = p.detach().to(torch::kFloat64).requires_grad_(true);
  return net;
}
}  // namespace

TEST_CASE("meta-learning: the inner step is the hand-computed gradient step", "[physics][meta]") {
  torch::manual_seed(0);
  const auto x = torch::randn({7, 2}, torch::kFloat64), y = torch::randn({7, 2}, torch::kFloat64);
  const double lr = 0.05;
  {
    // A linear baseline f(x) = x W^T: L = mean over 2B entries of (x W^T - y)^2, dL/dW = R^T x / B.
    const auto net = to_double(np::make_functional_net(np::ModelKind::kBaseline, 4, 0));
    const auto w = net.params[0].detach();
    const auto r = torch::matmul(x, w.t()) - y;
    const auto expected = w - lr * torch::matmul(r.t(), x) / 7.0;
    const auto adapted = net.adapt(net.params, x, y, 1, lr, false);
    CHECK(torch::allclose(adapted[0], expected, 0.0, 1e-14));
  }
  {
    // A linear HNN H = w . x: its field J grad H = (w1, -w0) everywhere, so
    // dL/dw0 = sum_b (w0 + y_b1) / B and dL/dw1 = sum_b (w1 - y_b0) / B.
    const auto net = to_double(np::make_functional_net(np::ModelKind::kHnn, 4, 0));
    const auto w = net.params[0].detach();
    const double g0 = (w[0][0] + y.select(1, 1)).sum().item<double>() / 7.0;
    const double g1 = (w[0][1] - y.select(1, 0)).sum().item<double>() / 7.0;
    const auto adapted = net.adapt(net.params, x, y, 1, lr, true);
    CHECK(adapted[0][0][0].item<double>() == Approx(w[0][0].item<double>() - lr * g0).epsilon(1e-14));
    CHECK(adapted[0][0][1].item<double>() == Approx(w[0][1].item<double>() - lr * g1).epsilon(1e-14));
  }
}

TEST_CASE("meta-learning: MAML's gradient through two inner steps equals finite differences", "[physics][meta]") {
  torch::manual_seed(1);
  const auto net = to_double(np::make_functional_net(np::ModelKind::kHnn, 6, 1));
  const auto task = np::sample_task(np::SystemFamily::kPendulumLengths, 20, 3);
  const auto xs = task.x.narrow(0, 0, 10).to(torch::kFloat64), ds = task.dxdt.narrow(0, 0, 10).to(torch::kFloat64);
  const auto xq = task.x.narrow(0, 10, 10).to(torch::kFloat64), dq = task.dxdt.narrow(0, 10, 10).to(torch::kFloat64);
  auto outer = [&](const std::vector<torch::Tensor>& w) {
    return net.loss(xq, dq, net.adapt(w, xs, ds, 2, 0.1, true));
  };
  const auto g = torch::autograd::grad({outer(net.params)}, net.params);
  const double h = 1e-6;
  for (std::size_t i = 0; i < net.params.size(); ++i) {
    auto w = net.params[i];
    for (int64_t k : {int64_t{0}, w.numel() - 1}) {
      auto flat = w.detach().view(-1);
      const double keep = flat[k].item<double>();
      flat[k] = keep + h;
      const double up = outer(net.params).item<double>();
      flat[k] = keep - h;
      const double down = outer(net.params).item<double>();
      flat[k] = keep;
      CHECK(g[i].reshape(-1)[k].item<double>() == Approx((up - down) / (2 * h)).epsilon(1e-5).margin(1e-9));
    }
  }
}

TEST_CASE("meta-learning: a family member's derivatives are its Hamilton's equations", "[physics][meta]") {
  const auto a = np::sample_task(np::SystemFamily::kPendulumLengths, 50, 9);
  const auto b = np::sample_task(np::SystemFamily::kPendulumLengths, 50, 9);
  CHECK(torch::equal(a.x, b.x));
  CHECK(a.parameter >= 0.5);
  CHECK(a.parameter <= 2.0);
  const double l = a.parameter;
  const auto q = a.x.select(1, 0).to(torch::kFloat64), p = a.x.select(1, 1).to(torch::kFloat64);
  CHECK(torch::allclose(a.dxdt.select(1, 0).to(torch::kFloat64), p / (l * l), 1e-6, 1e-6));
  CHECK(torch::allclose(a.dxdt.select(1, 1).to(torch::kFloat64), -l * torch::sin(q), 1e-6, 1e-6));
  CHECK(np::sample_task(np::SystemFamily::kPendulumLengths, 50, 10).parameter != l);
  const auto s = np::sample_task(np::SystemFamily::kSpringConstants, 30, 1);
  // dq/dt = p / m and dp/dt = -k q: the ratio of dp/dt to q is -k for every state.
  CHECK(torch::allclose(s.dxdt.select(1, 1) / s.x.select(1, 0), torch::full({30}, -s.parameter, torch::kFloat32), 1e-4, 1e-4));
  // Kepler: dq/dt = p, dp/dt = -mu q / |q|^3, with |q| in [0.5, 1.5].
  const auto k = np::sample_task(np::SystemFamily::kKeplerMasses, 40, 2);
  REQUIRE(k.x.sizes() == torch::IntArrayRef({40, 4}));
  REQUIRE(np::family_state_dim(np::SystemFamily::kKeplerMasses) == 4);
  const auto kq = k.x.narrow(1, 0, 2).to(torch::kFloat64), kp = k.x.narrow(1, 2, 2).to(torch::kFloat64);
  const auto r = kq.norm(2, 1);
  CHECK(r.min().item<double>() >= 0.5 - 1e-6);
  CHECK(r.max().item<double>() <= 1.5 + 1e-6);
  CHECK(torch::allclose(k.dxdt.narrow(1, 0, 2).to(torch::kFloat64), kp, 1e-6, 1e-6));
  CHECK(torch::allclose(k.dxdt.narrow(1, 2, 2).to(torch::kFloat64), -k.parameter * kq / r.pow(3).unsqueeze(1), 1e-5, 1e-5));
}

TEST_CASE("meta-learning: the Kepler family's states are four wide, and MAML runs on them", "[physics][meta]") {
  np::MetaOptions o;
  o.family = np::SystemFamily::kKeplerMasses;
  o.hidden = 16;
  o.steps = 3;
  o.tasks_per_step = 2;
  for (auto kind : {np::ModelKind::kHnn, np::ModelKind::kBaseline}) {
    o.kind = kind;
    auto run = np::new_meta_run(o);
    REQUIRE(run.meta.dim == 4);
    const auto task = np::sample_task(o.family, 10, 1);
    REQUIRE(run.meta.field(task.x, run.meta.params).sizes() == torch::IntArrayRef({10, 4}));
    CHECK_THROWS_WITH(run.meta.field(torch::zeros({3, 2}), run.meta.params), Catch::Contains("[B, 4]"));
    np::meta_train(run);
    const auto e = np::evaluate_meta(run, 10, 2, 3);
    REQUIRE(e.meta_curve.size() == 3);
    for (double v : e.meta_curve) CHECK(std::isfinite(v));
  }
}

TEST_CASE("meta-learning: meta-learned weights adapt faster than fresh ones, files round-trip", "[physics][meta]") {
  np::MetaOptions o;
  o.hidden = 32;
  o.steps = 150;
  o.tasks_per_step = 4;
  o.inner_lr = 0.05;
  auto run = np::new_meta_run(o);
  np::meta_train(run);
  const auto e = np::evaluate_meta(run, 25, 5, 8);
  REQUIRE(e.meta_curve.size() == 6);
  CHECK(e.meta_curve.back() < e.meta_curve.front());  // adaptation helps
  CHECK(e.meta_curve.back() < 0.5 * e.scratch_curve.back());
  const std::string path = "test_meta.pt";
  np::save_meta(run, path);
  CHECK(np::model_file_kind(path) == np::meta_file_kind());
  const auto back = np::load_meta(path);
  for (std::size_t i = 0; i < run.meta.params.size(); ++i) {
    CHECK(torch::equal(back.meta.params[i], run.meta.params[i].detach()));
    CHECK(torch::equal(back.pooled.params[i], run.pooled.params[i].detach()));
  }
  CHECK(np::evaluate_meta(back, 25, 5, 8).meta_curve == e.meta_curve);
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());
}

TEST_CASE("meta-learning refuses bad input", "[physics][meta]") {
  CHECK_THROWS_WITH(np::parse_family("kepler-radii"), Catch::Contains("unknown system family 'kepler-radii'"));
  CHECK_THROWS_WITH(np::make_functional_net(np::ModelKind::kGhnn, 8, 1), Catch::Contains("use hnn or baseline"));
  np::MetaOptions o;
  o.inner_steps = 0;
  CHECK_THROWS_WITH(np::new_meta_run(o), Catch::Contains("inner_steps"));
  const auto net = np::make_functional_net(np::ModelKind::kHnn, 8, 1);
  CHECK_THROWS_WITH(net.field(torch::zeros({3, 4}), net.params), Catch::Contains("[B, 2]"));
}
