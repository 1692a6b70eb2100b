// apps/train_cmd.cpp: `noether train` and `noether evaluate`, learning Hamiltonians from the
// analytic systems' data.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/dtype.hpp"
#include "apps/format.hpp"
#include "apps/options.hpp"
#include "apps/pixels_cmd.hpp"
#include "apps/plot.hpp"
#include "apps/registry.hpp"
#include "apps/threads.hpp"
#include "integrators/registry.hpp"
#include "noether/error.hpp"
#include "physics/learning/control.hpp"
#include "physics/learning/device.hpp"
#include "physics/learning/evaluation.hpp"
#include "physics/systems/constrained.hpp"
#include "physics/systems/measured.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/normalized.hpp"
#include "physics/learning/flow_training.hpp"
#include "physics/learning/meta.hpp"
#include "physics/pixels/hgn.hpp"
#include "physics/pixels/pixel_model.hpp"

namespace noether::apps {

using nlohmann::json;

namespace {

struct TrainArgs {
  std::string system = "spring";
  int links = 0;  ///< --links N: chain-pendulum-N
  std::string model = "hnn";
  std::string output = "model.pt";
  int64_t steps = -1;       ///< < 0: the paper's protocol for the system
  int64_t batch_size = -1;  ///< < 0: the paper's protocol; 0 = full batch
  double learning_rate = 1e-3;
  double weight_decay = -1;  ///< < 0: the paper's protocol (0 for orbits, 1e-4 otherwise)
  std::string optimizer = "adam";
  std::string schedule = "constant";
  double final_fraction = 0.0;
  double clip_grad_norm = 0.0;
  int64_t hidden = 200;
  int64_t layers = 2;
  std::string activation = "tanh";
  double degeneracy_weight = 1.0;
  std::string icnn_weights = "softplus";
  double curl_weight = 0.0;
  int64_t test_functions = 8;
  int64_t windows = 1;
  double rbf_shape = 0.0;
  std::string test_function = "sine";
  unsigned long long seed = 0;
  unsigned long long data_seed = 0;
  int trajectories = 0;  ///< 0: the protocol's
  int points = 0;        ///< 0: the protocol's
  double t1 = 0.0;       ///< 0: the protocol's
  double noise = -1.0;   ///< < 0: the protocol's
  bool fixed_start = false;
  std::string data;      ///< a measured file (real-pendulum)
  bool grid = false;     ///< the D-HNN paper's damped-spring grid
  std::string loss = "pointwise";
  std::string integrator = "rk4";
  int64_t rollout_steps = 0;
  std::string dtype = "float32";
  int64_t checkpoint_every = 0;
  int threads = 0;  ///< 0: torch's default
  std::string device = "cpu";  ///< pixel and HGN models (physics/learning/device.hpp)
  bool resume = false;
  bool no_fused = false;  ///< train HNNs through autograd instead of the fused gradient
  bool normalize = false;  ///< learn in normalised coordinates (physics/models/normalized.hpp)
  std::string plot_loss;  ///< SVG of the training and test losses against the step
  bool json = false;
  bool quiet = false;
};

struct EvaluateArgs {
  std::string model;
  int starts = 15;
  int points = 1000;
  double t1 = -1.0;  ///< < 0: the paper's span for the task
  std::string plot;  ///< SVG of the energies along the first rollout
  std::string plot_bodies;  ///< SVG of the bodies' coordinates (constrained systems)
  std::string image;  ///< pixel models: PNG of true and predicted frames; flows: of the density
  int64_t shots = 25;       ///< meta-learned models: support states per unseen member
  int64_t adapt_steps = 10;  ///< meta-learned models: adaptation steps
  std::string integrator = "rk4";
  int substeps = 2;
  bool project = false;  ///< chnn: onto the constraints after every step
  bool fixed_start = false;
  int prediction_points = 0;  ///< > 0: SymODEN's prediction error over this many samples
  bool drive_off = false;    ///< the prediction's drives u set to 0
  int threads = 0;
  std::string device = "cpu";  ///< pixel, HGN, flow and meta-learned models
  bool json = false;
};

struct ControlArgs {
  std::string model;
  physics::SwingUpOptions swing;
  std::string plot;
  int threads = 0;
  bool json = false;
};

/// The papers' protocol per system: steps, batch size (0 = full batch), weight decay. The HNN
/// code trains its orbits without weight decay, the measured pendulum with 1e-5 and the spring and
/// pendulum with 1e-4.
void apply_paper_defaults(const std::string& system, TrainArgs& a) {
  const bool orbits = system == "two-body" || system == "three-body" || system == "kepler";
  if (a.steps < 0) a.steps = orbits ? 10000 : 2000;
  if (a.batch_size < 0) a.batch_size = orbits ? 200 : 0;
  if (a.weight_decay < 0) a.weight_decay = orbits ? 0.0 : system == "real-pendulum" ? 1e-5 : 1e-4;
}

/// The loss of the step at each evaluation and the test set's derivative MSE then, on a log scale.
plot::Figure loss_plot(const physics::TrainingRun& run, const physics::TrainSummary& s, bool tested) {
  plot::Figure f;
  f.title = run.system + ": " + run.model->config().describe();
  auto& panel = f.add_panel("step", std::string(physics::loss_kind_name(run.options.loss)) +
                                       " loss of the step; test set's derivative MSE");
  panel.log_y = true;
  plot::Line train{"training", {}, {}};
  plot::Line test{"test", {}, {}};
  for (const auto& point : s.history) {
    train.x.push_back(static_cast<double>(point.step));
    train.y.push_back(point.train_loss);
    test.x.push_back(static_cast<double>(point.step));
    test.y.push_back(point.test_loss);
  }
  panel.lines.push_back(std::move(train));
  if (tested) panel.lines.push_back(std::move(test));
  return f;
}

int train_command(TrainArgs a) {
  a.system = system_with_links(a.system, a.links);
  set_threads(a.threads);
  const std::string resumed = a.resume ? physics::model_file_kind(a.output) : std::string();
  if (is_pixel_request(a.system, a.model) || resumed == physics::pixel_file_kind() || resumed == physics::hgn_file_kind()) {
    // The options of trajectory models that a pixel model has no use for are refused, not ignored.
    const TrainArgs d;
    const std::pair<bool, const char*> unused[] = {
        {a.loss != d.loss, "--loss"}, {a.integrator != d.integrator, "--integrator"},
        {a.rollout_steps != d.rollout_steps, "--rollout-steps"}, {a.dtype != d.dtype, "--dtype"},
        {a.layers != d.layers, "--layers"}, {a.activation != d.activation, "--activation"},
        {a.optimizer != d.optimizer, "--optimizer"}, {a.schedule != d.schedule, "--schedule"},
        {a.clip_grad_norm != d.clip_grad_norm, "--clip-grad-norm"},
        {a.grid, "--grid"}, {!a.data.empty(), "--data"}, {a.fixed_start, "--fixed-start"}, {a.t1 != d.t1, "--t1"},
        {a.test_functions != d.test_functions, "--test-functions"}, {a.no_fused, "--no-fused"},
        {a.windows != d.windows, "--windows"}, {a.rbf_shape != d.rbf_shape, "--rbf-shape"},
        {a.normalize, "--normalize"}, {!a.plot_loss.empty(), "--plot-loss"},
        {a.icnn_weights != d.icnn_weights, "--icnn-weights"}, {a.curl_weight != d.curl_weight, "--curl-weight"}};
    for (const auto& [given, name] : unused)
      if (given) throw InvalidInput(std::string(name) + " does not apply to pixel models (pixel-hnn, pixel-baseline, hgn, latent-ode)");
    PixelTrainRequest r;
    r.system = a.system;
    r.model = a.model;
    r.output = a.output;
    r.steps = a.steps;
    r.batch_size = a.batch_size;
    r.hidden = a.hidden;
    r.checkpoint_every = a.checkpoint_every;
    r.learning_rate = a.learning_rate;
    r.weight_decay = a.weight_decay;
    r.noise = a.noise;
    r.seed = a.seed;
    r.data_seed = a.data_seed;
    r.trajectories = a.trajectories;
    r.points = a.points;
    r.resume = a.resume;
    r.device = physics::parse_device(a.device);
    r.json = a.json;
    r.quiet = a.quiet;
    return pixel_train_command(r);
  }
  if (a.device != "cpu" && !physics::parse_device(a.device).is_cpu())
    throw InvalidInput("--device applies to the pixel models (pixel-hnn, pixel-baseline, hgn, latent-ode) for now; " +
                       a.model + " trains on the CPU");
  physics::TrainingRun run;
  physics::DataSet data;
  std::unique_ptr<physics::System> system;
  physics::TrainOptions o;
  if (a.resume) {
    run = physics::load_checkpoint(a.output);
    data = physics::reload_data(run);
    o = run.options;
    if (a.steps < 0) a.steps = 1000;
  } else {
    apply_paper_defaults(a.system, a);
    std::string source = "generated";
    if (a.system == "real-pendulum") {
      const std::string path = a.data.empty() ? physics::find_lipson_file("real_pend_h_1.txt") : a.data;
      data = physics::load_lipson(path);
      source = "lipson:" + path;
    } else if (a.grid) {
      if (a.system != "damped-spring")
        throw InvalidInput("--grid is the damped-spring grid of the D-HNN paper; use --system damped-spring");
      data = physics::damped_spring_grid(25, 1.2, 0.15, a.data_seed);
      source = "grid";
    } else {
      if (!a.data.empty()) throw InvalidInput("--data applies to --system real-pendulum only");
      system = physics::make_system(a.system);
      physics::DataProtocol p = system->protocol();
      if (a.trajectories > 0) p.trajectories = a.trajectories;
      if (a.points > 0) p.points = a.points;
      if (a.t1 > 0) p.t1 = a.t1;
      if (a.noise >= 0) p.noise_std = a.noise;
      p.fixed_start = p.fixed_start || a.fixed_start;
      data = physics::generate_dataset(*system, p, a.data_seed);
    }
    o.learning_rate = a.learning_rate;
    o.weight_decay = a.weight_decay;
    o.optimizer = physics::parse_optimizer(a.optimizer);
    o.schedule = physics::parse_schedule(a.schedule);
    o.final_fraction = a.final_fraction;
    o.clip_grad_norm = a.clip_grad_norm;
    o.batch_size = a.batch_size;
    o.seed = a.seed;
    o.loss = physics::parse_loss_kind(a.loss);
    o.integrator = integrators::parse_scheme(a.integrator);
    o.rollout_steps = a.rollout_steps;
    o.test_functions = a.test_functions;
    o.windows = a.windows;
    o.rbf_shape = a.rbf_shape;
    o.test_function = physics::parse_test_function(a.test_function);
    o.dtype = parse_dtype(a.dtype);
    physics::ModelConfig c;
    c.kind = physics::parse_model_kind(a.model);
    // Canonical data: q then p. Generalized systems' states have any width (odd for Lorenz); the
    // canonical kinds then take an even width as (q, p) halves, or refuse it in validate().
    const int64_t width = data.x.size(1);
    c.dof = width % 2 == 0 ? width / 2 : 0;
    c.state_dim = width;
    // SymODEN's networks see an angle q as (cos q, sin q), and read embedded observations.
    if (c.kind == physics::ModelKind::kSymoden && system) c.angles = system->angle_coordinates();
    // CHNN keeps the constraint graph of the system it learns (chain-pendulum-N, spherical-pendulum).
    if (c.kind == physics::ModelKind::kChnn) {
      if (!system) throw InvalidInput("model 'chnn' learns a generated constrained system (chain-pendulum-N, spherical-pendulum, gyroscope, rotor, magnet-pendulum)");
      c.constraints = system->name();
    }
    c.degeneracy_weight = a.degeneracy_weight;
    c.icnn_weights = a.icnn_weights;
    c.curl_weight = a.curl_weight;
    c.hidden = a.hidden;
    c.layers = a.layers;
    c.activation = a.activation;
    if (a.normalize) c = physics::normalization_for(c, data.x, data.dxdt);
    run = physics::new_run(c, o, data);
    run.data_source = source;
  }
  o.steps = a.steps;
  o.fused = !a.no_fused;
  o.progress = !a.json && !a.quiet;
  o.checkpoint = a.output;
  o.checkpoint_every = a.checkpoint_every;
  o.eval_every = std::max<int64_t>(1, std::min<int64_t>(100, a.steps / 20 + 1));
  const auto s = physics::train(run, data, o);
  const bool tested = data.test_x.size(0) > 0;
  if (!a.plot_loss.empty()) plot::write_svg(a.plot_loss, loss_plot(run, s, tested));

  if (a.json) {
    json history = json::array();
    for (const auto& point : s.history)
      history.push_back({{"step", point.step}, {"train_loss", finite_or_null(point.train_loss)},
                         {"test_loss", tested ? finite_or_null(point.test_loss) : json(nullptr)}});
    std::cout << json{{"system", run.system},
                      {"model", physics::model_kind_name(run.model->config().kind)},
                      {"output", a.output},
                      {"train_loss", s.train_loss},
                      {"test_loss", data.test_x.size(0) > 0 ? json(s.test_loss) : json(nullptr)},  // null: no held-out rows
                      {"steps", s.steps},
                      {"steps_this_run", s.steps_this_call},
                      {"seconds_per_step", s.seconds_per_step},
                      {"wall_seconds", s.wall_seconds},
                      {"train_samples", data.x.size(0)},
                      {"test_samples", data.test_x.size(0)},
                      {"history", history}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "trained " << run.model->config().describe() << " on " << run.system << " ("
              << data.x.size(0) << " samples) for " << s.steps_this_call << " steps (total "
              << s.steps << ")\n"
              << std::scientific << std::setprecision(3) << "  train loss " << s.train_loss
              << ", test loss " << s.test_loss << "\n"
              << std::defaultfloat << "  " << std::setprecision(3) << s.seconds_per_step * 1e3
              << " ms per step, " << s.wall_seconds << " s in all\n"
              << "  saved " << a.output << " (+ " << a.output << ".json); evaluate with `noether evaluate --model "
              << a.output << "`\n";
  }
  return 0;
}

/// The energies (and entropies) of the first rollout: the truth's along the exact trajectory and
/// along the learned one, and the model's own.
plot::Figure energy_plot(const physics::TrainingRun& run, const physics::RolloutTrace& tr) {
  plot::Figure f;
  f.title = run.system + ": " + run.model->config().describe();
  auto& energy = f.add_panel("time", "energy");
  energy.lines.push_back({"true H, exact rollout", tr.t, tr.true_energy});
  energy.lines.push_back({"true H on the learned rollout", tr.t, tr.energy_on_learned});
  if (!tr.learned_energy.empty()) energy.lines.push_back({"learned H (shifted to agree at t = 0)", tr.t, tr.learned_energy});
  if (!tr.true_entropy.empty()) {
    auto& entropy = f.add_panel("time", "entropy");
    entropy.lines.push_back({"true S, exact rollout", tr.t, tr.true_entropy});
    entropy.lines.push_back({"true S on the learned rollout", tr.t, tr.entropy_on_learned});
    entropy.lines.push_back({"learned S (shifted)", tr.t, tr.learned_entropy});
  }
  return f;
}

/// The bodies' coordinates over time along the first rollout, true against learned: one panel per
/// axis (x, y, z), the bodies in their order.
plot::Figure body_plot(const physics::TrainingRun& run, const physics::ConstrainedSystem& sys,
                       const physics::RolloutTrace& tr) {
  plot::Figure f;
  f.title = run.system + ": bodies along the first rollout, true (thick) and " + run.model->config().describe();
  const char* axes[] = {"x", "y", "z"};
  for (int a = 0; a < sys.space_dim(); ++a) {
    auto& panel = f.add_panel("time", std::string(axes[a]) + " of each body");
    for (int b = 0; b < sys.bodies(); ++b) {
      const std::size_t i = static_cast<std::size_t>(b * sys.space_dim() + a);
      std::vector<double> truth, learned;
      for (std::size_t k = 0; k < tr.t.size(); ++k) {
        truth.push_back(tr.true_states[k][static_cast<Eigen::Index>(i)]);
        learned.push_back(tr.learned_states[k][static_cast<Eigen::Index>(i)]);
      }
      const std::string body = "body " + std::to_string(b + 1);
      panel.lines.push_back({body + " true", tr.t, truth, 3.0});
      panel.lines.push_back({body + " learned", tr.t, learned});
    }
  }
  return f;
}

int evaluate_command(const EvaluateArgs& a) {
  set_threads(a.threads);
  const std::string kind = physics::model_file_kind(a.model);
  const torch::Device device = physics::parse_device(a.device);
  if (kind == physics::pixel_file_kind()) return pixel_evaluate_command(a.model, a.image, device, a.json);
  if (kind == physics::hgn_file_kind()) return hgn_evaluate_command(a.model, a.image, device, a.json);
  if (kind == physics::flow_file_kind()) return flow_evaluate_command(a.model, a.image, device, a.json);
  if (kind == physics::meta_file_kind()) return meta_evaluate_command(a.model, a.shots, a.adapt_steps, device, a.json);
  if (!device.is_cpu())
    throw InvalidInput("--device applies to pixel, HGN, flow and meta-learned models for now; '" + a.model +
                       "' is evaluated on the CPU");
  if (!a.image.empty()) throw InvalidInput("--image applies to pixel models and flows");
  physics::EvaluationOptions eo;
  eo.integrator = integrators::parse_scheme(a.integrator);
  eo.substeps = a.substeps;
  eo.project = a.project;
  eo.validate();  // the rollout scheme, before any work
  auto run = physics::load_checkpoint(a.model);
  const auto data = physics::reload_data(run);
  eo.starts = a.starts;
  eo.points = a.points;
  eo.trace = !a.plot.empty() || !a.plot_bodies.empty();
  eo.fixed_start = a.fixed_start;
  if (a.fixed_start) eo.starts = 1;
  // The D-HNN paper measures its damped spring over t in [0, 4]; the HNN paper uses [0, 20].
  eo.t1 = a.t1 > 0 ? a.t1 : (run.data_source == "grid" ? 4.0 : 20.0);
  physics::Evaluation e;
  const bool measured = run.data_source.rfind("lipson:", 0) == 0;
  std::unique_ptr<physics::System> truth;  // generated data's system
  if (measured && a.prediction_points > 0)
    throw InvalidInput("--prediction-points applies to models of generated systems, not measured data");
  if (measured) {
    if (a.t1 > 0)
      throw InvalidInput("--t1 does not apply to a model of measured data: its rollout spans the test rows");
    if (!a.plot.empty() || !a.plot_bodies.empty())
      throw InvalidInput("--plot and --plot-bodies apply to models of generated systems, not measured data");
    e = physics::evaluate_measured(*run.model, physics::RealPendulumEnergy(), data);
    eo.t1 = data.protocol.t1 - data.t[data.x.size(0)].item<double>();
  } else {
    truth = physics::make_system(run.system);
    e = physics::evaluate(*run.model, *truth, data, eo);
    if (!a.plot.empty()) plot::write_svg(a.plot, energy_plot(run, e.trace));
    const auto* constrained = dynamic_cast<const physics::ConstrainedSystem*>(truth.get());
    if (!a.plot_bodies.empty() && !constrained)
      throw InvalidInput("--plot-bodies applies to constrained systems (bodies in space), not '" + run.system + "'");
    if (!a.plot_bodies.empty()) plot::write_svg(a.plot_bodies, body_plot(run, *constrained, e.trace));
  }
  // SymODEN's figures: rollouts through the data's own trajectories, and past them.
  json train_sse = nullptr, test_sse = nullptr, prediction = nullptr;
  if (!measured && data.protocol.points > 1) {
    const double dt = (data.protocol.t1 - data.protocol.t0) / (data.protocol.points - 1);
    const auto train_traj = physics::trajectories(data, false);
    train_sse = physics::trajectory_sse(*run.model, train_traj, dt);
    if (data.test_x.size(0) > 0) test_sse = physics::trajectory_sse(*run.model, physics::trajectories(data, true), dt);
    if (a.prediction_points > 0) {
      auto starts = train_traj[0].to(torch::kFloat64).clone();
      const int u = truth->control_dim();
      if (a.drive_off) {
        if (u == 0) throw InvalidInput("--drive-off: '" + run.system + "' has no drive");
        starts.narrow(1, starts.size(1) - u, u).zero_();
      }
      prediction = physics::prediction_sse(*run.model, *truth, starts, dt, a.prediction_points - 1);
    }
  }
  if (a.json) {
    std::cout << json{{"model", a.model},
                      {"kind", physics::model_kind_name(run.model->config().kind)},
                      {"system", run.system},
                      {"steps", run.step()},
                      {"test_loss", data.test_x.size(0) > 0 ? json(e.test_loss) : json(nullptr)},
                      {"energy_mse", e.energy_mse},
                      {"state_mse", e.state_mse},
                      {"starts", e.starts},
                      {"t1", eo.t1},
                      {"trajectory_mse", e.state_mse},
                      {"energy_drift", e.energy_drift},
                      {"structure_residual", e.structure_residual >= 0 ? json(e.structure_residual) : json(nullptr)},
                      {"geometric_mean_relative_error", e.geometric_mean_relative_error},
                      {"constraint_drift", e.constraint_drift >= 0 ? json(e.constraint_drift) : json(nullptr)},
                      {"train_trajectory_sse", train_sse},
                      {"test_trajectory_sse", test_sse},
                      {"prediction_sse", prediction},
                      {"prediction_points", a.prediction_points},
                      {"plot", a.plot},
                      {"plot_bodies", a.plot_bodies},
                      {"integrator", a.integrator},
                      {"substeps", a.substeps},
                      {"project", a.project}}
                     .dump()
              << std::endl;
  } else {
    std::cout << a.model << ": " << run.model->config().describe() << " trained " << run.step()
              << " steps on " << run.system << "\n"
              << std::scientific << std::setprecision(3) << "  test loss (derivative MSE) "
              << e.test_loss << "\n  energy MSE over " << e.starts << " rollouts on [0, " << eo.t1 << "]: " << e.energy_mse << "\n  state MSE: " << e.state_mse
              << "\n  energy drift (|H(end) - true H(end)| / |H(0)|): " << e.energy_drift << "\n";
    if (e.structure_residual >= 0) std::cout << "  structure residual on the test set: " << e.structure_residual << "\n";
    std::cout << "  geometric mean relative error of the rollouts: " << e.geometric_mean_relative_error << "\n";
    if (e.constraint_drift >= 0) std::cout << "  constraint drift (largest |phi| along the rollouts): " << e.constraint_drift << "\n";
    if (!train_sse.is_null())
      std::cout << "  per-trajectory summed squared error, rolled through the data: train " << train_sse.get<double>()
                << (test_sse.is_null() ? std::string() : ", test " + std::to_string(test_sse.get<double>())) << "\n";
    if (!prediction.is_null())
      std::cout << "  prediction over " << a.prediction_points << " samples from the training starts: " << prediction.get<double>() << "\n";
  }
  return 0;
}

int control_command(const ControlArgs& a) {
  set_threads(a.threads);
  auto run = physics::load_checkpoint(a.model);
  const auto s = physics::swing_up(*run.model, *physics::make_system(run.system), a.swing);
  if (!a.plot.empty()) {
    plot::Figure f;
    f.title = "swing-up with the learned controller (" + run.model->config().describe() + ")";
    auto& angle = f.add_panel("time", "angle from hanging, rad (upright: pi)");
    angle.lines.push_back({"angle", s.t, s.angle});
    angle.lines.push_back({"upright", {s.t.front(), s.t.back()}, {M_PI, M_PI}});
    auto& u = f.add_panel("time", "control u");
    u.lines.push_back({"u", std::vector<double>(s.t.begin(), s.t.end() - 1), s.control});
    plot::write_svg(a.plot, f);
  }
  if (a.json) {
    std::cout << json{{"model", a.model},
                      {"final_angle", s.angle.back()},
                      {"final_angle_error", s.final_angle_error},
                      {"steps", a.swing.steps},
                      {"dt", a.swing.dt},
                      {"kd", a.swing.damping_gain},
                      {"start_angle", a.swing.start_angle},
                      {"plot", a.plot}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "swing-up from " << a.swing.start_angle << " rad (hanging: 0) for " << a.swing.steps << " steps of "
              << a.swing.dt << " s, k_d = " << a.swing.damping_gain << ": final angle " << s.angle.back()
              << " rad, " << s.final_angle_error << " rad from upright\n";
  }
  return 0;
}

}  // namespace

void add_train_commands(CLI::App& app, Commands& out) {
  auto tr = std::make_shared<TrainArgs>();
  auto* train = add_command(
      app, out, "train", "learn a model (baseline, hnn, dhnn, separable, pq, generic, generic-soft, ghnn, nsf, symoden, chnn, vin-vv, vin-sv, vin-so2, sphere-hnn) from a system's data; save a checkpoint",
      tr, train_command);
  train->add_option("--system", tr->system, "system to learn (see `noether systems`)")->capture_default_str();
  add_links_option(train, tr->links);
  train->add_option("--model", tr->model, "baseline (or odenet), hnn, dhnn, separable (canonical states); pq, generic, generic-soft, ghnn, nsf, symoden (generalized states); chnn (constrained systems); vin-vv, vin-sv, vin-so2 (variational integrator networks: --loss rollout); sphere-hnn (states on spheres: spherical-pendula); pixel-hnn, pixel-baseline (pixel-pendulum); hgn, latent-ode (pixel-pendulum, pixel-spring, pixel-two-body, pixel-three-body)")->capture_default_str();
  train->add_option("--degeneracy-weight", tr->degeneracy_weight, "generic-soft: weight of |L grad S|^2 + |M grad E|^2 in the loss")->check(non_negative())->capture_default_str();
  train->add_option("--icnn-weights", tr->icnn_weights,
                    "ghnn: the friction network's non-negative weights as softplus(U) or squared (U^2, started small, as the GHNN authors' code)")
      ->check(CLI::IsMember({"softplus", "squared"}))->capture_default_str();
  train->add_option("--curl-weight", tr->curl_weight, "ghnn: weight of the mean squared curl of the friction's field Hess(v) grad H in the loss (the authors' regulariser; 0: none)")
      ->check(non_negative())->capture_default_str();
  train->add_option("-o,--out", tr->output, "checkpoint file (and FILE.json)")->check(writable_file())->capture_default_str();
  train->add_option("--steps", tr->steps, "optimisation steps (default: the paper's protocol)")->check(at_least(1));
  train->add_option("--batch-size", tr->batch_size, "samples per step, 0 = full batch (default: the paper's)")->check(at_least(0));
  train->add_option("--lr", tr->learning_rate, "learning rate (the first step's under a schedule)")->check(positive())->capture_default_str();
  train->add_option("--weight-decay", tr->weight_decay, "Adam's L2 penalty or AdamW's decoupled decay (default: the paper's, 0 for orbits, 1e-5 real pendulum, 1e-4 otherwise)")->check(non_negative());
  train->add_option("--optimizer", tr->optimizer, "adam or adamw")->capture_default_str();
  train->add_option("--schedule", tr->schedule, "learning rate over the run's steps: constant, cosine (down to --final-fraction of --lr) or exponential")->capture_default_str();
  train->add_option("--final-fraction", tr->final_fraction, "the schedule's last rate as a fraction of --lr (exponential needs > 0)")->check(non_negative())->capture_default_str();
  train->add_option("--clip-grad-norm", tr->clip_grad_norm, "clip the gradients' global norm to this each step (0: no clipping)")->check(non_negative())->capture_default_str();
  train->add_option("--hidden", tr->hidden, "hidden width")->check(at_least(1))->capture_default_str();
  train->add_option("--layers", tr->layers, "hidden layers")->check(at_least(1))->capture_default_str();
  train->add_option("--activation", tr->activation, "tanh, relu, softplus or sin")->capture_default_str();
  train->add_option("--seed", tr->seed, "seed for weights and batches")->capture_default_str();
  train->add_option("--data-seed", tr->data_seed, "seed of the generated data set")->capture_default_str();
  train->add_option("--trajectories", tr->trajectories, "override the protocol's trajectory count")->check(at_least(1));
  train->add_option("--points", tr->points, "override the protocol's samples per trajectory")->check(at_least(2));
  train->add_option("--t1", tr->t1, "override the protocol's end time")->check(positive());
  train->add_option("--noise", tr->noise, "override the protocol's observation noise (standard deviation)")->check(non_negative());
  train->add_flag("--fixed-start", tr->fixed_start, "every trajectory from the system's default state (GHNN's protocol: one trajectory)");
  train->add_option("--data", tr->data, "measured data file for --system real-pendulum (default: the shipped data/lipson/real_pend_h_1.txt)");
  train->add_flag("--grid", tr->grid, "damped-spring: the D-HNN paper's 25x25 grid of states");
  train->add_option("--loss", tr->loss, "pointwise, rollout or weak")->capture_default_str();
  train->add_option("--integrator", tr->integrator, "rollout loss scheme: rk4, euler, leapfrog; lie-euler, rkmk4, cf4 for sphere-hnn")->capture_default_str();
  train->add_option("--rollout-steps", tr->rollout_steps, "rollout or weak-form window in samples (0 = whole trajectories)")->check(at_least(0));
  train->add_option("--test-functions", tr->test_functions, "weak loss: test functions per window")->check(at_least(1))->capture_default_str();
  train->add_option("--windows", tr->windows, "rollout or weak loss: windows per step, each at its own random start (GHNN's protocol: 80)")->check(at_least(1))->capture_default_str();
  train->add_option("--rbf-shape", tr->rbf_shape, "weak loss, rbf: the shape eps of exp(-eps^2 (t - c)^2) (GHNN's protocol: 10; 0 = from the spacing)")->check(non_negative())->capture_default_str();
  train->add_option("--test-function", tr->test_function, "weak loss: sine (zero at the window's ends) or rbf (Gaussians, boundary term kept; GHNN)")->capture_default_str();
  train->add_option("--dtype", tr->dtype, "float32 or float64")->capture_default_str();
  train->add_option("--checkpoint-every", tr->checkpoint_every, "also save every N steps")->check(at_least(0));
  train->add_option("--threads", tr->threads, "torch threads (default: torch's choice)")->check(at_least(0));
  train->add_option("--device", tr->device, "pixel models: cpu, cuda, cuda:N or auto (a GPU when there is one)")->capture_default_str();
  train->add_flag("--no-fused", tr->no_fused, "HNN: autograd's double backward instead of the fused gradient");
  train->add_flag("--normalize", tr->normalize,
                  "learn in coordinates where the training states have mean 0 and unit spread and the field unit size "
                  "(baseline, pq, generic, generic-soft, ghnn, nsf; the structure is kept)");
  auto* resume = train->add_flag("--resume", tr->resume,
                                 "continue training the checkpoint at --out for --steps more (the model, data "
                                 "and optimiser settings are the checkpoint's)");
  taken_from_checkpoint(train, resume,
                        {"--system", "--links", "--model", "--points", "--t1", "--noise", "--fixed-start", "--degeneracy-weight", "--icnn-weights", "--curl-weight", "--test-functions", "--test-function", "--windows", "--rbf-shape", "--hidden", "--layers", "--activation", "--data-seed", "--normalize",
                         "--trajectories", "--data", "--grid", "--loss", "--integrator", "--rollout-steps", "--dtype",
                         "--lr", "--weight-decay", "--optimizer", "--schedule", "--final-fraction", "--clip-grad-norm", "--batch-size", "--seed"});
  train->add_option("--plot-loss", tr->plot_loss, "SVG of the training and test losses against the step")->check(writable_file());
  train->add_flag("--json", tr->json, "print the summary as one line of JSON (with the loss history)");
  train->add_flag("-q,--quiet", tr->quiet, "no progress bar");

  auto ev = std::make_shared<EvaluateArgs>();
  auto* evaluate = add_command(app, out, "evaluate", "the papers' metrics for a trained model", ev, evaluate_command);
  evaluate->add_option("--model", ev->model, "checkpoint written by `noether train`")->required();
  auto* starts = evaluate->add_option("--starts", ev->starts, "random initial states for the rollouts")->check(at_least(1))->capture_default_str();
  evaluate->add_flag("--fixed-start", ev->fixed_start, "one rollout from the system's default state (the training start of --fixed-start data)")
      ->excludes(starts);
  evaluate->add_option("--points", ev->points, "samples along each rollout")->check(at_least(2))->capture_default_str();
  evaluate->add_option("--plot", ev->plot, "SVG: true and learned energy (and entropy) along the first rollout")->check(writable_file());
  evaluate->add_option("--integrator", ev->integrator, "scheme of the learned rollouts: rk4, leapfrog (separable models), lie-euler, rkmk4, cf4 (sphere-hnn), rattle (chnn); VINs step their own map")->capture_default_str();
  evaluate->add_flag("--project", ev->project, "chnn: project the learned state onto the constraints after every step");
  evaluate->add_option("--substeps", ev->substeps, "steps of the scheme between samples")->check(at_least(1))->capture_default_str();
  evaluate->add_option("--plot-bodies", ev->plot_bodies, "SVG: constrained systems' body coordinates over time along the first rollout, true and learned")->check(writable_file());
  evaluate->add_option("--t1", ev->t1, "rollout length (default: 20, or 4 for the damped-spring grid)")->check(positive());
  auto* prediction = evaluate->add_option("--prediction-points", ev->prediction_points,
                       "also roll the training trajectories' starts over this many samples (SymODEN's prediction error: 90 for task 1, 40 for task 2)")
      ->check(at_least(2));
  evaluate->add_flag("--drive-off", ev->drive_off, "the prediction with the drive u set to 0 (SymODEN's protocol)")->needs(prediction);
  evaluate->add_option("--image", ev->image, "PNG: pixel models' first test swing, true frames (top) and predicted (bottom); flows' learned density")->check(writable_file());
  evaluate->add_option("--shots", ev->shots, "meta-learned models: states of each unseen member to adapt on")->check(at_least(1))->capture_default_str();
  evaluate->add_option("--adapt-steps", ev->adapt_steps, "meta-learned models: gradient steps of the adaptation")->check(at_least(0, 1000))->capture_default_str();
  evaluate->add_option("--threads", ev->threads, "torch threads")->check(at_least(0));
  evaluate->add_option("--device", ev->device, "pixel, HGN, flow and meta-learned models: cpu, cuda, cuda:N or auto")->capture_default_str();
  evaluate->add_flag("--json", ev->json, "print one line of JSON");

  auto co = std::make_shared<ControlArgs>();
  auto* control = add_command(app, out, "control",
                              "swing the true pendulum up with the energy-shaping controller of a learned SymODEN model",
                              co, control_command);
  control->add_option("--model", co->model, "symoden checkpoint trained on pendulum-control or pendulum-embedded")->required();
  control->add_option("--start-angle", co->swing.start_angle, "rad from hanging (default: pi - 3.14, SymODEN's theta = 3.14)")->capture_default_str();
  control->add_option("--steps", co->swing.steps, "control steps")->check(at_least(1))->capture_default_str();
  control->add_option("--dt", co->swing.dt, "seconds per control step")->check(positive())->capture_default_str();
  control->add_option("--kd", co->swing.damping_gain, "damping gain k_d")->check(non_negative())->capture_default_str();
  control->add_option("--plot", co->plot, "SVG of the angle and the control over time")->check(writable_file());
  control->add_option("--threads", co->threads, "torch threads")->check(at_least(0));
  control->add_flag("--json", co->json, "print one line of JSON");
}

}  // namespace noether::apps
