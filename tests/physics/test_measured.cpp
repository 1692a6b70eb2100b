// Measured data (Lipson files), the damped-spring grid, and SRNN's initial-state optimisation.
#include "tests/support/test_common.hpp"

#include <cstdio>
#include <fstream>

#include "noether/error.hpp"
#include "physics/learning/losses.hpp"
#include "physics/systems/measured.hpp"
#include "physics/learning/training.hpp"

namespace np = noether::physics;

namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream os(path);
  os << text;
}
}  // namespace

TEST_CASE("the real pendulum loads with the HNN paper's split and forward differences",
          "[physics][measured]") {
  // Shipped with noether and found beside the program (build/share/noether here).
  const std::string path = np::find_lipson_file("real_pend_h_1.txt");
  const auto d = np::load_lipson(path);
  // 556 rows -> 555 forward differences; the first 80% of the 556 rows (444) train.
  CHECK(d.x.size(0) == 444);
  CHECK(d.test_x.size(0) == 111);
  CHECK(d.x.size(1) == 2);
  // The first target is the difference of the first two rows over their time step (1/6 s).
  const double dq = (1.2753554896511765 - 1.1383885512243586) / (5.1666666666666670 - 5.0);
  CHECK(d.dxdt[0][0].item<double>() == Approx(dq).epsilon(1e-12));
  CHECK(d.x[0][0].item<double>() == Approx(1.1383885512243586));
  CHECK(d.t[d.x.size(0)].item<double>() > 80.0);  // the test part is the last ~18 s
}

TEST_CASE("malformed measured files are rejected with the line named", "[physics][measured][errors]") {
  CHECK_THROWS_WITH(np::load_lipson("no/such/file.txt"), Catch::Contains("cannot open"));
  std::string rows = "%o v\n";
  for (int i = 0; i < 12; ++i) rows += "0 " + std::to_string(i * 0.1) + " 0.5 0.1\n";
  write("lipson_ok.txt", rows);
  CHECK_NOTHROW(np::load_lipson("lipson_ok.txt"));
  write("lipson_cols.txt", rows + "0 2.0 0.5\n");
  CHECK_THROWS_WITH(np::load_lipson("lipson_cols.txt"), Catch::Contains("line 14") && Catch::Contains("4 columns"));
  write("lipson_nan.txt", rows + "0 2.0 nan 0.1\n");
  CHECK_THROWS_WITH(np::load_lipson("lipson_nan.txt"), Catch::Contains("not a finite number"));
  write("lipson_time.txt", rows + "0 0.5 0.5 0.1\n");
  CHECK_THROWS_WITH(np::load_lipson("lipson_time.txt"), Catch::Contains("does not increase"));
  write("lipson_short.txt", "%o v\n0 0 1 1\n0 1 1 1\n");
  CHECK_THROWS_WITH(np::load_lipson("lipson_short.txt"), Catch::Contains("at least 10"));
  for (const char* f : {"lipson_ok.txt", "lipson_cols.txt", "lipson_nan.txt", "lipson_time.txt", "lipson_short.txt"})
    std::remove(f);
}

TEST_CASE("the damped-spring grid holds exact derivatives and an 85/15 split", "[physics][measured]") {
  const auto d = np::damped_spring_grid();
  CHECK(d.x.size(0) + d.test_x.size(0) == 625);
  CHECK(d.test_x.size(0) == 94);
  CHECK(d.x.abs().max().item<double>() == Approx(1.2));
  const auto q = d.x.select(1, 0), p = d.x.select(1, 1);
  CHECK(torch::allclose(d.dxdt.select(1, 0), 2 * p - 2 * q));
  CHECK(torch::allclose(d.dxdt.select(1, 1), -2 * q));
  // No state is in both parts.
  const auto all = torch::cat({d.x, d.test_x});
  CHECK(std::get<0>(torch::unique_dim(all, 0)).size(0) == 625);
}

TEST_CASE("initial-state optimisation recovers the start of an observed rollout",
          "[physics][learning][srnn]") {
  torch::manual_seed(4);
  np::ModelConfig c;
  c.kind = np::ModelKind::kSeparable;
  c.dof = 3;
  c.hidden = 16;
  auto model = np::make_model(c);
  model->to(torch::kFloat64);
  const auto truth = torch::randn({2, 6}, torch::kFloat64) * 0.5;
  const auto observed = np::rollout(model, truth, 0.1, 10, noether::integrators::Scheme::kLeapfrog, false);
  const auto guess = truth + 0.2 * torch::randn({2, 6}, torch::kFloat64);
  const auto x0 = np::optimize_initial_state(model, observed, 0.1, noether::integrators::Scheme::kLeapfrog, 400, 1e-2);
  const double before = (guess - truth).abs().max().item<double>();
  const double after = (x0 - truth).abs().max().item<double>();
  INFO("start error " << before << " -> " << after);
  // Optimised from the first observation (exact here), it stays at the truth; from a perturbed
  // observation set it moves back towards it.
  CHECK(after < 1e-2);
  auto noisy = observed.clone();
  noisy[0] = guess;
  const auto x1 = np::optimize_initial_state(model, noisy, 0.1, noether::integrators::Scheme::kLeapfrog, 400, 1e-2);
  const double after_noisy = (x1 - truth).abs().max().item<double>();
  INFO("perturbed first observation: " << before << " -> " << after_noisy);
  CHECK(after_noisy < 0.5 * before);
  // The weights were left alone and trainable.
  for (const auto& p : model->parameters()) CHECK(p.requires_grad());
}
