// GN blocks, OGN and DeltaGN, the integrators, checkpoints and ParticleSimulator (issue 5).
#include "tests/support/test_common.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "graph/gn.hpp"
#include "graph/particle_data.hpp"
#include "graph/particle_model.hpp"
#include "graph/simulator.hpp"
#include "graph/training.hpp"
#include "noether/error.hpp"

using namespace noether::graph;
using noether::InvalidInput;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

ParticleModel make(const std::string& kind, int64_t rounds = 2, bool dissipation = false) {
  ParticleModelConfig c;
  c.kind = parse_graph_model_kind(kind);
  c.dim = 2;
  c.hidden = 16;
  c.rounds = rounds;
  c.dissipation = dissipation;
  return ParticleModel(c);
}

/// B random systems of n particles (masses as node features).
ParticleSamples systems(int64_t b, int64_t n) {
  ParticleSamples s;
  s.q = torch::randn({b, n, 2}, kF64);
  s.p = torch::randn({b, n, 2}, kF64);
  s.masses = torch::rand({b, n}, kF64) + 0.5;
  return s;
}

/// The model's output as one [N, 2D] tensor: (dq/dt, dp/dt) or, for DeltaGN, the step change.
torch::Tensor output(ParticleModel& m, const ParticleSamples& s) {
  const GraphBatch g = particle_batch(s, m.features());
  const auto q = s.q.reshape({-1, 2}), p = s.p.reshape({-1, 2}), masses = s.masses.reshape({-1});
  if (m.has_vector_field()) {
    auto [dq, dp] = m.time_derivative(q, p, masses, g);
    return torch::cat({dq, dp}, -1);
  }
  auto [q1, p1] = m.step(q, p, masses, g, 0.1, StepIntegrator::kRk4);
  return torch::cat({q1 - q, p1 - p}, -1);
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

TEST_CASE("GN block: edge, node and global updates with sum aggregation", "[graph][gn]") {
  torch::manual_seed(1);
  GnBlockOptions o;
  o.node_in = 2;
  o.edge_in = 1;
  o.edge_out = 3;
  o.node_out = 4;
  o.global_out = 5;
  o.hidden = 8;
  GnBlock block(o);
  block->to(torch::kFloat64);
  const GraphBatch g = batch({Graph{torch::randn({3, 2}, kF64), fully_connected(3), torch::randn({6, 1}, kF64), {}},
                              Graph{torch::randn({4, 2}, kF64), fully_connected(4), torch::randn({12, 1}, kF64), {}}});
  const GnLatent out = block->forward({g.nodes, g.edges, g.globals}, g);
  CHECK(out.edges.sizes() == std::vector<int64_t>{18, 3});
  CHECK(out.nodes.sizes() == std::vector<int64_t>{7, 4});
  CHECK(out.globals.sizes() == std::vector<int64_t>{2, 5});
  // Graph 1 alone gives the same rows.
  const GraphBatch g1 = batch({Graph{g.nodes.narrow(0, 3, 4), fully_connected(4), g.edges.narrow(0, 6, 12), {}}});
  const GnLatent one = block->forward({g1.nodes, g1.edges, g1.globals}, g1);
  CHECK(max_abs(one.nodes - out.nodes.narrow(0, 3, 4)) < 1e-12);
  CHECK(max_abs(one.globals[0] - out.globals[1]) < 1e-12);
  GnBlockOptions none;
  CHECK_THROWS_AS(GnBlock(none), InvalidInput);
}

TEST_CASE("OGN, DeltaGN and a 2-round HOGN: batching equals one graph at a time", "[graph][gn]") {
  torch::manual_seed(2);
  for (const char* kind : {"ogn", "deltagn", "hogn"}) {
    ParticleModel m = make(kind);
    const ParticleSamples a = systems(1, 3), b = systems(1, 5);
    // Two graphs of different sizes in one batch: particle_batch needs equal N, so use batch().
    const auto feats = [](const ParticleSamples& s) { return s.masses.reshape({-1, 1}); };
    const GraphBatch g = batch({Graph{feats(a), fully_connected(3), {}, {}}, Graph{feats(b), fully_connected(5), {}, {}}});
    const auto q = torch::cat({a.q[0], b.q[0]}), p = torch::cat({a.p[0], b.p[0]});
    const auto masses = torch::cat({a.masses[0], b.masses[0]});
    auto [q1, p1] = m.step(q, p, masses, g, 0.05, StepIntegrator::kRk4);
    for (const auto* s : {&a, &b}) {
      const int64_t off = s == &a ? 0 : 3, n = s->q.size(1);
      auto [qs, ps] = m.step(s->q[0], s->p[0], s->masses[0], particle_batch(*s, m.features()), 0.05,
                             StepIntegrator::kRk4);
      CHECK(max_abs(qs - q1.narrow(0, off, n)) < 1e-12);
      CHECK(max_abs(ps - p1.narrow(0, off, n)) < 1e-12);
    }
  }
}

TEST_CASE("OGN and DeltaGN: permutation equivariant and translation invariant", "[graph][gn]") {
  torch::manual_seed(3);
  for (const char* kind : {"ogn", "deltagn", "hogn"}) {
    ParticleModel m = make(kind);
    const ParticleSamples s = systems(1, 4);
    const auto out = output(m, s);
    const auto perm = torch::tensor({2, 0, 3, 1}, torch::kLong);
    ParticleSamples sp = s;
    sp.q = s.q.index_select(1, perm);
    sp.p = s.p.index_select(1, perm);
    sp.masses = s.masses.index_select(1, perm);
    CHECK(max_abs(output(m, sp) - out.index_select(0, perm)) < 1e-10);
    ParticleSamples st = s;
    st.q = s.q + torch::tensor({3.0, -2.0}, kF64);
    CHECK(max_abs(output(m, st) - out) < 1e-9);
  }
}

TEST_CASE("integrators on a learned HOGN converge at their order", "[graph][integrators]") {
  torch::manual_seed(4);
  ParticleModel m = make("hogn", 1);
  const ParticleSamples s = systems(1, 3);
  const GraphBatch g = particle_batch(s, m.features());
  const auto q0 = s.q[0], p0 = s.p[0], masses = s.masses[0];
  const double T = 1.0;
  auto run = [&](StepIntegrator integ, int n) {
    torch::Tensor q = q0, p = p0;
    for (int k = 0; k < n; ++k) std::tie(q, p) = m.step(q, p, masses, g, T / n, integ, false, 5.0);
    return torch::cat({q, p}, -1);
  };
  const auto ref = run(StepIntegrator::kRk4, 512);
  for (auto integ : {StepIntegrator::kEuler, StepIntegrator::kLeapfrog, StepIntegrator::kTao,
                     StepIntegrator::kRk4, StepIntegrator::kYoshida4}) {
    // Tao's coupling needs omega dt well below 1 before its order shows.
    const int n = integ == StepIntegrator::kTao ? 32 : 4;
    const double e1 = max_abs(run(integ, n) - ref), e2 = max_abs(run(integ, 2 * n) - ref);
    const double order = std::log2(e1 / e2);
    INFO(noether::integrators::scheme_name(integ) << ": errors " << e1 << ", " << e2);
    CHECK(order > noether::integrators::scheme_info(integ).order - 0.6);
    CHECK(order < noether::integrators::scheme_info(integ).order + 0.8);
  }
  CHECK(parse_step_integrator("tao") == StepIntegrator::kTao);
  CHECK_THROWS_AS(parse_step_integrator("nope"), InvalidInput);
  ParticleModel damped = make("hogn", 1, true);
  CHECK_THROWS_AS(damped.step(q0, p0, masses, g, 0.1, StepIntegrator::kLeapfrog), InvalidInput);
  ParticleModel ogn = make("ogn");
  CHECK_THROWS_AS(ogn.step(q0, p0, masses, g, 0.1, StepIntegrator::kYoshida4), InvalidInput);
  ParticleModel delta = make("deltagn");
  CHECK_THROWS_AS(delta.time_derivative(q0, p0, masses, g), InvalidInput);
}

TEST_CASE("graph checkpoints round-trip exactly and refuse other architectures", "[graph][io]") {
  torch::manual_seed(5);
  const std::string path = "graph_test_checkpoint.pt";
  ParticleCheckpoint c;
  c.model = make("ogn", 2);
  c.system = "gravity";
  c.data.interaction = noether::physics::Particles::Interaction::kGravity;
  c.data.count = 4;
  c.loss = GraphLoss::kDerivative;
  c.steps = 7;
  save_particle_model(c, path);
  const ParticleCheckpoint r = load_particle_model(path);
  CHECK(r.model.config() == c.model.config());
  CHECK(r.system == "gravity");
  CHECK(r.data.count == 4);
  CHECK(r.steps == 7);
  auto a = c.model.module().named_parameters();
  auto b = r.model.module().named_parameters();
  REQUIRE(a.size() == b.size());
  for (const auto& item : a) CHECK(torch::equal(item.value(), b[item.key()]));
  ParticleModel wider = make("ogn", 2);
  CHECK_NOTHROW(load_particle_weights(wider, path));
  ParticleModelConfig other = c.model.config();
  other.hidden = 32;
  ParticleModel mismatch(other);
  CHECK_THROWS_AS(load_particle_weights(mismatch, path), InvalidInput);
  CHECK_THROWS_AS(load_particle_model("graph_test_missing.pt"), InvalidInput);
  {
    std::ofstream junk("graph_test_junk.pt");
    junk << "not a model";
  }
  CHECK_THROWS_AS(load_particle_model("graph_test_junk.pt"), InvalidInput);
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());
  std::remove("graph_test_junk.pt");
}

TEST_CASE("ParticleSimulator: Eigen and tensor inputs agree, a damped HOGN loses energy monotonically",
          "[graph][simulator]") {
  torch::manual_seed(6);
  ParticleModel m = make("hogn", 1, true);
  ParticleSimulator sim(m);
  CHECK(sim.integrator() == StepIntegrator::kRk4);
  Eigen::MatrixXd q = Eigen::MatrixXd::Random(3, 2), v = Eigen::MatrixXd::Random(3, 2);
  Eigen::VectorXd masses(3);
  masses << 1.0, 0.7, 1.5;
  sim.set_state(q, v, masses);
  CHECK((sim.velocities() - v).norm() < 1e-14);
  std::vector<double> energy{sim.energies()[0]};
  for (int k = 0; k < 20; ++k) {
    REQUIRE(sim.step(0.05, 5).ok());
    energy.push_back(sim.energies()[0]);
  }
  for (std::size_t k = 1; k < energy.size(); ++k) CHECK(energy[k] < energy[k - 1]);

  // The same system as a [1, N, D] tensor batch, stepped the same way.
  ParticleSimulator batched(m);
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor qr = q, vr = v;
  const auto qt = torch::from_blob(qr.data(), {1, 3, 2}, kF64).clone();
  const auto mt = torch::from_blob(masses.data(), {1, 3}, kF64).clone();
  const auto pt = torch::from_blob(vr.data(), {1, 3, 2}, kF64).clone() * mt.unsqueeze(-1);
  batched.set_state(qt, pt, mt);
  REQUIRE(batched.step(0.05, 100).ok());
  CHECK((batched.positions() - sim.positions()).norm() < 1e-12);
  // Divergence is an outcome: a failed status, a message, and the state before the call kept.
  const Eigen::MatrixXd before = sim.positions();
  const auto blown = sim.step(1e200, 3);
  CHECK_FALSE(blown.ok());
  CHECK_THAT(blown.message, Catch::Contains("non-finite"));
  CHECK((sim.positions() - before).norm() == 0.0);
  CHECK_THROWS_AS(sim.set_state(q, v, Eigen::VectorXd::Ones(2)), InvalidInput);
  ParticleSimulator ogn(make("ogn"));
  ogn.set_state(q, v, masses);
  CHECK_THROWS_AS(ogn.energies(), InvalidInput);
}

TEST_CASE("OGN and DeltaGN training lower their losses, rollout metrics start at zero error",
          "[graph][training]") {
  torch::manual_seed(7);
  ParticleDataOptions d;
  d.count = 3;
  d.systems = 6;
  d.samples = 6;
  d.dt = 0.1;
  d.seed = 3;
  const ParticleData data = generate_particle_data(d);
  for (const char* kind : {"ogn", "deltagn"}) {
    ParticleModel m = make(kind, 1);
    GraphTrainOptions o;
    o.steps = 60;
    o.learning_rate = 3e-3;
    o.loss = std::string(kind) == "deltagn" ? GraphLoss::kStep : GraphLoss::kDerivative;
    o.dt = d.dt;
    const auto r = train_model(m, data.pairs(0, 4), data.pairs(4, 6), o);
    INFO(kind << ": " << r.initial_train_loss << " -> " << r.train_loss);
    CHECK(r.train_loss < 0.5 * r.initial_train_loss);
    RolloutMetricsOptions ro;
    ro.steps = 20;
    ro.dt = d.dt;
    ro.record_every = 5;
    const RolloutMetrics met = evaluate_rollouts(m, data, 4, 6, ro);
    CHECK(met.t.size() == 5);
    CHECK(met.rel_energy_error.front() < 1e-12);
    CHECK(met.position_mse.front() < 1e-20);
    CHECK((met.diverged || met.steps_done == 20));
  }
  // An energy error past the threshold is a divergence even while the state stays finite (issue
  // 14: "diverged": false was reported at an energy error of 5e42).
  ParticleModel untrained = make("ogn", 1);
  RolloutMetricsOptions strict;
  strict.steps = 20;
  strict.dt = d.dt;
  strict.record_every = 5;
  strict.divergence_energy_error = 1e-9;
  const RolloutMetrics div = evaluate_rollouts(untrained, data, 4, 6, strict);
  CHECK(div.diverged);
  CHECK(div.steps_done == 0);
  CHECK(div.t.size() == 1);
  CHECK(std::isinf(div.max_rel_energy_error));
  strict.divergence_energy_error = 0.0;
  CHECK_THROWS_AS(evaluate_rollouts(untrained, data, 4, 6, strict), InvalidInput);
  ParticleModel delta = make("deltagn", 1);
  GraphTrainOptions bad;
  CHECK_THROWS_AS(train_model(delta, data.pairs(0, 4), data.pairs(4, 6), bad), InvalidInput);
}

TEST_CASE("OGN, DeltaGN and HOGN steps on CUDA agree with the CPU", "[graph][cuda]") {
  if (!torch::cuda::is_available()) {
    WARN("CUDA is not available; skipped");
    return;
  }
  torch::manual_seed(8);
  for (const char* kind : {"hogn", "ogn", "deltagn"}) {
    ParticleModel m = make(kind, 2);
    const ParticleSamples s = systems(3, 4);
    const GraphBatch g = particle_batch(s, m.features());
    auto [q1, p1] = m.step(s.q.reshape({-1, 2}), s.p.reshape({-1, 2}), s.masses.reshape({-1}), g, 0.05,
                           StepIntegrator::kRk4);
    m.to(torch::kCUDA);
    const ParticleSamples sc = s.to(m.options());
    auto [qc, pc] = m.step(sc.q.reshape({-1, 2}), sc.p.reshape({-1, 2}), sc.masses.reshape({-1}),
                           particle_batch(sc, m.features()), 0.05, StepIntegrator::kRk4);
    CHECK(qc.device().is_cuda());
    CHECK(max_abs(qc.cpu() - q1) < 1e-10);
    CHECK(max_abs(pc.cpu() - p1) < 1e-10);
  }
}
