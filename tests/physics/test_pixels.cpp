// The pixel models of physics/pixels/ (issue 18): the pixel pendulum's frames are the renderer's
// frames of its true states, the model's loss is the sum of its three terms, the gradient through
// the latent field's double backward equals finite differences, the pixel HNN's learned energy is
// kept along its own rollouts, a resumed run is the uninterrupted one, and bad uses are refused.
#include "tests/support/test_common.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/pixels/pixel_data.hpp"
#include "physics/pixels/pixel_model.hpp"

namespace np = noether::physics;

namespace {

np::PixelProtocol small_protocol() {
  np::PixelProtocol p;
  p.trials = 10;
  p.steps = 24;
  p.size = 16;
  p.seed = 3;
  return p;
}

np::PixelModelConfig small_config(np::ModelKind kind, const np::PixelProtocol& p) {
  np::PixelModelConfig c;
  c.dynamics = kind;
  c.input = 2 * p.size * p.size;
  c.hidden = 32;
  c.dynamics_hidden = 32;
  return c;
}

np::PixelTrainOptions small_options(int64_t steps) {
  np::PixelTrainOptions o;
  o.steps = steps;
  o.batch_size = 32;
  o.eval_every = 0;
  return o;
}

}  // namespace

TEST_CASE("pixel pendulum: frames are the renderer's frames of the true swings", "[physics][pixels]") {
  const auto p = small_protocol();
  const auto d = np::make_pixel_pendulum(p);
  REQUIRE(d.frames.sizes() == torch::IntArrayRef({10, 24, 256}));
  REQUIRE(d.train_trials == 8);
  np::RenderOptions o;
  o.size = p.size;
  for (int k : {0, 9})
    for (int t : {0, 11, 23}) {
      Eigen::VectorXd y(2);
      y << d.coords[k][t][0].item<double>(), d.coords[k][t][1].item<double>();
      const auto img = np::render_state("gym-pendulum", y, o);
      const auto row = d.frames[k][t].contiguous();
      for (int i = 0; i < 256; ++i) REQUIRE(row[i].item<float>() == img.data[static_cast<std::size_t>(i)]);
    }
  // The swings start inside the protocol's box and keep the gym pendulum's energy.
  CHECK(d.coords.select(1, 0).select(1, 0).abs().max().item<double>() < p.max_angle);
  CHECK(d.coords.select(1, 0).select(1, 1).abs().max().item<double>() < p.max_speed);
  const auto e = np::PixelDataSet::energy(d.coords);
  CHECK((e - e.select(1, 0).unsqueeze(1)).abs().max().item<double>() < 1e-9);
  // Observations: a frame beside its change since the last one.
  const auto x = d.inputs(true);
  REQUIRE(x.sizes() == torch::IntArrayRef({2, 23, 512}));
  CHECK(torch::equal(x[1][4].narrow(0, 0, 256), d.frames[9][5]));
  CHECK(torch::allclose(x[1][4].narrow(0, 256, 256), d.frames[9][5] - d.frames[9][4]));
  REQUIRE(torch::equal(d.states(false)[3][0], d.coords[3][1]));
  // The same seed gives the same data set; another seed another.
  CHECK(torch::equal(np::make_pixel_pendulum(p).frames, d.frames));
  auto q = p;
  q.seed = 4;
  CHECK(!torch::equal(np::make_pixel_pendulum(q).frames, d.frames));
}

TEST_CASE("pixel model: the loss is its three terms, and its gradient equals finite differences",
          "[physics][pixels]") {
  const auto p = small_protocol();
  const auto d = np::make_pixel_pendulum(p);
  torch::manual_seed(1);
  np::PixelModel model(small_config(np::ModelKind::kHnn, p));
  model->to(torch::kFloat64);
  const auto x = d.inputs(false)[0].narrow(0, 0, 6).to(torch::kFloat64);
  const auto next = d.inputs(false)[0].narrow(0, 1, 6).to(torch::kFloat64);
  const auto l = model->loss(x, next);
  {
    const auto z = model->encode(x), zn = model->encode(next);
    const double rec = (model->decode(z) - x).pow(2).mean().item<double>();
    const double can = (z.select(1, 1) - (zn.select(1, 0) - z.select(1, 0))).pow(2).mean().item<double>();
    CHECK(l.reconstruction.item<double>() == Approx(rec).epsilon(1e-12));
    CHECK(l.canonical.item<double>() == Approx(can).epsilon(1e-12));
    CHECK(l.total.item<double>() ==
          Approx(rec + can + 0.1 * l.field.item<double>()).epsilon(1e-12));
  }
  // d loss / d (an encoder weight): the field term reaches the encoder through grad H.
  auto params = model->named_parameters();
  auto w = params["encoder3.weight"];
  const auto g = torch::autograd::grad({l.total}, {w})[0];
  const double h = 1e-6;
  for (const auto& [i, j] : std::vector<std::pair<int, int>>{{0, 0}, {1, 5}, {0, 17}}) {
    double fd;
    {
      torch::NoGradGuard no_grad;
      w[i][j] += h;
    }
    const double up = model->loss(x, next).total.item<double>();
    {
      torch::NoGradGuard no_grad;
      w[i][j] -= 2 * h;
    }
    const double down = model->loss(x, next).total.item<double>();
    {
      torch::NoGradGuard no_grad;
      w[i][j] += h;
    }
    fd = (up - down) / (2 * h);
    CHECK(g[i][j].item<double>() == Approx(fd).epsilon(1e-6).margin(1e-10));
  }
}

TEST_CASE("pixel HNN: the learned energy is kept along its own rollouts", "[physics][pixels]") {
  const auto p = small_protocol();
  const auto d = np::make_pixel_pendulum(p);
  for (auto kind : {np::ModelKind::kHnn, np::ModelKind::kBaseline}) {
    auto run = np::new_pixel_run(small_config(kind, p), small_options(30), p);
    const auto s = np::train_pixel_model(run, d, small_options(30));
    CHECK(std::isfinite(s.test_loss));
    const auto e = np::evaluate_pixel_model(*run.model, d, 5);
    CHECK(std::isfinite(e.energy_mse));
    CHECK(e.test_loss == Approx(s.test_loss).epsilon(1e-6));
    REQUIRE(e.film_true.size() == 5);
    REQUIRE(e.film_predicted.size() == 5);
    if (kind == np::ModelKind::kHnn) {
      // RK4 at a quarter frame keeps H to its truncation error: far below H's spread.
      CHECK(e.latent_energy_drift >= 0.0);
      CHECK(e.latent_energy_drift < 1e-3);
    } else {
      CHECK(e.latent_energy_drift == -1.0);
    }
  }
}

TEST_CASE("pixel model: a resumed run continues as the uninterrupted one, and files round-trip",
          "[physics][pixels]") {
  const auto p = small_protocol();
  const auto d = np::make_pixel_pendulum(p);
  const auto c = small_config(np::ModelKind::kHnn, p);
  auto straight = np::new_pixel_run(c, small_options(20), p);
  np::train_pixel_model(straight, d, small_options(20));
  auto first = np::new_pixel_run(c, small_options(10), p);
  np::train_pixel_model(first, d, small_options(10));
  const std::string path = "test_pixels_resume.pt";
  np::save_pixel_model(first, path);
  CHECK(np::model_file_kind(path) == np::pixel_file_kind());
  auto resumed = np::load_pixel_model(path);
  CHECK(resumed.step() == 10);
  for (const auto& [a, b] : {std::make_pair(first.model->parameters(), resumed.model->parameters())})
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(torch::equal(a[i], b[i]));
  np::train_pixel_model(resumed, d, small_options(10));
  const auto a = straight.model->parameters(), b = resumed.model->parameters();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(torch::allclose(a[i], b[i], 1e-6, 1e-7));
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());
  CHECK(np::model_file_kind("no_such_model.pt").empty());
}

TEST_CASE("pixel models refuse bad input with a clear message", "[physics][pixels]") {
  CHECK_THROWS_WITH(np::parse_pixel_model("pixel-vae"), Catch::Contains("unknown pixel model 'pixel-vae'"));
  auto p = small_protocol();
  p.trials = 1;
  CHECK_THROWS_WITH(np::make_pixel_pendulum(p), Catch::Contains("trials"));
  p = small_protocol();
  auto c = small_config(np::ModelKind::kHnn, p);
  c.latent = 3;
  CHECK_THROWS_WITH(np::PixelModel(c), Catch::Contains("latent = 3"));
  c = small_config(np::ModelKind::kGhnn, p);
  CHECK_THROWS_WITH(np::PixelModel(c), Catch::Contains("use hnn or baseline"));
  np::PixelModel m(small_config(np::ModelKind::kHnn, p));
  CHECK_THROWS_WITH(m->encode(torch::zeros({2, 100})), Catch::Contains("[B, 512]"));
  // A model for 16-pixel frames refuses 28-pixel data.
  auto q = small_protocol();
  q.size = 28;
  auto run = np::new_pixel_run(small_config(np::ModelKind::kHnn, p), small_options(1), p);
  CHECK_THROWS_WITH(np::train_pixel_model(run, np::make_pixel_pendulum(q), small_options(1)),
                    Catch::Contains("1568"));
}
