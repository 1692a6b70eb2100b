// Normalising flows (physics/models/flow.hpp, issue 18): the Hamiltonian flow keeps areas (its
// Jacobian's log-determinant is zero to round-off, by autograd) and runs backwards exactly; both
// flows' densities integrate to one and their samples follow them; the 2-D densities are what
// they say; training raises the likelihood; bad names are refused.
#include "tests/support/test_common.hpp"

#include <cmath>

#include "noether/error.hpp"
#include "physics/learning/densities.hpp"
#include "physics/learning/flow_training.hpp"
#include "physics/models/flow.hpp"

namespace np = noether::physics;

namespace {

std::shared_ptr<np::FlowModelImpl> flow(np::FlowKind kind, uint64_t seed, int64_t base_components = 1) {
  np::FlowConfig c;
  c.kind = kind;
  c.base_components = base_components;
  c.layers = kind == np::FlowKind::kHamiltonian ? 3 : 6;
  c.hidden = 16;
  torch::manual_seed(seed);
  auto f = np::make_flow(c);
  f->to(torch::kFloat64);
  // Away from the identity: RealNVP starts there, and a shifted, scaled base tests the base.
  torch::NoGradGuard no_grad;
  for (auto& p : f->named_parameters()) {
    if (p.key().find("base") != std::string::npos) p.value().uniform_(-0.3, 0.3);
    else if (kind == np::FlowKind::kRealNvp) p.value().add_(0.1 * torch::randn_like(p.value()));
  }
  return f;
}

/// The density's mass on a grid of size x size bins over [-r, r]^2, by an 8 x 8 midpoint rule per bin.
torch::Tensor bin_masses(np::FlowModelImpl& f, int size, double r) {
  torch::NoGradGuard no_grad;
  const int fine = 8 * size;
  const double h = 2.0 * r / fine;
  const auto axis = torch::arange(fine, torch::kFloat64) * h + (-r + 0.5 * h);
  const auto g = torch::meshgrid({axis, axis}, "ij");
  const auto pts = torch::stack({g[0].reshape(-1), g[1].reshape(-1)}, 1);
  const auto p = torch::exp(f.log_prob(pts)).reshape({size, 8, size, 8}) * (h * h);
  return p.sum({1, 3});
}

}  // namespace

TEST_CASE("Hamiltonian flow: area-preserving to round-off, and exactly reversible", "[physics][flows]") {
  for (uint64_t seed : {0, 1}) {
    auto f = flow(np::FlowKind::kHamiltonian, seed);
    const auto x = (1.5 * torch::randn({32, 2}, torch::kFloat64)).requires_grad_(true);
    const auto z = f->to_base(x);
    const auto d0 = torch::autograd::grad({z.select(1, 0).sum()}, {x}, {}, true)[0];
    const auto d1 = torch::autograd::grad({z.select(1, 1).sum()}, {x})[0];
    const auto det = d0.select(1, 0) * d1.select(1, 1) - d0.select(1, 1) * d1.select(1, 0);
    CHECK(det.abs().log().abs().max().item<double>() < 1e-12);
    // The map moves points (it is not the identity) and leapfrog with -dt undoes it.
    CHECK((z - x).abs().max().item<double>() > 0.05);
    CHECK((f->from_base(z.detach()) - x).abs().max().item<double>() < 1e-12);
  }
  // RealNVP's Jacobian is not area-preserving: its log-determinant is what log_prob adds.
  auto r = flow(np::FlowKind::kRealNvp, 0);
  const auto x = torch::randn({16, 2}, torch::kFloat64).requires_grad_(true);
  const auto z = r->to_base(x);
  const auto d0 = torch::autograd::grad({z.select(1, 0).sum()}, {x}, {}, true)[0];
  const auto d1 = torch::autograd::grad({z.select(1, 1).sum()}, {x})[0];
  const auto log_det = (d0.select(1, 0) * d1.select(1, 1) - d0.select(1, 1) * d1.select(1, 0)).abs().log();
  const auto base = -0.5 * z.pow(2).sum(1) - std::log(2.0 * M_PI);
  CHECK(torch::allclose(r->log_prob(x), base + log_det, 1e-10, 1e-12));
  CHECK((r->from_base(z.detach()) - x).abs().max().item<double>() < 1e-12);
}

TEST_CASE("flows: densities integrate to one and samples follow them", "[physics][flows]") {
  for (auto [kind, components] : {std::pair{np::FlowKind::kHamiltonian, 1}, {np::FlowKind::kRealNvp, 1},
                                  {np::FlowKind::kHamiltonian, 3}, {np::FlowKind::kRealNvp, 3}}) {
    INFO(np::flow_kind_name(kind) << " with " << components << " base components");
    auto f = flow(kind, 2, components);
    const int bins = 12;
    const double r = 6.0;
    const auto mass = bin_masses(*f, bins, r);
    CHECK(mass.sum().item<double>() == Approx(1.0).margin(0.01));
    // 40000 draws binned the same way: total variation against the density's bin masses.
    torch::manual_seed(5);
    const auto s = f->sample(40000);
    const auto idx = ((s + r) / (2.0 * r) * bins).floor().to(torch::kLong);
    const auto inside = (idx >= 0).all(1) & (idx < bins).all(1);
    const auto flat = (idx.select(1, 0) * bins + idx.select(1, 1)).masked_select(inside);
    const auto counts = torch::bincount(flat, {}, bins * bins).to(torch::kFloat64) / 40000.0;
    const double tv = 0.5 * (counts - mass.reshape(-1)).abs().sum().item<double>();
    CHECK(tv < 0.03);
  }
}

TEST_CASE("flows: a mixture base's density is the weighted sum of its Gaussians at the base point",
          "[physics][flows]") {
  for (auto kind : {np::FlowKind::kHamiltonian, np::FlowKind::kRealNvp}) {
    INFO(np::flow_kind_name(kind));
    auto f = flow(kind, 3, 4);
    torch::Tensor mean, log_scale, log_weight;
    for (auto& p : f->named_parameters()) {
      if (p.key() == "base_mean") mean = p.value().detach();
      if (p.key() == "base_log_scale") log_scale = p.value().detach();
      if (p.key() == "base_log_weight") log_weight = p.value().detach();
    }
    REQUIRE(mean.sizes() == torch::IntArrayRef({4, 2}));
    REQUIRE(log_weight.sizes() == torch::IntArrayRef({4}));
    const auto x = torch::randn({8, 2}, torch::kFloat64).requires_grad_(true);
    const auto z = f->to_base(x);
    const auto d0 = torch::autograd::grad({z.select(1, 0).sum()}, {x}, {}, true)[0];
    const auto d1 = torch::autograd::grad({z.select(1, 1).sum()}, {x})[0];
    const auto log_det = (d0.select(1, 0) * d1.select(1, 1) - d0.select(1, 1) * d1.select(1, 0)).abs().log();
    const auto w = torch::softmax(log_weight, 0);
    auto density = torch::zeros({8}, torch::kFloat64);
    for (int64_t k = 0; k < 4; ++k) {
      const auto s = torch::exp(log_scale[k]);
      const auto u = (z.detach() - mean[k]) / s;
      density += w[k] * torch::exp(-0.5 * u.pow(2).sum(1)) / (2.0 * M_PI * s.prod());
    }
    CHECK(torch::allclose(f->log_prob(x).detach(), density.log() + log_det, 1e-10, 1e-12));
  }
}

TEST_CASE("2-D densities: seeded, where they say, and the mixture's log density is normalised",
          "[physics][flows]") {
  const auto a = np::sample_density(np::Density::kRings, 5000, 3);
  CHECK(torch::equal(a, np::sample_density(np::Density::kRings, 5000, 3)));
  CHECK(!torch::equal(a, np::sample_density(np::Density::kRings, 5000, 4)));
  const auto radius = a.norm(2, 1);
  CHECK(((radius - 1.0).abs() < 0.5).to(torch::kFloat64).mean().item<double>() == Approx(0.5).margin(0.03));
  CHECK(((radius - 2.0).abs() < 0.5).to(torch::kFloat64).mean().item<double>() == Approx(0.5).margin(0.03));
  const auto m = np::sample_density(np::Density::kTwoMoons, 5000, 0);
  CHECK(m.mean(0).abs().max().item<double>() < 0.05);  // centred
  // The mixture's density integrates to one on [-4, 4]^2 (its mass outside is ~1e-12).
  const int n = 400;
  const double h = 8.0 / n;
  const auto axis = torch::arange(n, torch::kFloat64) * h + (-4.0 + 0.5 * h);
  const auto g = torch::meshgrid({axis, axis}, "ij");
  const auto pts = torch::stack({g[0].reshape(-1), g[1].reshape(-1)}, 1);
  const double mass = (torch::exp(np::density_log_prob(np::Density::kGaussianMixture, pts)).sum() * h * h).item<double>();
  CHECK(mass == Approx(1.0).margin(1e-4));
  CHECK_THROWS_WITH(np::density_log_prob(np::Density::kTwoMoons, pts), Catch::Contains("no closed-form"));
}

TEST_CASE("flows: training raises the likelihood, never above the true density's", "[physics][flows]") {
  for (auto kind : {np::FlowKind::kHamiltonian, np::FlowKind::kRealNvp}) {
    np::FlowConfig c;
    c.kind = kind;
    c.layers = kind == np::FlowKind::kHamiltonian ? 2 : 4;
    c.hidden = 16;
    np::FlowTrainOptions o;
    o.density = np::Density::kGaussianMixture;
    o.samples = 2000;
    o.test_samples = 1000;
    o.steps = 200;
    o.eval_every = 0;
    auto run = np::new_flow_run(c, o);
    const auto before = np::evaluate_flow(*run.model, o);
    const auto s = np::train_flow(run, o);
    const auto after = np::evaluate_flow(*run.model, o);
    CHECK(after.log_likelihood == Approx(s.test_log_likelihood).epsilon(1e-6));
    // From the random start to at least the best single Gaussian's -3.55 (the mixture's spread).
    CHECK(after.log_likelihood > before.log_likelihood + 0.03);
    CHECK(after.log_likelihood > -3.6);
    CHECK(after.log_likelihood < after.true_log_likelihood + 0.05);  // nothing beats the truth on average
    if (kind == np::FlowKind::kHamiltonian) CHECK(after.max_abs_log_det < 1e-12);
  }
}

TEST_CASE("flows refuse bad names and shapes", "[physics][flows]") {
  np::FlowConfig bad;
  bad.base_components = 0;
  CHECK_THROWS_WITH(np::make_flow(bad), Catch::Contains("base_components = 0"));
  CHECK_THROWS_WITH(np::parse_flow_kind("nice"), Catch::Contains("unknown flow 'nice'"));
  CHECK_THROWS_WITH(np::parse_density("spiral"), Catch::Contains("unknown density 'spiral'"));
  auto f = flow(np::FlowKind::kHamiltonian, 0);
  CHECK_THROWS_WITH(f->log_prob(torch::zeros({4, 3}, torch::kFloat64)), Catch::Contains("[B, 2]"));
  np::FlowConfig c;
  c.dt = 0.0;
  CHECK_THROWS_WITH(np::make_flow(c), Catch::Contains("dt"));
}
