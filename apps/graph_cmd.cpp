// apps/graph_cmd.cpp: `noether train-graph` (learn a particle system with HOGN, OGN or DeltaGN)
// and `noether rollout-graph` (roll trained models out against the true systems: position MSE
// and energy error over time, CSV and an SVG plot; zero-shot dt, integrator and particle count).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/dtype.hpp"
#include "apps/format.hpp"
#include "apps/options.hpp"
#include "apps/plot.hpp"
#include "apps/registry.hpp"
#include "apps/threads.hpp"
#include "graph/particle_data.hpp"
#include "graph/particle_model.hpp"
#include "graph/training.hpp"
#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "noether/progress.hpp"

namespace noether::apps {

namespace ng = noether::graph;
using nlohmann::json;

namespace {

struct TrainGraphArgs {
  std::string system = "springs", model = "hogn", output = "graph_model.pt", loss = "auto";
  std::string integrator = "rk4", activation = "softplus", dtype = "float32";
  int particles = 4, dim = 2, systems = 40, samples = 30, threads = 0;
  double dt = 0.05, damping = 0.0, softening = 0.1, lr = 3e-3, lr_final = 0.0;
  int64_t steps = 1000, hidden = 64, layers = 2, rounds = 1, batch_size = 0;
  uint64_t seed = 0, data_seed = 0;
  bool dissipation = false, no_spring_features = false, json = false, quiet = false;
};

struct RolloutGraphArgs {
  std::vector<std::string> models;
  std::string integrator = "rk4", csv, plot, dtype = "float32";
  int64_t steps = 1000, record_every = 10;
  int particles = 0, systems = 8, threads = 0;
  double dt = 0.0, omega = 20.0;
  uint64_t data_seed = 1000;
  bool json = false, quiet = false;
};

physics::Particles::Interaction interaction(const std::string& system) {
  if (system == "springs") return physics::Particles::Interaction::kSpring;
  if (system == "gravity") return physics::Particles::Interaction::kGravity;
  throw InvalidInput("unknown particle system '" + system + "'; known: springs, gravity");
}

int train_graph_command(const TrainGraphArgs& a) {
  set_threads(a.threads);
  ng::ParticleDataOptions d;
  d.interaction = interaction(a.system);
  d.count = a.particles;
  d.dim = a.dim;
  d.systems = a.systems;
  d.samples = a.samples;
  d.dt = a.dt;
  d.damping = a.damping;
  d.softening = a.system == "gravity" ? a.softening : 0.0;
  d.seed = a.data_seed;
  d.validate();
  if (d.systems < 2) throw InvalidInput("--systems must be >= 2 (some are held out)");
  if (d.samples < 2) throw InvalidInput("--samples must be >= 2 (one-step pairs)");
  ng::ParticleModelConfig c;
  c.kind = ng::parse_graph_model_kind(a.model);
  c.dim = a.dim;
  c.mass_features = true;
  // Each spring system draws its own k_ij; without them as edge features they are unobservable.
  c.spring_features = a.system == "springs" && !a.no_spring_features;
  c.hidden = a.hidden;
  c.layers = a.layers;
  c.rounds = a.rounds;
  c.activation = a.activation;
  c.dissipation = a.dissipation;
  c.validate();
  ng::GraphTrainOptions o;
  o.steps = static_cast<int>(a.steps);
  o.learning_rate = a.lr;
  o.final_learning_rate = a.lr_final;
  o.batch_size = a.batch_size;
  o.seed = a.seed;
  o.loss = a.loss == "auto" ? (c.kind == ng::GraphModelKind::kDeltaGn ? ng::GraphLoss::kStep : ng::GraphLoss::kDerivative)
                            : ng::parse_graph_loss(a.loss);
  o.integrator = ng::parse_step_integrator(a.integrator);
  o.dt = a.dt;
  o.validate();

  torch::manual_seed(a.seed);
  ng::ParticleModel model(c);  // drawn in float64 (the same weights for either --dtype), then converted
  model.to(parse_dtype(a.dtype));
  if (o.loss == ng::GraphLoss::kStep && model.has_vector_field() && !model.separable() &&
      noether::integrators::scheme_info(o.integrator).separable_only)
    throw InvalidInput("--integrator " + a.integrator + " needs a conservative hogn; use rk4 or tao");
  const ng::ParticleData data = ng::generate_particle_data(d);
  const int64_t held = std::max<int64_t>(1, d.systems / 5);
  const auto train = data.pairs(0, d.systems - held), test = data.pairs(d.systems - held, d.systems);
  noether::Progress bar("train-graph " + a.model, static_cast<long>(o.steps), !a.json && !a.quiet, 1);
  o.on_step = [&](int step, double loss) {
    std::ostringstream s;
    s << "loss " << std::scientific << std::setprecision(2) << loss;
    bar.update(step, s.str());
  };
  const ng::GraphTrainResult r = ng::train_model(model, train, test, o);
  bar.finish();

  ng::ParticleCheckpoint ck;
  ck.model = model;
  ck.system = a.system;
  ck.data = d;
  ck.loss = o.loss;
  ck.train_integrator = o.loss == ng::GraphLoss::kStep ? a.integrator : "";
  ck.steps = o.steps;
  ck.train_loss = r.train_loss;
  ck.test_loss = r.test_loss;
  ck.seconds = r.seconds;
  ng::save_particle_model(ck, a.output);
  const double per_epoch = o.steps > 0 ? r.seconds / o.steps : 0.0;  // full batch: a step is an epoch
  const int64_t epoch_steps =
      a.batch_size > 0 ? std::max<int64_t>(1, (train.size() + a.batch_size - 1) / a.batch_size) : 1;
  if (a.json) {
    std::cout << json{{"system", a.system},
                      {"model", a.model},
                      {"particles", a.particles},
                      {"output", a.output},
                      {"loss", o.loss},
                      {"dtype", a.dtype},
                      {"steps", o.steps},
                      {"train_samples", train.size()},
                      {"test_samples", test.size()},
                      {"initial_train_loss", r.initial_train_loss},
                      {"train_loss", r.train_loss},
                      {"test_loss", r.test_loss},
                      {"wall_seconds", r.seconds},
                      {"seconds_per_epoch", per_epoch * static_cast<double>(epoch_steps)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "trained " << c.describe() << " on " << a.particles << "-particle " << a.system
              << " (" << train.size() << " states, " << ng::graph_loss_name(o.loss) << " loss) for " << o.steps << " steps\n"
              << std::scientific << std::setprecision(3) << "  train loss " << r.initial_train_loss
              << " -> " << r.train_loss << ", test loss " << r.test_loss << "\n"
              << std::defaultfloat << std::setprecision(3) << "  " << r.seconds << " s ("
              << per_epoch * 1e3 * static_cast<double>(epoch_steps) << " ms per epoch)\n"
              << "  saved " << a.output << " (+ .json); roll it out with `noether rollout-graph --model "
              << a.output << "`\n";
  }
  return 0;
}

/// A log-scale plot of each model's energy error over time (t = 0, where it is 0, left out).
plot::Figure energy_plot(const std::vector<std::string>& names, const std::vector<ng::RolloutMetrics>& runs,
                         const std::string& title) {
  plot::Figure f;
  f.title = title;
  f.panel_width = 480;
  f.panel_height = 350;
  plot::Panel& p = f.add_panel("time", "|E(x) - E(x_true)| / |E0|");
  p.log_y = true;
  p.x_min = 0.0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    plot::Line l{names[i] + (r.diverged ? " (diverged)" : ""), {}, {}, 1.5};
    for (std::size_t k = 1; k < r.t.size(); ++k) {
      l.x.push_back(r.t[k]);
      l.y.push_back(r.rel_energy_error[k]);
    }
    p.lines.push_back(std::move(l));
  }
  return f;
}

json metrics_json(const std::string& path, const ng::ParticleCheckpoint& c, const ng::RolloutMetrics& m,
                  const std::string& integrator) {
  return {{"model", path},
          {"kind", ng::graph_model_kind_name(c.model.config().kind)},
          {"integrator", integrator},
          {"position_mse", finite_or_null(m.final_position_mse)},
          {"max_rel_energy_error", finite_or_null(m.max_rel_energy_error)},
          {"final_rel_energy_error", finite_or_null(m.final_rel_energy_error)},
          {"diverged", m.diverged},
          {"steps_done", m.steps_done},
          {"particle_steps_per_second",
           m.model_seconds > 0 ? json(static_cast<double>(m.systems * m.particles * m.steps_done) / m.model_seconds)
                               : json(nullptr)},
          {"model_seconds", m.model_seconds}};
}

int rollout_graph_command(const RolloutGraphArgs& a) {
  set_threads(a.threads);
  if (a.models.empty()) throw InvalidInput("--model: give at least one checkpoint");
  if (a.systems < 1) throw InvalidInput("--systems must be >= 1");
  std::vector<ng::ParticleCheckpoint> models;
  for (const auto& path : a.models) {
    models.push_back(ng::load_particle_model(path));
    models.back().model.to(parse_dtype(a.dtype));
  }
  // The test systems: the first model's data options with new seeds (systems never trained on),
  // optionally more particles (zero-shot), one state each at t = 0.
  ng::ParticleDataOptions d = models.front().data;
  for (std::size_t i = 1; i < models.size(); ++i)
    if (models[i].system != models.front().system || models[i].data.damping != d.damping)
      throw InvalidInput("--model " + a.models[i] + " was trained on another system than " + a.models.front());
  d.systems = a.systems;
  d.samples = 1;
  d.seed = a.data_seed;
  if (a.particles > 0) d.count = a.particles;
  const ng::ParticleData data = ng::generate_particle_data(d);
  ng::RolloutMetricsOptions ro;
  ro.steps = a.steps;
  ro.dt = a.dt > 0 ? a.dt : models.front().data.dt;
  ro.integrator = ng::parse_step_integrator(a.integrator);
  ro.omega = a.omega;
  ro.record_every = a.record_every;
  ro.validate();

  std::vector<ng::RolloutMetrics> runs;
  std::vector<std::string> names;
  noether::Progress bar("rollout-graph", static_cast<long>(models.size()), !a.json && !a.quiet, 1);
  for (std::size_t i = 0; i < models.size(); ++i) {
    auto& m = models[i].model;
    ng::RolloutMetricsOptions mo = ro;
    if (!m.separable() && noether::integrators::scheme_info(mo.integrator).separable_only)
      throw InvalidInput("--integrator " + a.integrator + " needs a separable H; " + a.models[i] + " is " +
                         m.config().describe() + "; use rk4 or tao");
    runs.push_back(ng::evaluate_rollouts(m, data, 0, d.systems, mo));
    names.push_back(ng::graph_model_kind_name(m.config().kind) + std::string(m.config().dissipation ? "+dissipation" : ""));
    bar.update(static_cast<long>(i + 1), names.back());
  }
  bar.finish();

  if (!a.csv.empty())
    write_file_atomically(a.csv, [&](std::ostream& os) {
      os << "model,t,position_mse,rel_energy_error\n" << std::setprecision(10);
      for (std::size_t i = 0; i < runs.size(); ++i)
        for (std::size_t k = 0; k < runs[i].t.size(); ++k)
          os << names[i] << "," << runs[i].t[k] << "," << runs[i].position_mse[k] << ","
             << runs[i].rel_energy_error[k] << "\n";
    });
  if (!a.plot.empty())
    plot::write_svg(a.plot, energy_plot(names, runs,
                                        std::to_string(d.count) + "-particle " + models.front().system + ", " +
                                            a.integrator + ", dt " + short_number(ro.dt, 3)));

  if (a.json) {
    json j = metrics_json(a.models.front(), models.front(), runs.front(), a.integrator);
    j["system"] = models.front().system;
    j["particles"] = d.count;
    j["trained_particles"] = models.front().data.count;
    j["dt"] = ro.dt;
    j["trained_dt"] = models.front().data.dt;
    j["steps"] = a.steps;
    j["dtype"] = a.dtype;
    j["systems"] = d.systems;
    if (models.size() > 1) {
      json others = json::array();
      for (std::size_t i = 1; i < models.size(); ++i)
        others.push_back(metrics_json(a.models[i], models[i], runs[i], a.integrator));
      j["compare"] = others;
    }
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << d.systems << " unseen " << d.count << "-particle " << models.front().system
              << " systems, " << a.steps << " steps of dt " << ro.dt << " with " << a.integrator
              << " (trained: " << models.front().data.count << " particles, dt " << models.front().data.dt << ")\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& r = runs[i];
      std::cout << "  " << std::left << std::setw(8) << names[i] << std::right << std::scientific
                << std::setprecision(3) << " position MSE " << r.final_position_mse
                << "  max rel. energy error " << r.max_rel_energy_error << "  final "
                << r.final_rel_energy_error << std::defaultfloat
                << (r.diverged ? "  (diverged at step " + std::to_string(r.steps_done) + ")" : "") << "\n";
    }
    if (!a.csv.empty()) std::cout << "  wrote " << a.csv << "\n";
    if (!a.plot.empty()) std::cout << "  wrote " << a.plot << "\n";
  }
  return 0;
}

}  // namespace

void add_graph_commands(CLI::App& app, Commands& out) {
  auto t = std::make_shared<TrainGraphArgs>();
  auto* c = add_command(app, out, "train-graph", "learn an N-particle system with a graph network (HOGN, OGN, DeltaGN)",
                        t, train_graph_command);
  c->add_option("--system", t->system, "springs or gravity")->capture_default_str();
  c->add_option("--particles", t->particles, "particles per system")->check(at_least(2))->capture_default_str();
  c->add_option("--model", t->model, "hogn, ogn or deltagn")->capture_default_str();
  c->add_option("--out,-o", t->output, "checkpoint to write (+ FILE.json)")->check(writable_file())->capture_default_str();
  c->add_option("--steps", t->steps, "Adam steps (full batch: epochs)")
      ->check(at_least(1))
      ->capture_default_str();
  c->add_option("--lr", t->lr, "initial learning rate")->check(positive())->capture_default_str();
  c->add_option("--lr-final", t->lr_final, "final learning rate (geometric decay; 0: constant)")->check(non_negative())->capture_default_str();
  c->add_option("--hidden", t->hidden, "MLP width")->check(at_least(1))->capture_default_str();
  c->add_option("--layers", t->layers, "hidden layers per MLP")->check(at_least(1))->capture_default_str();
  c->add_option("--rounds", t->rounds, "message-passing rounds (GN blocks)")->check(at_least(1))->capture_default_str();
  c->add_option("--activation", t->activation, "tanh, relu, softplus or sin")->capture_default_str();
  c->add_option("--systems", t->systems, "random systems (a fifth held out)")->check(at_least(1))->capture_default_str();
  c->add_option("--samples", t->samples, "states per trajectory")->check(at_least(2))->capture_default_str();
  c->add_option("--dt", t->dt, "sampling interval (DeltaGN's step)")->check(positive())->capture_default_str();
  c->add_option("--dim", t->dim, "2 or 3")->check(at_least(2, 3))->capture_default_str();
  c->add_option("--damping", t->damping, "linear drag of the true system")->check(non_negative())->capture_default_str();
  c->add_option("--softening", t->softening, "gravity softening length")->check(non_negative())->capture_default_str();
  c->add_flag("--dissipation", t->dissipation, "HOGN: learn a Rayleigh dissipation term");
  c->add_flag("--no-spring-features", t->no_spring_features,
              "springs: hide the random spring constants from the model (edge features by default)");
  c->add_option("--loss", t->loss, "auto, derivative or step")->capture_default_str();
  c->add_option("--integrator", t->integrator, "integrator of the step loss")->capture_default_str();
  c->add_option("--batch-size", t->batch_size, "states per step (0: all)")->check(at_least(0))->capture_default_str();
  c->add_option("--seed", t->seed, "weights and minibatch seed")->capture_default_str();
  c->add_option("--dtype", t->dtype, "compute type: float32 or float64 (checkpoints hold float64 either way)")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->capture_default_str();
  c->add_option("--data-seed", t->data_seed, "training systems seed")->capture_default_str();
  c->add_option("--threads", t->threads, "torch threads")->check(at_least(0));
  c->add_flag("--json", t->json, "print one line of JSON");
  c->add_flag("--quiet,-q", t->quiet, "no progress bar");

  auto r = std::make_shared<RolloutGraphArgs>();
  auto* ro = add_command(app, out, "rollout-graph",
                         "roll trained graph models out on unseen systems: position MSE and energy error", r,
                         rollout_graph_command);
  ro->add_option("--model", r->models, "checkpoint(s) of train-graph; the first sets the systems")->required();
  ro->add_option("--steps", r->steps, "steps per rollout")->check(at_least(1))->capture_default_str();
  ro->add_option("--dt", r->dt, "step (default: the training data's interval)")->check(positive());
  ro->add_option("--integrator", r->integrator, "euler, leapfrog, tao, rk4 or yoshida4")->capture_default_str();
  ro->add_option("--omega", r->omega, "Tao's coupling")->check(positive())->capture_default_str();
  ro->add_option("--particles", r->particles, "particles per system (default: as trained)")->check(at_least(2));
  ro->add_option("--systems", r->systems, "unseen systems to roll out")->check(at_least(1))->capture_default_str();
  ro->add_option("--data-seed", r->data_seed, "seed of the unseen systems")->capture_default_str();
  ro->add_option("--record-every", r->record_every, "metrics every so many steps")->check(at_least(1))->capture_default_str();
  ro->add_option("--csv", r->csv, "metrics over time (model,t,position_mse,rel_energy_error)")->check(writable_file());
  ro->add_option("--plot", r->plot, "SVG plot of the energy error over time (.svg)")
      ->check(with_extension(".svg"))
      ->check(writable_file());
  ro->add_option("--dtype", r->dtype, "compute type: float32 or float64")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->capture_default_str();
  ro->add_option("--threads", r->threads, "torch threads")->check(at_least(0));
  ro->add_flag("--json", r->json, "print one line of JSON");
  ro->add_flag("--quiet,-q", r->quiet, "no progress bar");
}

}  // namespace noether::apps
