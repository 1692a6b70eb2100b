// Graph batching, scatter_sum and the HOGN model (issue 5).
#include "tests/support/test_common.hpp"

#include <cmath>
#include <vector>

#include "graph/graph.hpp"
#include "graph/hogn.hpp"
#include "noether/error.hpp"

using noether::InvalidInput;
using noether::graph::batch;
using noether::graph::fully_connected;
using noether::graph::Graph;
using noether::graph::GraphBatch;
using noether::graph::Hogn;
using noether::graph::HognOptions;
using noether::graph::scatter_sum;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

Graph particles(int64_t n, int64_t features = 0) {
  return Graph{torch::randn({n, features}, kF64), fully_connected(n), {}, {}};
}

struct State {
  torch::Tensor q, p, m;
};

State random_state(int64_t n, int64_t dim) {
  return {torch::randn({n, dim}, kF64), torch::randn({n, dim}, kF64),
          torch::rand({n}, kF64) + 0.5};
}

Hogn make_model(bool dissipation, int64_t dim = 2, int64_t features = 0, int64_t rounds = 1) {
  HognOptions o;
  o.rounds = rounds;  // > 1: message-passing GN blocks before the edge energies
  o.dim = dim;
  o.hidden = 16;
  o.node_features = features;
  o.dissipation = dissipation;
  Hogn model(o);
  model->to(torch::kFloat64);
  return model;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

TEST_CASE("fully_connected lists every ordered pair without self loops", "[graph]") {
  const auto e = fully_connected(4);
  REQUIRE(e.sizes() == torch::IntArrayRef({2, 12}));
  CHECK(e.scalar_type() == torch::kLong);
  CHECK((e[0] != e[1]).all().item<bool>());
  CHECK(fully_connected(1).size(1) == 0);
  CHECK(fully_connected(0).size(1) == 0);
  CHECK_THROWS_AS(fully_connected(-1), InvalidInput);
}

TEST_CASE("batch offsets edges and records each node's graph", "[graph]") {
  torch::manual_seed(1);
  Graph a = particles(2, 1), b = particles(3, 1);
  a.globals = torch::tensor({1.0}, kF64);
  b.globals = torch::tensor({2.0}, kF64);
  const GraphBatch g = batch({a, b});
  CHECK(g.num_nodes() == 5);
  CHECK(g.num_edges() == 2 + 6);
  CHECK(g.num_graphs == 2);
  CHECK(torch::equal(g.node_to_graph, torch::tensor({0, 0, 1, 1, 1}, torch::kLong)));
  CHECK(torch::equal(g.edge_index.narrow(1, 2, 6), b.edge_index + 2));
  CHECK(torch::equal(g.globals, torch::tensor({1.0, 2.0}, kF64).reshape({2, 1})));
  CHECK(torch::equal(g.edge_to_graph(), torch::tensor({0, 0, 1, 1, 1, 1, 1, 1}, torch::kLong)));
  CHECK_NOTHROW(g.validate());
}

TEST_CASE("scatter_sum adds rows by index and is differentiable", "[graph]") {
  auto src = torch::tensor({1.0, 2.0, 3.0, 4.0}, kF64).reshape({4, 1}).requires_grad_(true);
  const auto idx = torch::tensor({0, 2, 0, 2}, torch::kLong);
  const auto out = scatter_sum(src, idx, 3);
  CHECK(torch::equal(out.detach(), torch::tensor({4.0, 0.0, 6.0}, kF64).reshape({3, 1})));
  out.sum().backward();
  CHECK(torch::equal(src.grad(), torch::ones({4, 1}, kF64)));
}

TEST_CASE("message-passing helpers gather edge ends and sum at receivers and per graph", "[graph]") {
  namespace ng = noether::graph;
  torch::manual_seed(4);
  const GraphBatch g = batch({particles(2, 1), particles(3, 1)});  // 5 nodes, 8 edges
  const auto x = torch::arange(5, kF64).reshape({5, 1}) * 10;
  const auto [xs, xr] = ng::gather_ends(x, g);
  CHECK(torch::equal(xs, x.index_select(0, g.senders())));
  CHECK(torch::equal(xr, x.index_select(0, g.receivers())));
  // Each node of a complete graph receives from every other node of its graph.
  const auto incoming = ng::sum_at_receivers(xs, g);
  CHECK(torch::equal(incoming, torch::tensor({10.0, 0.0, 70.0, 60.0, 50.0}, kF64).reshape({5, 1})));
  CHECK(torch::equal(ng::sum_nodes_per_graph(x, g), torch::tensor({10.0, 90.0}, kF64).reshape({2, 1})));
  CHECK(torch::equal(ng::sum_edges_per_graph(torch::ones({8}, kF64), g), torch::tensor({2.0, 6.0}, kF64)));
  CHECK(torch::equal(ng::sum_into(xs, g.receivers(), 5), scatter_sum(xs, g.receivers(), 5)));
  // add_into continues a sum in order: the same as one index_add over the parts concatenated.
  const auto a = torch::randn({8, 2}, kF64), b = torch::randn({8, 2}, kF64);
  const auto chained = ng::add_into(ng::sum_into(a, g.senders(), 5), b, g.receivers());
  const auto once = torch::zeros({5, 2}, kF64).index_add(0, torch::cat({g.senders(), g.receivers()}),
                                                         torch::cat({a, b}));
  CHECK(torch::equal(chained, once));
}

TEST_CASE("linear_on_ends is a linear layer on [x_s, x_r, edge features], with the same gradients", "[graph]") {
  namespace ng = noether::graph;
  torch::manual_seed(5);
  const GraphBatch g = batch({particles(2, 1), particles(3, 1)});  // 5 nodes, 8 edges
  torch::nn::Linear layer(torch::nn::LinearOptions(2 * 4 + 3, 6));
  layer->to(torch::kFloat64);
  const auto x = torch::randn({5, 4}, kF64).requires_grad_(true);
  const auto e = torch::randn({8, 3}, kF64).requires_grad_(true);
  const auto [xs, xr] = ng::gather_ends(x, g);
  const auto direct = layer->forward(torch::cat({xs, xr, e}, 1));
  const auto apart = ng::linear_on_ends(*layer, x, e, g);
  REQUIRE(apart.sizes() == direct.sizes());
  CHECK(torch::allclose(apart, direct, 1e-12, 1e-12));
  // The same gradients for a loss through either.
  const auto probe = torch::randn({8, 6}, kF64);
  const auto grads = [&](const torch::Tensor& y) {
    return torch::autograd::grad({(y * probe).sum()}, {x, e, layer->weight, layer->bias});
  };
  const auto gd = grads(direct), ga = grads(apart);
  for (std::size_t k = 0; k < gd.size(); ++k) CHECK(torch::allclose(ga[k], gd[k], 1e-12, 1e-12));
  // Without a bias, and a layer of the wrong width.
  torch::nn::Linear plain(torch::nn::LinearOptions(11, 2).bias(false));
  plain->to(torch::kFloat64);
  CHECK(torch::allclose(ng::linear_on_ends(*plain, x, e, g), plain->forward(torch::cat({xs, xr, e}, 1)), 1e-12, 1e-12));
  torch::nn::Linear wide(torch::nn::LinearOptions(12, 2));
  CHECK_THROWS_AS(ng::linear_on_ends(*wide, x, e, g), noether::InvalidInput);
}

TEST_CASE("bad graphs and indices throw InvalidInput", "[graph]") {
  torch::manual_seed(2);
  CHECK_THROWS_AS(batch({}), InvalidInput);
  Graph bad = particles(3);
  bad.edge_index = torch::tensor({0, 3}, torch::kLong).reshape({2, 1});  // node 3 of 3
  CHECK_THROWS_AS(batch({bad}), InvalidInput);
  bad.edge_index = torch::tensor({0, 1}, torch::kInt).reshape({2, 1});    // not long
  CHECK_THROWS_AS(batch({bad}), InvalidInput);
  bad.edge_index = torch::tensor({0, 1}, torch::kLong);                   // not [2, E]
  CHECK_THROWS_AS(batch({bad}), InvalidInput);
  CHECK_THROWS_AS(batch({particles(3, 1), particles(2, 2)}), InvalidInput);  // F differs
  Graph with_edges = particles(3);
  with_edges.edges = torch::zeros({5, 1}, kF64);  // 6 edges
  CHECK_THROWS_AS(batch({with_edges}), InvalidInput);
  Graph with_globals = particles(2);
  with_globals.globals = torch::zeros({1}, kF64);
  CHECK_THROWS_AS(batch({with_globals, particles(2)}), InvalidInput);  // globals on one only
  try {
    batch({particles(2), bad});
    FAIL("no exception");
  } catch (const InvalidInput& e) {
    CHECK_THAT(e.what(), Catch::Contains("graph 1"));
  }

  const auto src = torch::ones({3, 2}, kF64);
  CHECK_THROWS_AS(scatter_sum(src, torch::tensor({0, 1, 5}, torch::kLong), 3), InvalidInput);
  CHECK_THROWS_AS(scatter_sum(src, torch::tensor({0, -1, 1}, torch::kLong), 3), InvalidInput);
  CHECK_THROWS_AS(scatter_sum(src, torch::tensor({0, 1}, torch::kLong), 3), InvalidInput);
  CHECK_THROWS_AS(scatter_sum(src, torch::tensor({0.0, 1.0, 2.0}, kF64), 3), InvalidInput);

  GraphBatch g = batch({particles(2), particles(2)});
  g.edge_index = torch::tensor({0, 2}, torch::kLong).reshape({2, 1});  // joins two graphs
  CHECK_THROWS_AS(g.validate(), InvalidInput);

  auto model = make_model(false);
  const GraphBatch ok = batch({particles(3)});
  const auto s = random_state(3, 2);
  CHECK_THROWS_AS(model->energy(s.q.narrow(0, 0, 2), s.p, s.m, ok), InvalidInput);  // N differs
  CHECK_THROWS_AS(model->energy(torch::randn({3, 3}, kF64), torch::randn({3, 3}, kF64), s.m, ok),
                  InvalidInput);  // D differs
  CHECK_THROWS_AS(model->energy(s.q, s.p, s.m.narrow(0, 0, 2), ok), InvalidInput);
  CHECK_THROWS_AS(model->energy(s.q.to(torch::kFloat32), s.p.to(torch::kFloat32),
                                s.m.to(torch::kFloat32), ok),
                  InvalidInput);  // dtype differs from the parameters
  HognOptions o;
  o.hidden = 0;
  CHECK_THROWS_AS(Hogn(o), InvalidInput);
  o = HognOptions{};
  o.activation = "gelu";
  CHECK_THROWS_AS(Hogn(o), InvalidInput);
}

TEST_CASE("HOGN: a batch gives the same H and derivatives as one graph at a time", "[graph]") {
  torch::manual_seed(3);
  auto dissipation = GENERATE(false, true);
  auto model = make_model(dissipation, 2, 1);
  const std::vector<int64_t> sizes{3, 5, 2, 4};
  std::vector<Graph> graphs;
  std::vector<State> states;
  for (auto n : sizes) {
    graphs.push_back(particles(n, 1));
    states.push_back(random_state(n, 2));
  }
  const GraphBatch all = batch(graphs);
  std::vector<torch::Tensor> qs, ps, ms;
  for (const auto& s : states) {
    qs.push_back(s.q);
    ps.push_back(s.p);
    ms.push_back(s.m);
  }
  const auto q = torch::cat(qs), p = torch::cat(ps), m = torch::cat(ms);
  const auto h_all = model->energy(q, p, m, all).detach();
  const auto [dq_all, dp_all] = model->time_derivative(q, p, m, all);
  REQUIRE(h_all.sizes() == torch::IntArrayRef({4}));
  int64_t offset = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const GraphBatch one = batch({graphs[k]});
    const auto& s = states[k];
    const double h = model->energy(s.q, s.p, s.m, one).item<double>();
    CHECK(h == Approx(h_all[static_cast<int64_t>(k)].item<double>()).epsilon(1e-12));
    const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, one);
    CHECK(max_abs(dq - dq_all.narrow(0, offset, sizes[k])) < 1e-12);
    CHECK(max_abs(dp - dp_all.narrow(0, offset, sizes[k])) < 1e-12);
    offset += sizes[k];
  }
}

TEST_CASE("HOGN: permuting particles permutes the derivatives", "[graph]") {
  torch::manual_seed(4);
  auto dissipation = GENERATE(false, true);
  auto rounds = GENERATE(1, 2);
  auto model = make_model(dissipation, 3, 1, rounds);
  const int64_t n = 6;
  const Graph g = particles(n, 1);
  const auto s = random_state(n, 3);
  const auto perm = torch::randperm(n, torch::kLong);  // new node k is old node perm[k]
  const auto inv = torch::argsort(perm);               // old node i is new node inv[i]
  const Graph gp{g.nodes.index_select(0, perm), inv.index({g.edge_index}), {}, {}};
  const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, batch({g}));
  const auto [dq2, dp2] = model->time_derivative(
      s.q.index_select(0, perm), s.p.index_select(0, perm), s.m.index_select(0, perm), batch({gp}));
  CHECK(max_abs(dq2 - dq.index_select(0, perm)) < 1e-10);
  CHECK(max_abs(dp2 - dp.index_select(0, perm)) < 1e-10);
}

TEST_CASE("HOGN: translating every position leaves H and the derivatives unchanged", "[graph]") {
  torch::manual_seed(5);
  auto rounds = GENERATE(1, 3);
  auto model = make_model(true, 2, 0, rounds);
  const GraphBatch g = batch({particles(4), particles(3)});
  const auto s = random_state(7, 2);
  const auto shift = torch::tensor({3.5, -1.25}, kF64);
  const auto h = model->energy(s.q, s.p, s.m, g).detach();
  const auto h2 = model->energy(s.q + shift, s.p, s.m, g).detach();
  CHECK(max_abs(h - h2) < 1e-12 * (1 + max_abs(h)));
  const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, g);
  const auto [dq2, dp2] = model->time_derivative(s.q + shift, s.p, s.m, g);
  CHECK(max_abs(dq - dq2) < 1e-12);
  CHECK(max_abs(dp - dp2) < 1e-12);
  // Translation invariance means no net internal force: total dp/dt is zero per graph
  // (conservative model).
  auto conservative = make_model(false, 2, 0, rounds);
  const auto [cq, cp] = conservative->time_derivative(s.q, s.p, s.m, g);
  CHECK(max_abs(scatter_sum(cp, g.node_to_graph, 2)) < 1e-12);
}

TEST_CASE("HOGN: autograd derivatives match central finite differences of H", "[graph]") {
  torch::manual_seed(6);
  auto rounds = GENERATE(1, 2);
  auto model = make_model(false, 2, 1, rounds);
  const GraphBatch g = batch({particles(3, 1), particles(2, 1)});
  const auto s = random_state(5, 2);
  const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, g);
  const double h = 1e-6;
  auto total = [&](const torch::Tensor& q, const torch::Tensor& p) {
    torch::NoGradGuard no_grad;
    return model->energy(q, p, s.m, g).sum().item<double>();
  };
  double worst = 0;
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t d = 0; d < 2; ++d) {
      auto qp = s.q.clone(), qm = s.q.clone(), pp = s.p.clone(), pm = s.p.clone();
      qp[i][d] += h;
      qm[i][d] -= h;
      pp[i][d] += h;
      pm[i][d] -= h;
      const double dH_dq = (total(qp, s.p) - total(qm, s.p)) / (2 * h);
      const double dH_dp = (total(s.q, pp) - total(s.q, pm)) / (2 * h);
      worst = std::max(worst, std::abs(dq[i][d].item<double>() - dH_dp));
      worst = std::max(worst, std::abs(dp[i][d].item<double>() + dH_dq));
    }
  CHECK(worst < 1e-7);
}

TEST_CASE("HOGN: with dissipation H can only decrease along the model's field", "[graph]") {
  torch::manual_seed(7);
  const GraphBatch g = batch({particles(4, 1), particles(3, 1), particles(2, 1)});
  for (int trial = 0; trial < 5; ++trial) {
    const auto s = random_state(9, 2);
    for (bool dissipation : {false, true}) {
      auto model = make_model(dissipation, 2, 1);
      const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, g);
      // dH/dt = dH/dq . dq/dt + dH/dp . dp/dt per graph.
      auto q = s.q.clone().requires_grad_(true), p = s.p.clone().requires_grad_(true);
      const auto grads = torch::autograd::grad({model->energy(q, p, s.m, g).sum()}, {q, p});
      const auto rate = scatter_sum((grads[0] * dq + grads[1] * dp).sum(-1), g.node_to_graph, 3);
      if (dissipation) {
        CHECK((rate <= 0).all().item<bool>());
        // The closed form: -sum 2 c_i |v_i|^2 with v = dq/dt.
        const auto c = model->damping(s.m, g).detach();
        const auto expected = scatter_sum(-2 * c * dq.pow(2).sum(-1), g.node_to_graph, 3);
        CHECK(max_abs(rate - expected) < 1e-10);
        CHECK((c > 0).all().item<bool>());
      } else {
        CHECK(max_abs(rate) < 1e-10);
      }
    }
  }
}

TEST_CASE("HOGN: create_graph lets a derivative loss train every network", "[graph]") {
  torch::manual_seed(8);
  auto model = make_model(true, 2);
  const GraphBatch g = batch({particles(3), particles(4)});
  const auto s = random_state(7, 2);
  const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, g, /*create_graph=*/true);
  const auto loss = (dq - s.p).pow(2).mean() + dp.pow(2).mean();
  loss.backward();
  for (const auto& kv : model->named_parameters()) {
    INFO(kv.key());
    REQUIRE(kv.value().grad().defined());
    CHECK(max_abs(kv.value().grad()) > 0);
  }
  // Without create_graph the results are detached, also inside a NoGradGuard.
  torch::NoGradGuard no_grad;
  const auto [dq2, dp2] = model->time_derivative(s.q, s.p, s.m, g);
  CHECK_FALSE(dq2.requires_grad());
  CHECK(max_abs(dq2 - dq.detach()) < 1e-12);
  CHECK(max_abs(dp2 - dp.detach()) < 1e-12);
}

TEST_CASE("HOGN runs on CUDA and agrees with the CPU", "[graph][cuda]") {
  if (!torch::cuda::is_available()) {
    WARN("CUDA is not available; skipped");
    return;
  }
  torch::manual_seed(9);
  auto model = make_model(true, 2, 1);
  const GraphBatch g = batch({particles(3, 1), particles(5, 1)});
  const auto s = random_state(8, 2);
  const auto [dq, dp] = model->time_derivative(s.q, s.p, s.m, g);
  const torch::Device cuda(torch::kCUDA);
  model->to(cuda);
  const GraphBatch gc = g.to(cuda);
  CHECK(torch::equal(fully_connected(3, torch::TensorOptions().device(cuda)).cpu(), fully_connected(3)));
  const auto [dqc, dpc] = model->time_derivative(s.q.to(cuda), s.p.to(cuda), s.m.to(cuda), gc);
  CHECK(dqc.device().is_cuda());
  CHECK(max_abs(dqc.cpu() - dq) < 1e-10);
  CHECK(max_abs(dpc.cpu() - dp) < 1e-10);
}
