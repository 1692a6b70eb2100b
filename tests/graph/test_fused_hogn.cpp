// The hand-derived HOGN derivative loss (graph/fused_hogn.hpp) against autograd's double backward:
// the loss and every parameter's gradient, for each activation, with and without dissipation,
// node and edge features, in float64 and float32 (issue 21).
#include "tests/support/test_common.hpp"

#include <string>
#include <vector>

#include "graph/fused_hogn.hpp"
#include "graph/hogn.hpp"
#include "noether/error.hpp"
#include "tests/graph/three_graphs.hpp"

using namespace noether::graph;
using noether::graph::testing::three_graphs;

namespace {

double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (1e-3 + b.abs().max().item<double>());
}

struct Case {
  double loss;
  std::vector<torch::Tensor> grads;
};

}  // namespace

TEST_CASE("the fused HOGN loss equals autograd's loss and parameter gradients", "[graph][fused]") {
  for (const auto dtype : {torch::kFloat64, torch::kFloat32})
    for (const std::string activation : {"softplus", "tanh", "sin", "relu"})
      for (const bool dissipation : {false, true})
        for (const int64_t f : {0, 1})
          for (const int64_t fe : {0, 2}) {
            if (dtype == torch::kFloat32 && (activation != "softplus" || f != 1)) continue;
            CAPTURE(dtype, activation, dissipation, f, fe);
            torch::manual_seed(5 + f + 3 * fe + (dissipation ? 7 : 0));
            HognOptions o;
            o.dim = 2;
            o.node_features = f;
            o.edge_features = fe;
            o.hidden = 16;
            o.layers = activation == "tanh" ? 3 : 2;
            o.activation = activation;
            o.dissipation = dissipation;
            Hogn model(o);
            model->to(dtype);
            const auto opts = torch::TensorOptions().dtype(dtype);
            const auto g = three_graphs(f, fe, dtype);
            const int64_t n = g.num_nodes();
            const auto q = torch::randn({n, 2}, opts), p = torch::randn({n, 2}, opts);
            const auto m = torch::rand({n}, opts) + 0.5;
            const auto tq = torch::randn({n, 2}, opts), tp = torch::randn({n, 2}, opts);

            const auto params = model->parameters();
            for (auto& w : params) w.mutable_grad() = torch::Tensor();
            const auto [dq, dp] = model->time_derivative(q, p, m, g, /*create_graph=*/true);
            const auto loss = torch::mse_loss(torch::cat({dq, dp}, -1), torch::cat({tq, tp}, -1));
            loss.backward();
            Case autograd{loss.item<double>(), {}};
            for (const auto& w : params)
              autograd.grads.push_back(w.grad().defined() ? w.grad().clone() : torch::zeros_like(w));

            REQUIRE(FusedHognLoss::supports(*model));
            FusedHognLoss fused(*model);
            for (int rep = 0; rep < 2; ++rep) {  // the second call must not add to the first's gradients
              const double value = fused.loss_and_gradients(q, p, m, g, tq, tp);
              const double tol = dtype == torch::kFloat64 ? 1e-12 : 2e-5;
              CHECK(std::abs(value - autograd.loss) <= tol * autograd.loss);
              for (std::size_t k = 0; k < params.size(); ++k) {
                CAPTURE(k, rep);
                REQUIRE(params[k].grad().defined());
                CHECK(relative(params[k].grad(), autograd.grads[k]) < (dtype == torch::kFloat64 ? 1e-11 : 1e-4));
              }
            }
            double norm = 0.0;
            for (const auto& gr : autograd.grads) norm += gr.abs().sum().item<double>();
            CHECK(norm > 1e-3);  // gradients worth comparing
          }
}

TEST_CASE("the fused HOGN loss refuses message passing and wrong shapes", "[graph][fused]") {
  HognOptions o;
  o.hidden = 8;
  o.rounds = 2;
  Hogn deep(o);
  CHECK_FALSE(FusedHognLoss::supports(*deep));
  CHECK_THROWS_AS(FusedHognLoss(*deep), noether::InvalidInput);
  o.rounds = 1;
  Hogn model(o);
  model->to(torch::kFloat64);
  FusedHognLoss fused(*model);
  const auto g = three_graphs(0, 0, torch::kFloat64);
  const auto x = torch::zeros({g.num_nodes(), 2}, torch::kFloat64), bad = torch::zeros({3, 2}, torch::kFloat64);
  const auto m = torch::ones({g.num_nodes()}, torch::kFloat64);
  CHECK_THROWS_WITH(fused.loss_and_gradients(x, bad, m, g, x, x), Catch::Contains("must be [12, 2]"));
  CHECK_THROWS_WITH(fused.loss_and_gradients(x, x, bad, g, x, x), Catch::Contains("masses must be [12]"));
}
