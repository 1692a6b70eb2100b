// Particle data, derivative-loss training and rollouts of the HOGN (issue 5).
#include "tests/support/test_common.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/eigen_hogn.hpp"
#include "graph/particle_data.hpp"
#include "graph/training.hpp"
#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/systems/systems.hpp"

using noether::InvalidInput;
using noether::graph::derivative_loss;
using noether::graph::generate_particle_data;
using noether::graph::GraphTrainOptions;
using noether::graph::Hogn;
using noether::graph::HognOptions;
using noether::graph::particle_batch;
using noether::graph::ParticleData;
using noether::graph::ParticleDataOptions;
using noether::graph::ParticleFeatures;
using noether::graph::ParticleSamples;
using noether::graph::rollout;
using RolloutIntegrator = noether::integrators::Scheme;
using noether::graph::train_hogn;

namespace {

ParticleDataOptions spring_options(int systems, int samples, uint64_t seed) {
  ParticleDataOptions o;
  o.count = 3;
  o.dim = 2;
  o.systems = systems;
  o.samples = samples;
  o.dt = 0.2;
  o.seed = seed;
  return o;
}

Hogn make_hogn(bool dissipation, int64_t hidden, uint64_t seed) {
  torch::manual_seed(seed);
  HognOptions o;
  o.dim = 2;
  o.hidden = hidden;
  o.node_features = 1;  // masses
  o.edge_features = 1;  // spring constants
  o.dissipation = dissipation;
  Hogn model(o);
  model->to(torch::kFloat64);
  return model;
}

}  // namespace

TEST_CASE("particle data: shapes, seeds, and derivatives equal Particles::vector_field",
          "[graph][data]") {
  const ParticleData d = generate_particle_data(spring_options(4, 5, 7));
  CHECK(d.q.sizes() == std::vector<int64_t>{5, 4, 3, 2});
  CHECK(d.dpdt.sizes() == d.q.sizes());
  CHECK(d.masses.sizes() == std::vector<int64_t>{4, 3});
  CHECK(d.springs.sizes() == std::vector<int64_t>{4, 3, 3});
  REQUIRE(d.systems.size() == 4);
  // Masses and spring constants differ between systems.
  CHECK(d.masses[0].sub(d.masses[1]).abs().max().item<double>() > 1e-3);
  CHECK(d.springs[0].sub(d.springs[1]).abs().max().item<double>() > 1e-3);
  CHECK(torch::equal(d.springs, d.springs.transpose(1, 2)));

  for (int64_t s = 0; s < d.num_systems(); ++s) {
    const noether::physics::Particles sys(d.systems[static_cast<std::size_t>(s)]);
    for (int64_t k = 0; k < d.num_times(); ++k) {
      Eigen::VectorXd y(12);
      for (int i = 0; i < 6; ++i) {
        y[i] = d.q[k][s].reshape({-1})[i].item<double>();
        y[6 + i] = d.p[k][s].reshape({-1})[i].item<double>();
      }
      const Eigen::VectorXd f = sys.vector_field(y);
      for (int i = 0; i < 6; ++i) {
        CHECK(d.dqdt[k][s].reshape({-1})[i].item<double>() == Approx(f[i]).margin(1e-14));
        CHECK(d.dpdt[k][s].reshape({-1})[i].item<double>() == Approx(f[6 + i]).margin(1e-14));
      }
    }
  }
  // The same seed gives the same data; another seed different data.
  const ParticleData again = generate_particle_data(spring_options(4, 5, 7));
  CHECK(torch::equal(again.q, d.q));
  const ParticleData other = generate_particle_data(spring_options(4, 5, 8));
  CHECK_FALSE(torch::equal(other.q, d.q));
  // The trajectories are accurate: energy is conserved to the integrator tolerance.
  const noether::physics::Particles sys0(d.systems[0]);
  auto energy = [&](int64_t k) {
    Eigen::VectorXd y(12);
    for (int i = 0; i < 6; ++i) {
      y[i] = d.q[k][0].reshape({-1})[i].item<double>();
      y[6 + i] = d.p[k][0].reshape({-1})[i].item<double>();
    }
    return sys0.energy_at(y);
  };
  CHECK(energy(4) == Approx(energy(0)).epsilon(1e-8));

  // particle_batch lays the systems out as fully connected graphs with k_ij on the edges.
  const ParticleSamples at0 = d.at(0);
  const auto g = particle_batch(at0, {true, true});
  g.validate();
  CHECK(g.num_graphs == 4);
  CHECK(g.num_nodes() == 12);
  CHECK(g.num_edges() == 24);
  CHECK(g.nodes.sizes() == std::vector<int64_t>{12, 1});
  const auto e = g.edge_index;
  for (int64_t j = 0; j < g.num_edges(); ++j) {
    const int64_t a = e[0][j].item<int64_t>(), b = e[1][j].item<int64_t>();
    REQUIRE(a / 3 == b / 3);
    CHECK(g.edges[j][0].item<double>() == d.springs[a / 3][a % 3][b % 3].item<double>());
  }
  CHECK(particle_batch(at0).nodes.size(1) == 0);
  CHECK(d.samples(1, 3).size() == 10);
  CHECK_THROWS_AS(d.samples(3, 3), InvalidInput);
  auto bad = spring_options(1, 1, 0);
  bad.dim = 4;
  CHECK_THROWS_AS(generate_particle_data(bad), InvalidInput);
}

TEST_CASE("HOGN training on 3-particle springs lowers the test derivative loss 10x",
          "[graph][training]") {
  const ParticleData d = generate_particle_data(spring_options(40, 10, 11));
  const ParticleSamples train = d.samples(0, 32), test = d.samples(32, 40);
  const ParticleFeatures f{true, true};
  Hogn model = make_hogn(false, 32, 3);
  GraphTrainOptions t;
  t.steps = 500;
  t.learning_rate = 5e-3;
  t.batch_size = 64;
  t.seed = 1;
  const auto r = train_hogn(model, train, test, f, t);
  INFO("train " << r.initial_train_loss << " -> " << r.train_loss << ", test "
                << r.initial_test_loss << " -> " << r.test_loss);
  CHECK(r.test_loss < 0.1 * r.initial_test_loss);
  CHECK(r.train_loss < 0.1 * r.initial_train_loss);
  CHECK(derivative_loss(model, test, f, false).item<double>() == Approx(r.test_loss));

  // A conservative model's leapfrog rollout keeps its own energy nearly constant.
  const ParticleSamples s = d.at(0);
  const auto g = particle_batch(s, f);
  const auto ro = rollout(model, g, s.q.reshape({-1, 2}), s.p.reshape({-1, 2}),
                          s.masses.reshape({-1}), 0.01, 50, RolloutIntegrator::kLeapfrog);
  CHECK(ro.q.sizes() == std::vector<int64_t>{51, 120, 2});
  CHECK(ro.energy.sizes() == std::vector<int64_t>{51, 40});
  const double drift = (ro.energy - ro.energy[0]).abs().max().item<double>();
  CHECK(drift < 1e-2 * (ro.energy[0].abs().max().item<double>() + 1.0));

  // In float32 (the torch-free path computing in float) a 1000-step RK4 rollout at the rollout
  // command's defaults (dt = the data's half interval here) keeps the model's energy within 10x of
  // the float64 rollout's error.
  const auto fast = noether::graph::EigenHogn::from(*model);
  const auto q0 = s.q.reshape({-1, 2}), p0 = s.p.reshape({-1, 2}), m = s.masses.reshape({-1});
  const auto h0 = fast.energy(q0, p0, m, g);
  auto energy_error = [&](torch::Dtype dtype) {
    auto y = torch::cat({q0, p0}, 1).to(dtype);
    const auto mt = m.to(dtype);
    double worst = 0.0;
    for (int k = 1; k <= 1000; ++k) {
      noether::integrators::rk4_step(y, 0.0, 0.1, [&](double, const torch::Tensor& z) {
        auto [a, b] = fast.time_derivative(z.narrow(1, 0, 2), z.narrow(1, 2, 2), mt, g);
        return torch::cat({a, b}, 1);
      });
      if (k % 50 != 0) continue;
      const auto yd = y.to(torch::kFloat64);  // the energy of the state reached, in double
      const auto h = fast.energy(yd.narrow(1, 0, 2), yd.narrow(1, 2, 2), m, g);
      worst = std::max(worst, ((h - h0).abs() / (h0.abs() + 1e-3)).max().item<double>());
    }
    return worst;
  };
  const double error64 = energy_error(torch::kFloat64), error32 = energy_error(torch::kFloat32);
  INFO("relative energy error over 1000 RK4 steps: float64 " << error64 << ", float32 " << error32);
  CHECK(std::isfinite(error32));
  CHECK(error64 > 0.0);
  CHECK(error32 < 10.0 * error64);
}

TEST_CASE("a damped HOGN's energy decreases monotonically along an RK4 rollout",
          "[graph][training]") {
  auto o = spring_options(3, 1, 5);
  const ParticleData d = generate_particle_data(o);
  const ParticleSamples s = d.at(0);
  const ParticleFeatures f{true, true};
  Hogn model = make_hogn(true, 16, 9);
  const auto g = particle_batch(s, f);
  const auto ro = rollout(model, g, s.q.reshape({-1, 2}), s.p.reshape({-1, 2}),
                          s.masses.reshape({-1}), 0.02, 100, RolloutIntegrator::kRk4);
  REQUIRE(ro.energy.sizes() == std::vector<int64_t>{101, 3});
  const auto diff = ro.energy.slice(0, 1) - ro.energy.slice(0, 0, -1);  // [100, 3]
  CHECK(diff.max().item<double>() <= 1e-12);
  CHECK((ro.energy[100] < ro.energy[0]).all().item<bool>());
  CHECK_THROWS_AS(rollout(model, g, s.q.reshape({-1, 2}), s.p.reshape({-1, 2}),
                          s.masses.reshape({-1}), 0.02, 1, RolloutIntegrator::kLeapfrog),
                  InvalidInput);
}
