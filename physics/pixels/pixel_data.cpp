#include "physics/pixels/pixel_data.hpp"

#include <algorithm>
#include <cmath>

#include "noether/error.hpp"
#include "physics/learning/detail/true_trajectory.hpp"
#include "physics/systems/detail/sampling.hpp"

namespace noether::physics {

void PixelProtocol::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("pixel protocol: " + what); };
  if (trials < 2) throw bad("trials = " + std::to_string(trials) + " must be >= 2 (train and test)");
  if (steps < 4) throw bad("steps = " + std::to_string(steps) + " must be >= 4");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw bad("dt must be finite and > 0");
  if (!(max_angle >= 0.0) || !(max_angle < 3.14)) throw bad("max_angle must be in [0, 3.14)");
  if (!(max_speed >= 0.0) || !std::isfinite(max_speed)) throw bad("max_speed must be finite and >= 0");
  if (size < 8 || size > 256) throw bad("size = " + std::to_string(size) + " must be in [8, 256]");
  if (!(noise_std >= 0.0) || !std::isfinite(noise_std)) throw bad("noise_std must be finite and >= 0");
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) throw bad("test_fraction must be in (0, 1)");
  const int test = static_cast<int>(std::lround(test_fraction * trials));
  if (test < 1 || test >= trials) throw bad("test_fraction leaves no train or no test swing");
}

std::unique_ptr<System> gym_pendulum() {
  // H = 2 g (1 - cos q) + p^2 / 2 with g = 7.5: q'' = -15 sin q and p = q'.
  return std::make_unique<DampedPendulum>(7.5, 0.0);
}

std::vector<Eigen::VectorXd> sample_trajectory(const System& system, const Eigen::VectorXd& y0, double dt, int count) {
  return detail::true_trajectory(system, y0, detail::sample_times(dt, count), system.name() + " frames");
}

void append_film(const torch::Tensor& truth, const torch::Tensor& predicted, int size, int channels, int film_frames,
                 std::vector<Image>& true_out, std::vector<Image>& predicted_out) {
  const int64_t frames = truth.size(0);
  const int64_t count = std::max<int64_t>(1, std::min<int64_t>(film_frames, frames));
  const int64_t every = std::max<int64_t>(1, frames / count);
  auto image_of = [&](const torch::Tensor& row) {
    Image img(size, size, channels);
    const auto r = row.to(torch::kCPU, torch::kFloat32).contiguous();
    std::copy(r.data_ptr<float>(), r.data_ptr<float>() + img.data.size(), img.data.begin());
    return img;
  };
  for (int64_t k = 0; k < count; ++k) {
    true_out.push_back(image_of(truth[k * every]));
    predicted_out.push_back(image_of(predicted[k * every]));
  }
}

torch::Tensor PixelDataSet::inputs(bool test) const {
  const auto swings = test ? frames.slice(0, train_trials) : frames.slice(0, 0, train_trials);
  const auto now = swings.slice(1, 1), before = swings.slice(1, 0, -1);
  return torch::cat({now, now - before}, -1).contiguous();
}

torch::Tensor PixelDataSet::states(bool test) const {
  const auto swings = test ? coords.slice(0, train_trials) : coords.slice(0, 0, train_trials);
  return swings.slice(1, 1).contiguous();
}

torch::Tensor PixelDataSet::energy(const torch::Tensor& s) {
  const auto q = s.select(-1, 0), v = s.select(-1, 1);
  return 0.5 * v * v + 15.0 * (1.0 - torch::cos(q));
}

PixelDataSet make_pixel_pendulum(const PixelProtocol& p) {
  p.validate();
  const auto system = gym_pendulum();
  Rng rng(p.seed);
  RenderOptions ro;
  ro.size = p.size;
  ro.noise_std = p.noise_std;
  PixelDataSet d;
  d.protocol = p;
  d.train_trials = p.trials - static_cast<int64_t>(std::lround(p.test_fraction * p.trials));
  const int64_t pixels = static_cast<int64_t>(p.size) * p.size;
  d.frames = torch::empty({p.trials, p.steps, pixels}, torch::kFloat32);
  d.coords = torch::empty({p.trials, p.steps, 2}, torch::kFloat64);
  auto frames = d.frames.accessor<float, 3>();
  auto coords = d.coords.accessor<double, 3>();
  for (int k = 0; k < p.trials; ++k) {
    Eigen::VectorXd y0(2);
    y0 << detail::uniform(rng, -p.max_angle, p.max_angle), detail::uniform(rng, -p.max_speed, p.max_speed);
    const auto states = sample_trajectory(*system, y0, p.dt, p.steps);
    ro.seed = p.seed * 1000003ULL + static_cast<uint64_t>(k);  // each swing its own noise
    const auto images = render_trajectory("gym-pendulum", states, ro);
    for (int t = 0; t < p.steps; ++t) {
      const auto& img = images[static_cast<std::size_t>(t)].data;
      for (int64_t i = 0; i < pixels; ++i) frames[k][t][i] = img[static_cast<std::size_t>(i)];
      coords[k][t][0] = states[static_cast<std::size_t>(t)][0];
      coords[k][t][1] = states[static_cast<std::size_t>(t)][1];
    }
  }
  return d;
}

}  // namespace noether::physics
