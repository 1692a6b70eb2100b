// The Hamiltonian Generative Network and its latent-ODE twin (physics/pixels/hgn.hpp, issue 18):
// the sequences are the renderer's frames of the true motions, the latent leapfrog is reversible
// to round-off where RK4 is not, the latent step converges at second order as dt shrinks (so a
// model may be stepped at another dt), the loss is its two terms and reaches every part of the
// network, a resumed run is the uninterrupted one, and bad uses are refused.
#include "tests/support/test_common.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/pixels/hgn.hpp"
#include "physics/pixels/hgn_data.hpp"

namespace np = noether::physics;

namespace {

np::HgnProtocol small_protocol(const std::string& system = "pendulum") {
  np::HgnProtocol p;
  p.system = system;
  p.train_sequences = 12;
  p.test_sequences = 3;
  p.frames = 8;
  p.size = 12;
  p.seed = 5;
  return p;
}

np::HgnConfig small_config(np::LatentDynamics kind, const np::HgnProtocol& p, int64_t dof = 1) {
  np::HgnConfig c;
  c.dynamics = kind;
  c.frame_values = p.values();
  c.input_frames = 3;
  c.dof = dof;
  c.hidden = 24;
  c.dynamics_hidden = 16;
  c.dt = p.dt;
  return c;
}

np::HgnTrainOptions small_options(int64_t steps) {
  np::HgnTrainOptions o;
  o.steps = steps;
  o.batch_size = 4;
  o.eval_every = 0;
  o.horizon_ramp = 10;  // the resumed run crosses the curriculum's end
  return o;
}

}  // namespace

TEST_CASE("HGN data: sequences are the renderer's frames of the paper's systems", "[physics][pixels][hgn]") {
  for (const std::string system : {"pendulum", "two-body"}) {
    const auto p = small_protocol(system);
    const auto d = np::make_hgn_data(p);
    const auto sys = np::hgn_system(system);
    REQUIRE(d.train.sizes() == torch::IntArrayRef({12, 8, 12 * 12 * 3}));
    REQUIRE(d.test.sizes() == torch::IntArrayRef({3, 24, 432}));
    REQUIRE(d.test_half_dt.sizes() == torch::IntArrayRef({3, 47, 432}));
    // The half-step swings hold the dt swings at their even frames, and the truth's frames.
    for (int t : {0, 5, 23}) REQUIRE(torch::equal(d.test_half_dt[2][2 * t], d.test[2][t]));
    np::RenderOptions o;
    o.size = p.size;
    o.colour = true;
    for (int t : {0, 11, 23}) {
      const auto s = d.test_states[1][t].contiguous();
      const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(s.data_ptr<double>(), s.numel());
      const auto img = np::render_state(system, y, o);
      const auto row = d.test[1][t].contiguous();
      for (int64_t i = 0; i < row.numel(); ++i) REQUIRE(row[i].item<float>() == img.data[static_cast<std::size_t>(i)]);
      // The truth keeps the system's energy.
      const Eigen::VectorXd y0 = Eigen::Map<const Eigen::VectorXd>(d.test_states[1][0].contiguous().data_ptr<double>(), s.numel());
      const auto n = sys->dof();
      CHECK(sys->energy(y.head(n), y.tail(n)) == Approx(sys->energy(y0.head(n), y0.tail(n))).epsilon(1e-8));
    }
    CHECK(torch::equal(np::make_hgn_data(p).train, d.train));
  }
  // The pendulum is the paper's: theta'' = -3 sin theta.
  const auto pend = np::hgn_system("pendulum");
  Eigen::VectorXd y(2);
  y << 0.7, 0.2;
  CHECK(pend->vector_field(y)[1] == Approx(-3.0 * std::sin(0.7)).epsilon(1e-14));
  CHECK(pend->vector_field(y)[0] == Approx(0.2).epsilon(1e-14));
}

TEST_CASE("HGN: the latent leapfrog is reversible to round-off, the latent ODE's RK4 is not",
          "[physics][pixels][hgn]") {
  const auto p = small_protocol();
  for (auto kind : {np::LatentDynamics::kHamiltonian, np::LatentDynamics::kOde}) {
    torch::manual_seed(2);
    np::HgnModel model(small_config(kind, p, 3));
    model->to(torch::kFloat64);
    const auto z0 = torch::randn({5, 6}, torch::kFloat64);
    torch::NoGradGuard none;
    const auto forward = model->rollout(z0, 60, 0.125, false);
    const auto back = model->rollout(forward.select(1, 60), 60, -0.125, false);
    const double moved = (forward.select(1, 60) - z0).abs().max().item<double>();
    const double error = (back.select(1, 60) - z0).abs().max().item<double>();
    REQUIRE(moved > 0.05);
    if (kind == np::LatentDynamics::kHamiltonian) {
      CHECK(error < 1e-12);
      // ... and the path back passes through the path forward.
      CHECK((back.flip({1}) - forward).abs().max().item<double>() < 1e-12);
    } else {
      CHECK(error > 1e-9);
    }
  }
}

TEST_CASE("HGN: the latent step converges at second order, so dt may change at test time",
          "[physics][pixels][hgn]") {
  const auto p = small_protocol();
  torch::manual_seed(4);
  np::HgnModel model(small_config(np::LatentDynamics::kHamiltonian, p, 2));
  model->to(torch::kFloat64);
  const auto z0 = torch::randn({4, 4}, torch::kFloat64);
  torch::NoGradGuard none;
  const double t = 1.0;
  auto at_t = [&](int steps) { return model->rollout(z0, steps, t / steps, false).select(1, steps); };
  const auto reference = at_t(1024);
  const double e1 = (at_t(8) - reference).abs().max().item<double>();
  const double e2 = (at_t(16) - reference).abs().max().item<double>();
  const double e3 = (at_t(32) - reference).abs().max().item<double>();
  INFO("errors " << e1 << " " << e2 << " " << e3);
  CHECK(std::log2(e1 / e2) == Approx(2.0).margin(0.2));
  CHECK(std::log2(e2 / e3) == Approx(2.0).margin(0.2));
}

TEST_CASE("HGN: the loss is reconstruction plus the weighted KL, and reaches every part", "[physics][pixels][hgn]") {
  const auto p = small_protocol();
  const auto d = np::make_hgn_data(p);
  torch::manual_seed(1);
  auto c = small_config(np::LatentDynamics::kHamiltonian, p);
  c.kl_weight = 0.01;
  np::HgnModel model(c);
  const auto x = d.train.narrow(0, 0, 4);
  const auto noise = torch::randn({4, 2});
  const auto l = model->loss(x, noise);
  {
    torch::NoGradGuard none;
    const auto [mean, log_var] = model->encode(x);
    const auto z0 = mean + torch::exp(0.5 * log_var) * noise;
    const auto path = model->rollout(z0, 7, p.dt, false);
    REQUIRE(path.sizes() == torch::IntArrayRef({4, 8, 2}));
    const double rec = (model->decode_path(path) - x).pow(2).mean().item<double>();
    double kl = 0.0;
    for (int b = 0; b < 4; ++b)
      for (int i = 0; i < 2; ++i) {
        const double m = mean[b][i].item<double>(), v = std::exp(log_var[b][i].item<double>());
        kl += 0.5 * (m * m + v - 1.0 - std::log(v)) / 4.0;
      }
    CHECK(l.reconstruction.item<double>() == Approx(rec).epsilon(1e-5));
    CHECK(l.kl.item<double>() == Approx(kl).epsilon(1e-5));
    CHECK(l.total.item<double>() == Approx(rec + 0.01 * kl).epsilon(1e-5));
  }
  l.total.backward();
  for (const auto& item : model->named_parameters()) {
    if (item.key().find("bias") != std::string::npos) continue;
    INFO(item.key());
    const auto g = item.value().grad();
    REQUIRE(g.defined());
    CHECK(g.abs().max().item<double>() > 0.0);
  }
}

TEST_CASE("HGN: training lowers the loss, a resumed run is the uninterrupted one, and evaluation reports",
          "[physics][pixels][hgn]") {
  const auto p = small_protocol();
  const auto d = np::make_hgn_data(p);
  const auto c = small_config(np::LatentDynamics::kHamiltonian, p);
  auto straight = np::new_hgn_run(c, small_options(16), p);
  const auto before = np::train_hgn(straight, d, small_options(0));
  const auto after = np::train_hgn(straight, d, small_options(16));
  CHECK(after.train_loss < before.train_loss);
  auto first = np::new_hgn_run(c, small_options(8), p);
  np::train_hgn(first, d, small_options(8));
  const std::string path = "test_hgn_resume.pt";
  np::save_hgn(first, path);
  CHECK(np::model_file_kind(path) == np::hgn_file_kind());
  auto resumed = np::load_hgn(path);
  CHECK(resumed.step() == 8);
  np::train_hgn(resumed, d, small_options(8));
  const auto a = straight.model->parameters(), b = resumed.model->parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(torch::allclose(a[i], b[i], 1e-5, 1e-6));
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());

  const auto e = np::evaluate_hgn(*resumed.model, d, 4);
  REQUIRE(e.mse_per_frame.size() == 24);
  CHECK(e.frames == 24);
  CHECK(std::isfinite(e.reconstruction_mse));
  CHECK(std::isfinite(e.half_dt_mse));
  // float32 leapfrog: back to the start to round-off of single precision.
  CHECK(e.reversal_latent_error < 1e-4);
  CHECK(e.reversal_mse == Approx(e.reconstruction_mse).epsilon(1e-3));
  CHECK(e.latent_energy_drift >= 0.0);
  REQUIRE(e.film_true.size() == 4);
  CHECK(e.film_true[0].channels == 3);
}

TEST_CASE("HGN refuses bad input with a clear message", "[physics][pixels][hgn]") {
  CHECK_THROWS_WITH(np::parse_latent_dynamics("vae"), Catch::Contains("unknown generative pixel model 'vae'"));
  CHECK_THROWS_WITH(np::hgn_system("kepler"), Catch::Contains("unknown HGN system 'kepler'"));
  auto p = small_protocol();
  p.frames = 1;
  CHECK_THROWS_WITH(np::make_hgn_data(p), Catch::Contains("frames = 1"));
  p = small_protocol();
  auto c = small_config(np::LatentDynamics::kOde, p);
  c.input_frames = 8;
  CHECK_THROWS_WITH(np::new_hgn_run(c, small_options(1), p), Catch::Contains("8 input frames"));
  c = small_config(np::LatentDynamics::kOde, p);
  c.frame_values = 100;
  CHECK_THROWS_WITH(np::new_hgn_run(c, small_options(1), p), Catch::Contains("432"));
  np::HgnModel m(small_config(np::LatentDynamics::kOde, p));
  CHECK_THROWS_WITH(m->encode(torch::zeros({2, 2, 432})), Catch::Contains(">= 3"));
  CHECK_THROWS_WITH(m->energy(torch::zeros({2, 2})), Catch::Contains("no energy"));
}
