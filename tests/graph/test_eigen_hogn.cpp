// The torch-free HOGN path (graph/eigen_hogn.hpp) against the autograd one: energies, fields and
// 1000-step rollouts, one to three rounds, with and without dissipation, node and edge features
// (issue 21).
#include "tests/support/test_common.hpp"

#include <string>
#include <vector>

#include "graph/eigen_hogn.hpp"
#include "graph/hogn.hpp"
#include "graph/particle_model.hpp"
#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "tests/graph/three_graphs.hpp"

using namespace noether::graph;
using noether::graph::testing::three_graphs;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (1.0 + b.abs().max().item<double>());
}

}  // namespace

TEST_CASE("Eigen HOGN equals the autograd path: energy, field and a 1000-step rollout", "[graph][eigen]") {
  for (const int64_t rounds : {1, 2, 3})
    for (const bool dissipation : {false, true})
      for (const int64_t f : {0, 1})
        for (const int64_t fe : {0, 2}) {
          CAPTURE(rounds, dissipation, f, fe);
          torch::manual_seed(3 + f + fe + 10 * rounds);
          HognOptions o;
          o.dim = 2;
          o.node_features = f;
          o.edge_features = fe;
          o.hidden = 24;
          o.rounds = rounds;
          o.dissipation = dissipation;
          Hogn model(o);
          model->to(torch::kFloat64);
          const auto g = three_graphs(f, fe);
          const int64_t n = g.num_nodes();
          const auto q = torch::randn({n, 2}, kF64), p = torch::randn({n, 2}, kF64);
          const auto m = torch::rand({n}, kF64) + 0.5;
          const auto fast = EigenHogn::from(*model);
          CHECK(relative(fast.energy(q, p, m, g), model->energy(q, p, m, g).detach()) < 1e-12);
          const auto [dq, dp] = model->time_derivative(q, p, m, g);
          const auto [dq_e, dp_e] = fast.time_derivative(q, p, m, g);
          CHECK(relative(dq_e, dq) < 1e-12);
          CHECK(relative(dp_e, dp) < 1e-12);
          CHECK(dp.abs().max().item<double>() > 1e-3);  // a field worth comparing

          // 1000 RK4 steps of each (with both kinds of features): the rollouts agree to round-off growth.
          if (f == 0 || fe == 0) continue;
          auto rollout = [&](auto&& field) {
            auto y = torch::cat({q, p}, 1);
            for (int s = 0; s < 1000; ++s)
              noether::integrators::rk4_step(y, 0.0, 0.002, [&](double, const torch::Tensor& z) {
                auto [a, b] = field(z.narrow(1, 0, 2), z.narrow(1, 2, 2));
                return torch::cat({a, b}, 1);
              });
            return y;
          };
          const auto slow = rollout([&](const torch::Tensor& qq, const torch::Tensor& pp) {
            return model->time_derivative(qq, pp, m, g);
          });
          const auto quick = rollout([&](const torch::Tensor& qq, const torch::Tensor& pp) {
            return fast.time_derivative(qq, pp, m, g);
          });
          CHECK(relative(quick, slow) < 1e-10);
          CHECK(relative(slow, torch::cat({q, p}, 1)) > 1e-3);  // the state did move
        }
}

TEST_CASE("Eigen HOGN computes in float for float inputs, as the float32 autograd path does", "[graph][eigen]") {
  for (const bool dissipation : {false, true}) {
    CAPTURE(dissipation);
    torch::manual_seed(5);
    HognOptions o;
    o.hidden = 32;
    o.node_features = 1;
    o.edge_features = 2;
    o.dissipation = dissipation;
    Hogn model(o);
    model->to(torch::kFloat64);
    const auto g = three_graphs(1, 2);
    const auto q = torch::randn({g.num_nodes(), 2}, kF64), p = torch::randn({g.num_nodes(), 2}, kF64);
    const auto m = torch::rand({g.num_nodes()}, kF64) + 0.5;
    const auto fast = EigenHogn::from(*model);
    const auto f32 = [](const torch::Tensor& t) { return t.to(torch::kFloat32); };
    const auto [dq32, dp32] = fast.time_derivative(f32(q), f32(p), f32(m), g);
    const auto h32 = fast.energy(f32(q), f32(p), f32(m), g);
    CHECK(dq32.scalar_type() == torch::kFloat32);
    CHECK(h32.scalar_type() == torch::kFloat32);
    // Against the double path: float's round-off, not more.
    const auto [dq, dp] = fast.time_derivative(q, p, m, g);
    CHECK(relative(dp32.to(torch::kFloat64), dp) < 1e-5);
    CHECK(relative(dq32.to(torch::kFloat64), dq) < 1e-5);
    CHECK(relative(h32.to(torch::kFloat64), fast.energy(q, p, m, g)) < 1e-5);
    // and it is computed in float: its difference from the double path is float-sized, not zero
    CHECK(relative(dp32.to(torch::kFloat64), dp) > 1e-10);
    // Against the model itself in float32 (autograd), graph features in float32 as well.
    Hogn model32(o);
    model32->to(torch::kFloat32);
    {
      torch::NoGradGuard no_grad;
      auto src = model->named_parameters();
      for (auto& item : model32->named_parameters()) item.value().copy_(src[item.key()]);
    }
    GraphBatch g32 = g;
    g32.nodes = f32(g.nodes);
    g32.edges = f32(g.edges);
    const auto [dq_t, dp_t] = model32->time_derivative(f32(q), f32(p), f32(m), g32);
    CHECK(relative(dp32, dp_t) < 1e-5);
    CHECK(relative(dq32, dq_t) < 1e-5);
  }
}

TEST_CASE("ParticleModel's detached HOGN field follows its weights through in-place changes", "[graph][eigen]") {
  torch::manual_seed(9);
  ParticleModelConfig c;
  c.hidden = 16;
  c.dissipation = true;
  ParticleModel model(c);
  const auto g = three_graphs(1, 0);
  const auto q = torch::randn({g.num_nodes(), 2}, kF64), p = torch::randn({g.num_nodes(), 2}, kF64);
  const auto m = torch::rand({g.num_nodes()}, kF64) + 0.5;
  auto autograd_field = [&] {  // the torch path: a field with a graph, detached
    auto [dq, dp] = model.time_derivative(q, p, m, g, /*create_graph=*/true);
    return torch::cat({dq, dp}, 1).detach();
  };
  auto detached_field = [&] {
    auto [dq, dp] = model.time_derivative(q, p, m, g);
    return torch::cat({dq, dp}, 1);
  };
  const auto before = detached_field();
  CHECK(relative(before, autograd_field()) < 1e-12);
  {
    torch::NoGradGuard no_grad;
    for (auto& w : model.parameters()) w.mul_(1.1);  // as an optimiser step would, in place
  }
  const auto after = detached_field();
  CHECK(relative(after, autograd_field()) < 1e-12);
  CHECK(relative(after, before) > 1e-3);
}

TEST_CASE("Eigen HOGN with message passing: many graphs in spans, and edges in any order", "[graph][eigen]") {
  torch::manual_seed(21);
  HognOptions o;
  o.hidden = 16;
  o.rounds = 2;
  o.node_features = 1;
  Hogn model(o);
  model->to(torch::kFloat64);
  std::vector<Graph> graphs;
  for (int i = 0; i < 90; ++i) graphs.push_back(Graph{torch::rand({6, 1}, kF64) + 0.5, fully_connected(6), {}, {}});
  auto g = batch(graphs);  // 2700 edges: several spans of whole graphs
  const int64_t n = g.num_nodes();
  const auto q = torch::randn({n, 2}, kF64), p = torch::randn({n, 2}, kF64);
  const auto m = torch::rand({n}, kF64) + 0.5;
  const auto fast = EigenHogn::from(*model);
  auto check = [&](const GraphBatch& batch_) {
    const auto [dq, dp] = model->time_derivative(q, p, m, batch_);
    const auto [dq_e, dp_e] = fast.time_derivative(q, p, m, batch_);
    CHECK(relative(dq_e, dq) < 1e-12);
    CHECK(relative(dp_e, dp) < 1e-12);
    CHECK(relative(fast.energy(q, p, m, batch_), model->energy(q, p, m, batch_).detach()) < 1e-12);
  };
  check(g);
  // The same edges shuffled across graphs: no spans, one pass over the batch.
  g.edge_index = g.edge_index.index_select(1, torch::randperm(g.num_edges(), torch::kLong));
  check(g);
}

TEST_CASE("Eigen HOGN's halves of the field, and the separable steps built on them", "[graph][eigen]") {
  for (const int64_t rounds : {1, 2}) {
    CAPTURE(rounds);
    torch::manual_seed(21 + rounds);
    const auto g = three_graphs(1, 0);
    const int64_t n = g.num_nodes();
    const auto q = torch::randn({n, 2}, kF64), p = torch::randn({n, 2}, kF64);
    const auto m = torch::rand({n}, kF64) + 0.5;
    HognOptions o;
    o.node_features = 1;
    o.hidden = 16;
    o.rounds = rounds;
    Hogn hogn(o);
    hogn->to(torch::kFloat64);
    const auto fast = EigenHogn::from(*hogn);
    const auto [dq, dp] = fast.time_derivative(q, p, m, g);
    const auto velocity = fast.time_derivative(q, p, m, g, EigenHogn::Half::kVelocity);
    const auto force = fast.time_derivative(q, p, m, g, EigenHogn::Half::kForce);
    CHECK(relative(velocity.first, dq) == 0.0);
    CHECK_FALSE(velocity.second.defined());
    CHECK(relative(force.second, dp) == 0.0);
    CHECK_FALSE(force.first.defined());

    // Leapfrog and Yoshida-4 through the halves (no graph) against the same steps through
    // autograd's whole field (create_graph): 200 steps agree to round-off growth.
    ParticleModelConfig c;
    c.hidden = 16;
    c.rounds = rounds;
    ParticleModel model(c);
    for (const auto scheme : {StepIntegrator::kLeapfrog, StepIntegrator::kYoshida4}) {
      torch::Tensor q1 = q, p1 = p, q2 = q, p2 = p;
      for (int s = 0; s < 200; ++s) {
        std::tie(q1, p1) = model.step(q1, p1, m, g, 0.01, scheme);
        std::tie(q2, p2) = model.step(q2, p2, m, g, 0.01, scheme, /*create_graph=*/true);
        q2 = q2.detach();
        p2 = p2.detach();
      }
      CHECK(relative(torch::cat({q1, p1}, 1), torch::cat({q2, p2}, 1)) < 1e-10);
      CHECK(relative(q1, q) > 1e-3);
    }
  }
  // With dissipation dp/dt needs dq/dt: asking for it alone is refused.
  HognOptions o;
  o.dissipation = true;
  o.hidden = 8;
  Hogn damped(o);
  damped->to(torch::kFloat64);
  const auto g = three_graphs(0, 0);
  const auto q = torch::randn({g.num_nodes(), 2}, kF64);
  const auto m = torch::ones({g.num_nodes()}, kF64);
  CHECK_THROWS_AS(EigenHogn::from(*damped).time_derivative(q, q, m, g, EigenHogn::Half::kForce),
                  noether::InvalidInput);
}
