// apps/pixels_cmd.cpp: the generative side of issue 18. `noether render` (frames of the analytic
// systems as PNG files), the pixel models' training and evaluation, which `noether train` and
// `noether evaluate` hand over to, `noether train-flow` (normalising flows on 2-D densities) and
// `noether meta-train` (a Hamiltonian meta-learned across a family of systems).
#include "apps/pixels_cmd.hpp"

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "apps/format.hpp"
#include "apps/options.hpp"
#include "apps/registry.hpp"
#include "apps/threads.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/device.hpp"
#include "physics/learning/flow_training.hpp"
#include "physics/learning/meta.hpp"
#include "physics/pixels/hgn.hpp"
#include "physics/pixels/pixel_data.hpp"
#include "physics/pixels/pixel_model.hpp"
#include "physics/pixels/png.hpp"

namespace noether::apps {

using nlohmann::json;

namespace {

struct RenderArgs {
  std::string system = "pendulum";
  std::string folder = "frames";
  int frames = 30;
  double dt = 0.1;
  int size = 0;  ///< 0: 28 grey, 32 colour
  bool colour = false;
  double noise = 0.0;
  unsigned long long seed = 0;
  bool random = false;
  std::string strip;  ///< film strip PNG; empty: FOLDER/strip.png
  bool json = false;
};

int render_command(const RenderArgs& a) {
  namespace fs = std::filesystem;
  physics::RenderOptions o;
  o.size = a.size > 0 ? a.size : a.colour ? 32 : 28;
  o.colour = a.colour;
  o.noise_std = a.noise;
  o.seed = a.seed;
  o.validate();
  const auto system = a.system == "gym-pendulum" ? physics::gym_pendulum() : physics::make_system(a.system);
  Eigen::VectorXd y0 = system->default_state();
  physics::scene_of(a.system, y0);  // before any work: throws for a system it cannot draw, naming those it can
  if (a.random) {
    physics::Rng rng(a.seed);
    y0 = system->random_state(rng);
  }
  const auto states = physics::sample_trajectory(*system, y0, a.dt, a.frames);
  const auto images = physics::render_trajectory(a.system, states, o);
  std::error_code ec;
  if (!fs::is_directory(a.folder, ec)) {
    const fs::path parent = fs::path(a.folder).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec))
      throw InvalidInput("-o '" + a.folder + "': folder '" + parent.string() + "' does not exist");
    if (!fs::create_directory(a.folder, ec) && !fs::is_directory(a.folder))
      throw InvalidInput("-o '" + a.folder + "': cannot create the folder: " + ec.message());
  }
  for (std::size_t k = 0; k < images.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%04zu.png", k);
    physics::write_png(images[k], (fs::path(a.folder) / name).string());
  }
  const std::string strip = a.strip.empty() ? (fs::path(a.folder) / "strip.png").string() : a.strip;
  physics::write_png(physics::tile(images, 10), strip);
  if (a.json) {
    std::cout << json{{"system", a.system}, {"frames", images.size()}, {"folder", a.folder}, {"size", o.size},
                      {"channels", o.colour ? 3 : 1}, {"dt", a.dt}, {"noise", a.noise}, {"seed", a.seed},
                      {"strip", strip}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "rendered " << images.size() << " frames of " << a.system << " (" << o.size << "x" << o.size
              << (o.colour ? " RGB" : " grey") << ", every " << a.dt << " s) to " << a.folder
              << "/frame_NNNN.png; film strip " << strip << "\n";
  }
  return 0;
}

struct FlowArgs {
  std::string density = "two-moons";
  std::string model = "hnf";
  std::string output = "flow.pt";
  int64_t layers = 0;  ///< 0: 4 Hamiltonian stages, or 8 couplings (the same parameter count)
  int64_t hidden = 32;
  int64_t leapfrog_steps = 4;
  double dt = 0.25;
  int64_t base_components = 1;
  int64_t steps = 4000;
  int64_t batch_size = 256;
  double learning_rate = 3e-3;
  int64_t samples = 10000;
  unsigned long long seed = 0, data_seed = 0;
  int threads = 0;
  std::string device = "cpu";
  bool json = false, quiet = false;
};

int train_flow_command(const FlowArgs& a) {
  set_threads(a.threads);
  const torch::Device device = physics::parse_device(a.device);
  physics::FlowConfig c;
  c.kind = physics::parse_flow_kind(a.model);
  c.layers = a.layers > 0 ? a.layers : c.kind == physics::FlowKind::kHamiltonian ? 4 : 8;
  c.hidden = a.hidden;
  c.leapfrog_steps = a.leapfrog_steps;
  c.dt = a.dt;
  c.base_components = a.base_components;
  physics::FlowTrainOptions o;
  o.density = physics::parse_density(a.density);
  o.samples = a.samples;
  o.data_seed = a.data_seed;
  o.steps = a.steps;
  o.batch_size = a.batch_size;
  o.learning_rate = a.learning_rate;
  o.seed = a.seed;
  o.progress = !a.json && !a.quiet;
  o.checkpoint = a.output;
  o.eval_every = std::max<int64_t>(1, std::min<int64_t>(200, a.steps / 20 + 1));
  o.device = device;
  auto run = physics::new_flow_run(c, o);
  const auto s = physics::train_flow(run, o);
  if (a.json) {
    std::cout << json{{"density", a.density}, {"model", a.model}, {"output", a.output},
                      {"train_log_likelihood", s.train_log_likelihood}, {"test_log_likelihood", s.test_log_likelihood},
                      {"parameters", run.model->parameter_count()}, {"steps", s.steps},
                      {"seconds_per_step", s.seconds_per_step}, {"device", physics::device_name(device)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "trained " << a.model << " (" << run.model->parameter_count() << " parameters) on " << a.density
              << " for " << s.steps_this_call << " steps: mean log-likelihood " << s.train_log_likelihood
              << " (train), " << s.test_log_likelihood << " (test) nats per point\n  "
              << s.seconds_per_step * 1e3 << " ms per step; saved " << a.output << " (+ .json); evaluate with `noether evaluate --model "
              << a.output << "`\n";
  }
  return 0;
}

struct MetaArgs {
  physics::MetaOptions o;
  std::string family = "pendulum-lengths";
  std::string model = "hnn";
  std::string output = "meta.pt";
  int threads = 0;
  std::string device = "cpu";
  bool json = false, quiet = false;
};

int meta_train_command(MetaArgs a) {
  set_threads(a.threads);
  a.o.device = physics::parse_device(a.device);
  a.o.family = physics::parse_family(a.family);
  a.o.kind = physics::parse_model_kind(a.model);
  a.o.progress = !a.json && !a.quiet;
  auto run = physics::new_meta_run(a.o);
  physics::meta_train(run);
  physics::save_meta(run, a.output);
  const auto e = physics::evaluate_meta(run, a.o.support, 10);
  if (a.json) {
    std::cout << json{{"family", a.family}, {"model", a.model}, {"output", a.output}, {"steps", run.steps},
                      {"seconds", run.seconds}, {"test_loss", e.meta_curve.back()},
                      {"test_loss_pooled", e.pooled_curve.back()}, {"test_loss_scratch", e.scratch_curve.back()},
                      {"adapt_steps", 10}, {"shots", e.shots}, {"device", physics::device_name(a.o.device)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "meta-trained " << a.model << " on " << a.family << " for " << run.steps << " steps (and a pooled "
              << "model for as many) in " << run.seconds << " s\n  on 20 unseen members, after 10 steps on "
              << e.shots << " states: meta " << e.meta_curve.back() << ", pooled " << e.pooled_curve.back()
              << ", from scratch " << e.scratch_curve.back() << "\n  saved " << a.output
              << "; curves with `noether evaluate --model " << a.output << "`\n";
  }
  return 0;
}

}  // namespace

int meta_evaluate_command(const std::string& path, int64_t shots, int64_t adapt_steps, const torch::Device& device,
                          bool as_json) {
  auto run = physics::load_meta(path);
  run.meta.to(device);
  run.pooled.to(device);
  const auto e = physics::evaluate_meta(run, shots, adapt_steps);
  const auto& o = run.options;
  if (as_json) {
    std::cout << json{{"model", path},
                      {"kind", std::string("meta-") + physics::model_kind_name(o.kind)},
                      {"family", physics::family_name(o.family)},
                      {"steps", run.steps},
                      {"shots", shots},
                      {"adapt_steps", adapt_steps},
                      {"tasks", e.tasks},
                      {"test_loss", e.meta_curve.back()},
                      {"test_loss_pooled", e.pooled_curve.back()},
                      {"test_loss_scratch", e.scratch_curve.back()},
                      {"meta_curve", e.meta_curve},
                      {"pooled_curve", e.pooled_curve},
                      {"scratch_curve", e.scratch_curve}}
                     .dump()
              << std::endl;
  } else {
    std::cout << path << ": " << physics::model_kind_name(o.kind) << " meta-learned on " << physics::family_name(o.family)
              << " (" << run.steps << " steps); derivative MSE on " << e.tasks << " unseen members after k steps on "
              << shots << " states:\n  k      meta        pooled      scratch\n";
    for (std::size_t k = 0; k < e.meta_curve.size(); ++k)
      std::cout << "  " << std::setw(2) << k << std::scientific << std::setprecision(3) << "  " << e.meta_curve[k]
                << "  " << e.pooled_curve[k] << "  " << e.scratch_curve[k] << std::defaultfloat << "\n";
  }
  return 0;
}

int flow_evaluate_command(const std::string& path, const std::string& image, const torch::Device& device, bool as_json) {
  auto run = physics::load_flow(path);
  run.model->to(device);
  const auto e = physics::evaluate_flow(*run.model, run.options);
  const double extent = 3.0;
  if (!image.empty()) {
    physics::Image img(128, 128, 1);
    img.data = physics::density_image(*run.model, 128, extent);
    physics::write_png(img, image);
  }
  const auto model = physics::flow_kind_name(run.model->config().kind);
  const auto density = physics::density_name(run.options.density);
  if (as_json) {
    std::cout << json{{"model", path},
                      {"kind", model},
                      {"density", density},
                      {"steps", run.step()},
                      {"log_likelihood", e.log_likelihood},
                      {"train_log_likelihood", e.train_log_likelihood},
                      {"true_log_likelihood", finite_or_null(e.true_log_likelihood)},
                      {"max_abs_log_det", e.max_abs_log_det},
                      {"parameters", e.parameters},
                      {"image", image}}
                     .dump()
              << std::endl;
  } else {
    std::cout << path << ": " << model << " (" << e.parameters << " parameters) trained " << run.step() << " steps on "
              << density << "\n  mean log-likelihood on the test points " << e.log_likelihood << " nats (train "
              << e.train_log_likelihood << ")";
    if (std::isfinite(e.true_log_likelihood)) std::cout << "; the true density scores " << e.true_log_likelihood;
    std::cout << "\n  largest |log det| of the map's Jacobian at 64 points: " << e.max_abs_log_det << "\n";
    if (!image.empty()) std::cout << "  density image ([-" << extent << ", " << extent << "]^2): " << image << "\n";
  }
  return 0;
}

bool is_pixel_request(const std::string& system, const std::string& model) {
  return system.rfind("pixel-", 0) == 0 || physics::is_pixel_model(model) || physics::is_hgn_model(model);
}

namespace {

/// `noether train --system pixel-SYSTEM --model hgn|latent-ode`.
int hgn_train_command(const PixelTrainRequest& a) {
  physics::HgnRun run;
  physics::HgnTrainOptions o;
  if (a.weight_decay >= 0) throw InvalidInput("--weight-decay does not apply to hgn and latent-ode");
  if (a.resume) {
    run = physics::load_hgn(a.output);
    o = run.options;
  } else {
    if (a.system.rfind("pixel-", 0) != 0)
      throw InvalidInput("hgn and latent-ode learn from frames: use --system pixel-pendulum, pixel-spring, pixel-two-body or pixel-three-body");
    physics::HgnProtocol p;
    p.system = a.system.substr(6);
    if (a.trajectories > 0) p.train_sequences = a.trajectories;
    if (a.points > 0) p.frames = a.points;
    if (a.noise >= 0) p.noise_std = a.noise;
    p.seed = a.data_seed;
    p.validate();
    physics::HgnConfig c;
    c.dynamics = physics::parse_latent_dynamics(a.model);
    c.frame_values = p.values();
    c.dof = physics::hgn_system(p.system)->dof();  // the latent has the system's degrees of freedom
    c.hidden = a.hidden;
    c.dt = p.dt;
    if (a.learning_rate > 0) o.learning_rate = a.learning_rate;
    if (a.batch_size > 0) o.batch_size = a.batch_size;
    o.seed = a.seed;
    run = physics::new_hgn_run(c, o, p);
  }
  o.device = a.device;
  o.steps = a.steps >= 0 ? a.steps : a.resume ? 1000 : 3000;
  o.progress = !a.json && !a.quiet;
  o.checkpoint = a.output;
  o.checkpoint_every = a.checkpoint_every;
  o.eval_every = std::max<int64_t>(1, std::min<int64_t>(200, o.steps / 20 + 1));
  const auto data = physics::make_hgn_data(run.protocol);
  const auto s = physics::train_hgn(run, data, o);
  const std::string model = physics::latent_dynamics_name(run.model->config().dynamics);
  const std::string system = "pixel-" + run.protocol.system;
  if (a.json) {
    std::cout << json{{"system", system},         {"model", model},
                      {"output", a.output},       {"train_loss", s.train_loss},
                      {"test_loss", s.test_loss}, {"steps", s.steps},
                      {"steps_this_run", s.steps_this_call}, {"seconds_per_step", s.seconds_per_step},
                      {"train_sequences", run.protocol.train_sequences}, {"test_sequences", run.protocol.test_sequences},
                      {"device", physics::device_name(o.device)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "trained " << model << " on " << system << " (" << run.protocol.train_sequences << " sequences of "
              << run.protocol.frames << " frames) for " << s.steps_this_call << " steps (total " << s.steps << ")\n"
              << std::scientific << std::setprecision(3) << "  train loss " << s.train_loss << ", test loss "
              << s.test_loss << "\n"
              << std::defaultfloat << "  " << s.seconds_per_step * 1e3 << " ms per step\n"
              << "  saved " << a.output << " (+ " << a.output << ".json); evaluate with `noether evaluate --model "
              << a.output << "`\n";
  }
  return 0;
}

}  // namespace

int pixel_train_command(const PixelTrainRequest& a) {
  if (a.resume ? physics::model_file_kind(a.output) == physics::hgn_file_kind() : physics::is_hgn_model(a.model))
    return hgn_train_command(a);
  physics::PixelRun run;
  physics::PixelTrainOptions o;
  if (a.resume) {
    run = physics::load_pixel_model(a.output);
    o = run.options;
  } else {
    if (a.system != "pixel-pendulum")
      throw InvalidInput("unknown pixel system '" + a.system + "' for " + a.model +
                         " (known: pixel-pendulum; hgn and latent-ode also take pixel-spring, pixel-two-body, pixel-three-body)");
    physics::PixelModelConfig c;
    c.dynamics = physics::parse_pixel_model(a.model);
    c.hidden = a.hidden;
    c.dynamics_hidden = a.hidden;
    physics::PixelProtocol p;
    if (a.trajectories > 0) p.trials = a.trajectories;
    if (a.points > 0) p.steps = a.points;
    if (a.noise >= 0) p.noise_std = a.noise;
    p.seed = a.data_seed;
    c.input = 2 * static_cast<int64_t>(p.size) * p.size;
    o.learning_rate = a.learning_rate;
    o.weight_decay = a.weight_decay >= 0 ? a.weight_decay : 1e-5;
    o.batch_size = a.batch_size > 0 ? a.batch_size : 200;
    o.seed = a.seed;
    run = physics::new_pixel_run(c, o, p);
  }
  o.device = a.device;
  o.steps = a.steps >= 0 ? a.steps : a.resume ? 1000 : 10000;
  o.progress = !a.json && !a.quiet;
  o.checkpoint = a.output;
  o.checkpoint_every = a.checkpoint_every;
  o.eval_every = std::max<int64_t>(1, std::min<int64_t>(200, o.steps / 20 + 1));
  const auto data = physics::make_pixel_pendulum(run.protocol);
  const auto s = physics::train_pixel_model(run, data, o);
  const auto& c = run.model->config();
  if (a.json) {
    std::cout << json{{"system", "pixel-pendulum"},     {"model", c.name()},
                      {"output", a.output},             {"train_loss", s.train_loss},
                      {"test_loss", s.test_loss},       {"steps", s.steps},
                      {"steps_this_run", s.steps_this_call}, {"seconds_per_step", s.seconds_per_step},
                      {"train_swings", data.train_trials}, {"test_swings", run.protocol.trials - data.train_trials},
                      {"device", physics::device_name(o.device)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "trained " << c.name() << " on pixel-pendulum (" << data.train_trials << " swings of "
              << run.protocol.steps << " frames) for " << s.steps_this_call << " steps (total " << s.steps << ")\n"
              << std::scientific << std::setprecision(3) << "  train loss " << s.train_loss << ", test loss "
              << s.test_loss << "\n"
              << std::defaultfloat << "  " << s.seconds_per_step * 1e3 << " ms per step\n"
              << "  saved " << a.output << " (+ " << a.output << ".json); evaluate with `noether evaluate --model "
              << a.output << "`\n";
  }
  return 0;
}

int pixel_evaluate_command(const std::string& path, const std::string& film, const torch::Device& device, bool as_json) {
  auto run = physics::load_pixel_model(path);
  run.model->to(device);
  const auto data = physics::make_pixel_pendulum(run.protocol);
  const auto e = physics::evaluate_pixel_model(*run.model, data);
  if (!film.empty()) {
    std::vector<physics::Image> frames = e.film_true;
    frames.insert(frames.end(), e.film_predicted.begin(), e.film_predicted.end());
    physics::write_png(physics::tile(frames, static_cast<int>(e.film_true.size())), film);
  }
  const auto& c = run.model->config();
  if (as_json) {
    std::cout << json{{"model", path},
                      {"kind", c.name()},
                      {"system", "pixel-pendulum"},
                      {"steps", run.step()},
                      {"test_loss", e.test_loss},
                      {"reconstruction_mse", e.reconstruction_mse},
                      {"canonical_mse", e.canonical_mse},
                      {"field_mse", e.field_mse},
                      {"energy_mse", e.energy_mse},
                      {"state_mse", e.state_mse},
                      {"rollout_pixel_mse", e.rollout_pixel_mse},
                      {"readout_mse", e.readout_mse},
                      {"latent_energy_drift", e.latent_energy_drift >= 0 ? json(e.latent_energy_drift) : json(nullptr)},
                      {"swings", e.swings},
                      {"frames", e.frames},
                      {"image", film}}
                     .dump()
              << std::endl;
  } else {
    std::cout << path << ": " << c.name() << " trained " << run.step() << " steps on pixel-pendulum\n"
              << std::scientific << std::setprecision(3) << "  test loss " << e.test_loss << " (reconstruction "
              << e.reconstruction_mse << ", canonical " << e.canonical_mse << ", field " << e.field_mse << ")\n"
              << "  energy MSE over " << e.swings << " test swings of " << e.frames << " frames: " << e.energy_mse
              << "\n  state MSE (theta, theta'): " << e.state_mse << "; decoded frames MSE: " << e.rollout_pixel_mse
              << "\n";
    if (e.latent_energy_drift >= 0)
      std::cout << "  learned H along its own rollouts: drift " << e.latent_energy_drift << " of its range\n";
    if (!film.empty()) std::cout << "  frames (true above, predicted below): " << film << "\n";
  }
  return 0;
}

int hgn_evaluate_command(const std::string& path, const std::string& film, const torch::Device& device, bool as_json) {
  auto run = physics::load_hgn(path);
  run.model->to(device);
  const auto data = physics::make_hgn_data(run.protocol);
  const auto e = physics::evaluate_hgn(*run.model, data);
  if (!film.empty()) {
    std::vector<physics::Image> frames = e.film_true;
    frames.insert(frames.end(), e.film_predicted.begin(), e.film_predicted.end());
    physics::write_png(physics::tile(frames, static_cast<int>(e.film_true.size())), film);
  }
  const std::string model = physics::latent_dynamics_name(run.model->config().dynamics);
  const std::string system = "pixel-" + run.protocol.system;
  const auto drift = e.latent_energy_drift >= 0 ? json(e.latent_energy_drift) : json(nullptr);
  if (as_json) {
    std::cout << json{{"model", path},
                      {"kind", model},
                      {"system", system},
                      {"steps", run.step()},
                      {"reconstruction_mse", e.reconstruction_mse},
                      {"train_horizon_mse", e.train_horizon_mse},
                      {"beyond_horizon_mse", e.beyond_horizon_mse},
                      {"reversal_mse", e.reversal_mse},
                      {"reversal_latent_error", e.reversal_latent_error},
                      {"half_dt_mse", e.half_dt_mse},
                      {"latent_energy_drift", drift},
                      {"mse_per_frame", e.mse_per_frame},
                      {"sequences", e.sequences},
                      {"frames", e.frames},
                      {"train_frames", run.protocol.frames},
                      {"image", film}}
                     .dump()
              << std::endl;
  } else {
    std::cout << path << ": " << model << " trained " << run.step() << " steps on " << system << "\n"
              << std::scientific << std::setprecision(3) << "  frame MSE over " << e.sequences << " test swings of "
              << e.frames << " frames (" << run.protocol.frames << " seen in training): " << e.reconstruction_mse
              << " (first " << run.protocol.frames << ": " << e.train_horizon_mse << ", after: " << e.beyond_horizon_mse
              << ")\n  rolled back with -dt: " << e.reversal_mse << " (latent start recovered to "
              << e.reversal_latent_error << ")\n  stepping at dt / 2: " << e.half_dt_mse << "\n" << std::defaultfloat;
    if (e.latent_energy_drift >= 0)
      std::cout << "  learned H along its own rollouts: drift " << e.latent_energy_drift << " of its spread\n";
    if (!film.empty()) std::cout << "  frames (true above, predicted below): " << film << "\n";
  }
  return 0;
}

void add_pixel_commands(CLI::App& app, Commands& out) {
  auto ra = std::make_shared<RenderArgs>();
  auto* r = add_command(app, out, "render", "draw a system's trajectory as PNG frames (what the pixel models see)", ra,
                        render_command);
  r->add_option("--system", ra->system, "pendulum, gym-pendulum (the pixel pendulum's bare rod), spring, two-body or three-body")->capture_default_str();
  r->add_option("-o,--out", ra->folder, "folder for frame_NNNN.png (created if missing)")->capture_default_str();
  r->add_option("--frames", ra->frames, "frames to draw")->check(at_least(1, 100000))->capture_default_str();
  r->add_option("--dt", ra->dt, "seconds between frames")->check(positive())->capture_default_str();
  r->add_option("--size", ra->size, "pixels a side (default 28 grey, 32 colour)")->check(at_least(4, 4096));
  r->add_flag("--colour,--color", ra->colour, "RGB, each body its own colour");
  r->add_option("--noise", ra->noise, "Gaussian pixel noise (standard deviation)")->check(non_negative())->capture_default_str();
  r->add_option("--seed", ra->seed, "seed of the noise (and of --random)")->capture_default_str();
  r->add_flag("--random", ra->random, "start from the system's random sampler instead of its default state");
  r->add_option("--strip", ra->strip, "film strip PNG of all frames (default: FOLDER/strip.png)")->check(writable_file());
  r->add_flag("--json", ra->json, "print one line of JSON");

  auto fa = std::make_shared<FlowArgs>();
  auto* f = add_command(app, out, "train-flow",
                        "fit a normalising flow to a 2-D density: hnf (leapfrog steps of learned Hamiltonians) or realnvp",
                        fa, train_flow_command);
  f->add_option("--density", fa->density, "two-moons, rings or gaussian-mixture")->capture_default_str();
  f->add_option("--model", fa->model, "hnf or realnvp")->capture_default_str();
  f->add_option("-o,--out", fa->output, "model file (and FILE.json)")->check(writable_file())->capture_default_str();
  f->add_option("--layers", fa->layers, "Hamiltonian stages (default 4) or coupling layers (default 8: the same parameter count)")->check(at_least(1, 64));
  f->add_option("--hidden", fa->hidden, "width of every MLP")->check(at_least(1))->capture_default_str();
  f->add_option("--leapfrog-steps", fa->leapfrog_steps, "hnf: leapfrog steps per stage")->check(at_least(1))->capture_default_str();
  f->add_option("--base-components", fa->base_components, "hnf: Gaussians in the learned base density (a mixture when > 1)")->check(CLI::Range(1, 64))->capture_default_str();
  f->add_option("--dt", fa->dt, "hnf: leapfrog step")->check(positive())->capture_default_str();
  f->add_option("--steps", fa->steps, "optimisation steps")->check(at_least(1))->capture_default_str();
  f->add_option("--batch-size", fa->batch_size, "points per step")->check(at_least(1))->capture_default_str();
  f->add_option("--lr", fa->learning_rate, "learning rate (cosine decay to a tenth)")->check(positive())->capture_default_str();
  f->add_option("--samples", fa->samples, "training points")->check(at_least(2))->capture_default_str();
  f->add_option("--seed", fa->seed, "weights and batches")->capture_default_str();
  f->add_option("--data-seed", fa->data_seed, "the points")->capture_default_str();
  f->add_option("--threads", fa->threads, "torch threads")->check(at_least(0));
  f->add_option("--device", fa->device, "cpu, cuda, cuda:N or auto (a GPU when there is one)")->capture_default_str();
  f->add_flag("--json", fa->json, "print one line of JSON");
  f->add_flag("-q,--quiet", fa->quiet, "no progress bar");

  auto ma = std::make_shared<MetaArgs>();
  auto* m = add_command(app, out, "meta-train",
                        "meta-learn a Hamiltonian (MAML) across a family of systems, and a pooled model beside it", ma,
                        meta_train_command);
  m->add_option("--family", ma->family, "pendulum-lengths, spring-constants or kepler-masses")->capture_default_str();
  m->add_option("--model", ma->model, "hnn or baseline")->capture_default_str();
  m->add_option("-o,--out", ma->output, "model file (and FILE.json)")->check(writable_file())->capture_default_str();
  m->add_option("--steps", ma->o.steps, "outer steps (and as many for the pooled model)")->check(at_least(1))->capture_default_str();
  m->add_option("--tasks-per-step", ma->o.tasks_per_step, "members of the family per step")->check(at_least(1))->capture_default_str();
  m->add_option("--support", ma->o.support, "states the inner steps see")->check(at_least(1))->capture_default_str();
  m->add_option("--query", ma->o.query, "states the outer loss sees")->check(at_least(1))->capture_default_str();
  m->add_option("--inner-steps", ma->o.inner_steps, "gradient steps of the adaptation while meta-training")->check(at_least(1))->capture_default_str();
  m->add_option("--inner-lr", ma->o.inner_lr, "the adaptation's step size")->check(positive())->capture_default_str();
  m->add_option("--lr", ma->o.learning_rate, "Adam's learning rate")->check(positive())->capture_default_str();
  m->add_option("--hidden", ma->o.hidden, "hidden width")->check(at_least(1))->capture_default_str();
  m->add_option("--layers", ma->o.layers, "hidden layers")->check(at_least(1))->capture_default_str();
  m->add_option("--seed", ma->o.seed, "weights and tasks")->capture_default_str();
  m->add_option("--threads", ma->threads, "torch threads")->check(at_least(0));
  m->add_option("--device", ma->device, "cpu, cuda, cuda:N or auto (a GPU when there is one)")->capture_default_str();
  m->add_flag("--json", ma->json, "print one line of JSON");
  m->add_flag("-q,--quiet", ma->quiet, "no progress bar");
}

}  // namespace noether::apps
