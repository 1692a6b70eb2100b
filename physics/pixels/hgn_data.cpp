#include "physics/pixels/hgn_data.hpp"

#include <cmath>

#include "noether/error.hpp"
#include "physics/pixels/pixel_data.hpp"
#include "physics/pixels/render.hpp"
#include "physics/systems/detail/sampling.hpp"

namespace noether::physics {

namespace {

/// A start of the paper's system `name` (see the header for the rules).
Vector start_of(const std::string& name, const System& system, Rng& rng) {
  Vector y(2);
  if (name == "pendulum") {
    // E = theta'^2 / 2 + 3 (1 - cos theta), reaching |theta| = 33 to 109 degrees, shared at random
    // between angle and speed.
    const double max_angle = detail::uniform(rng, 33.0, 109.0) * detail::kPi / 180.0;
    const double energy = 3.0 * (1.0 - std::cos(max_angle));
    const double share = detail::uniform(rng, 0.0, 1.0);
    const double theta = std::acos(1.0 - share * energy / 3.0);
    const double speed = std::sqrt(2.0 * (1.0 - share) * energy);
    y << (detail::uniform(rng, 0.0, 1.0) < 0.5 ? -theta : theta), (detail::uniform(rng, 0.0, 1.0) < 0.5 ? -speed : speed);
    return y;
  }
  if (name == "spring") {
    const double r = detail::uniform(rng, 0.5, 1.5), phase = detail::uniform(rng, 0.0, 2.0 * detail::kPi);
    y << r * std::cos(phase), r * std::sin(phase);
    return y;
  }
  return system.random_state(rng);
}

}  // namespace

std::vector<std::string> hgn_systems() { return {"pendulum", "spring", "two-body", "three-body"}; }

std::unique_ptr<System> hgn_system(const std::string& system) {
  // The pendulum of m = 0.5, l = 1, g = 3 swings as theta'' = -3 sin theta: DampedPendulum's
  // H = 2 g' (1 - cos q) + p^2 / 2 with g' = 1.5 and no damping, in (theta, theta').
  if (system == "pendulum") return std::make_unique<DampedPendulum>(1.5, 0.0);
  // m = 0.5, k = 2: H = p^2 / (2 m) + k q^2 / 2 = q^2 + p^2, the Spring of systems.hpp.
  if (system == "spring" || system == "two-body" || system == "three-body") return make_system(system);
  std::string known;
  for (const auto& k : hgn_systems()) known += (known.empty() ? "" : ", ") + k;
  throw InvalidInput("unknown HGN system '" + system + "' (known: " + known + ")");
}

void HgnProtocol::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("HGN data: " + what); };
  hgn_system(system);
  if (train_sequences < 1) throw bad("train_sequences must be >= 1");
  if (test_sequences < 1) throw bad("test_sequences must be >= 1");
  if (frames < 2) throw bad("frames = " + std::to_string(frames) + " must be >= 2");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw bad("dt must be finite and > 0");
  if (test_horizon < 1 || test_horizon > 100) throw bad("test_horizon must be in [1, 100]");
  if (size < 8 || size > 256) throw bad("size = " + std::to_string(size) + " must be in [8, 256]");
  if (!(noise_std >= 0.0) || !std::isfinite(noise_std)) throw bad("noise_std must be finite and >= 0");
}

HgnDataSet make_hgn_data(const HgnProtocol& p) {
  p.validate();
  const auto system = hgn_system(p.system);
  Rng rng(p.seed);
  RenderOptions ro;
  ro.size = p.size;
  ro.colour = p.colour;
  ro.noise_std = p.noise_std;
  const int64_t values = p.values(), long_frames = static_cast<int64_t>(p.test_horizon) * p.frames;
  HgnDataSet d;
  d.protocol = p;
  d.train = torch::empty({p.train_sequences, p.frames, values}, torch::kFloat32);
  d.test = torch::empty({p.test_sequences, long_frames, values}, torch::kFloat32);
  d.test_half_dt = torch::empty({p.test_sequences, 2 * long_frames - 1, values}, torch::kFloat32);
  d.test_states = torch::empty({p.test_sequences, long_frames, 2 * system->dof()}, torch::kFloat64);
  auto copy_frames = [&](const std::vector<Image>& images, torch::Tensor out) {
    auto a = out.accessor<float, 2>();
    for (std::size_t t = 0; t < images.size(); ++t)
      for (int64_t i = 0; i < values; ++i) a[static_cast<int64_t>(t)][i] = images[t].data[static_cast<std::size_t>(i)];
  };
  const int total = p.train_sequences + p.test_sequences;
  for (int k = 0; k < total; ++k) {
    const Vector y0 = start_of(p.system, *system, rng);
    ro.seed = p.seed * 1000003ULL + static_cast<uint64_t>(k);  // each sequence its own noise
    if (k < p.train_sequences) {
      copy_frames(render_trajectory(p.system, sample_trajectory(*system, y0, p.dt, p.frames), ro), d.train[k]);
      continue;
    }
    // Test swings at half the step: the even samples are the swing at dt, the whole the same swing
    // at dt / 2 (for models asked to step at a dt they were not trained at).
    const int64_t j = k - p.train_sequences;
    const auto fine = sample_trajectory(*system, y0, 0.5 * p.dt, static_cast<int>(2 * long_frames - 1));
    const auto images = render_trajectory(p.system, fine, ro);
    copy_frames(images, d.test_half_dt[j]);
    std::vector<Image> coarse;
    auto states = d.test_states.accessor<double, 3>();
    for (int64_t t = 0; t < long_frames; ++t) {
      coarse.push_back(images[static_cast<std::size_t>(2 * t)]);
      for (Eigen::Index i = 0; i < fine[0].size(); ++i) states[j][t][i] = fine[static_cast<std::size_t>(2 * t)][i];
    }
    copy_frames(coarse, d.test[j]);
  }
  return d;
}

}  // namespace noether::physics
