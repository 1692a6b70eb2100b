// apps/residual_cmd.cpp: learned interaction terms for the Wisdom-Holman integrator (issue 7).
//
//   noether residual-data --system bench/residual_system.json --physics gr -o gr.pt
//   noether train-residual --data gr.pt -o gr-model.pt --mode residual --json
//   noether simulate --system bench/residual_system.json --dt 0.2 --residual gr-model.pt
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/options.hpp"
#include "apps/format.hpp"
#include "apps/progress.hpp"
#include "apps/registry.hpp"
#include "apps/threads.hpp"
#include "nbody/learned_interaction.hpp"
#include "nbody/neural_interaction.hpp"
#include "nbody/system.hpp"
#include "noether/error.hpp"

namespace noether::apps {

namespace nb = noether::nbody;
using nlohmann::json;

namespace {

struct ResidualDataArgs {
  std::string system;
  std::string physics = "gr";
  double c = nb::kSpeedOfLightAuPerDay;
  double dt = 0.01;
  long every = 5;
  long samples = 2000;
  std::string output = "trajectory.pt";
  bool no_accelerations = false;
  bool json = false;
};

struct TrainResidualArgs {
  std::string data;
  std::string output = "residual.pt";
  std::string mode = "residual";
  int64_t hidden = 32;
  int64_t layers = 2;
  int64_t steps = 2000;
  double learning_rate = 3e-3;
  int64_t batch_size = 0;
  int64_t rollout_samples = 0;
  int64_t rollout_substeps = 4;
  int64_t rollout_batch = 8;
  double rollout_weight = 1.0;
  unsigned long long seed = 0;
  int64_t checkpoint_every = 0;
  bool momentum_input = false;
  bool resume = false;
  int threads = 0;
  bool json = false;
  bool quiet = false;
};

int residual_data_command(const ResidualDataArgs& a) {
  if (a.system.empty()) throw InvalidInput("--system is required (a built-in name or a .json file)");
  nb::PlanetarySystem sys = ends_with(a.system, ".json") ? nb::load_system(a.system) : nb::make_planetary_system(a.system);
  std::shared_ptr<const nb::InteractionKick> truth;
  if (a.physics == "gr")
    truth = std::make_shared<const nb::GrPotentialKick>(a.c);
  else if (a.physics == "newtonian")
    truth = nb::newtonian_kick();
  else
    throw InvalidInput("--physics '" + a.physics + "': use gr (Newtonian + GR potential) or newtonian");
  nb::SampleOptions o;
  o.dt = a.dt;
  o.every = a.every;
  o.samples = a.samples;
  const auto d = nb::sample_trajectory(sys, truth, o);
  nb::save_residual_data(d, a.output, !a.no_accelerations);
  if (a.json) {
    std::cout << json{{"system", sys.name}, {"physics", truth->name()}, {"samples", d.size()},
                      {"bodies", d.m.size(0)}, {"span", d.span()},
                      {"accelerations", !a.no_accelerations}, {"output", a.output}, {"status", "success"}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "sampled " << d.size() << " states of " << sys.name << " (" << truth->name() << ") over "
              << d.span() << " time units into " << a.output << "\n";
  }
  return 0;
}

int train_residual_command(const TrainResidualArgs& a) {
  set_threads(a.threads);
  if (a.data.empty()) throw InvalidInput("--data is required");
  const nb::ResidualData data = nb::load_residual_data(a.data);
  nb::ResidualModel model;
  if (a.resume) {
    model = nb::load_residual_model(a.output);
  } else {
    nb::PairPotentialConfig c;
    c.mode = nb::residual_mode_from_string(a.mode);
    c.hidden = a.hidden;
    c.layers = a.layers;
    c.velocity_input = a.momentum_input;
    c.validate();
    model = nb::new_residual_model(c, data, a.seed);
  }
  nb::ResidualTrainOptions o;
  o.steps = a.steps;
  o.learning_rate = a.learning_rate;
  o.batch_size = a.batch_size;
  o.rollout_samples = a.rollout_samples;
  o.rollout_substeps = a.rollout_substeps;
  o.rollout_batch = a.rollout_batch;
  o.rollout_weight = a.rollout_weight;
  o.seed = a.seed;
  o.checkpoint = a.output;
  o.checkpoint_every = a.checkpoint_every;
  o.validate();
  Progress bar("train-residual", static_cast<long>(a.steps), !a.json && !a.quiet, 1);
  const auto s = nb::train_residual(model, data, o, [&](int64_t step, double loss) {
    std::ostringstream os;
    os << "loss " << std::scientific << std::setprecision(3) << loss;
    bar.update(static_cast<long>(step), os.str());
  });
  bar.finish();
  const auto& cfg = model.net->config();
  if (a.json) {
    std::cout << json{{"data", a.data},
                      {"mode", nb::to_string(cfg.mode)},
                      {"momentum_input", cfg.velocity_input},
                      {"hidden", cfg.hidden},
                      {"layers", cfg.layers},
                      {"samples", data.size()},
                      {"accelerations", data.acceleration_source},
                      {"train_span", data.span()},
                      {"steps", s.steps},
                      {"steps_this_run", a.steps},
                      {"pointwise_loss", s.pointwise_loss},
                      {"relative_error", s.relative_error},
                      {"rollout_loss", s.rollout_loss},
                      {"wall_seconds", s.wall_seconds},
                      {"seconds_per_step", a.steps > 0 ? s.wall_seconds / static_cast<double>(a.steps) : 0.0},
                      {"output", a.output},
                      {"status", "success"}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "trained a " << nb::to_string(cfg.mode) << " pair potential (" << cfg.layers << " x " << cfg.hidden
              << " tanh) on " << data.size() << " states of " << data.description << " for " << a.steps
              << " steps (total " << s.steps << ")\n"
              << std::scientific << std::setprecision(3) << "  relative acceleration error " << s.relative_error
              << (o.rollout_samples > 0 ? ", rollout loss " : "") ;
    if (o.rollout_samples > 0) std::cout << s.rollout_loss;
    std::cout << std::defaultfloat << std::setprecision(3) << "\n  " << s.wall_seconds << " s; saved " << a.output
              << " (+ " << a.output << ".json); run it with `noether simulate --residual " << a.output << "`\n";
  }
  return 0;
}

}  // namespace

void add_residual_commands(CLI::App& app, Commands& out) {
  auto d = std::make_shared<ResidualDataArgs>();
  auto* ds = add_command(app, out, "residual-data",
                         "sample a planetary trajectory (states and true accelerations) for train-residual", d,
                         residual_data_command);
  ds->add_option("--system", d->system, "built-in system or .json file")->required();
  ds->add_option("--physics", d->physics, "true dynamics: gr (Newtonian + GR potential of body 0) or newtonian")
      ->capture_default_str();
  ds->add_option("--c", d->c, "speed of light in the system's units (AU/day by default)")->check(positive())->capture_default_str();
  ds->add_option("--dt", d->dt, "integration step of the truth (WH, corrector 17)")->check(positive())->capture_default_str();
  ds->add_option("--every", d->every, "steps between samples")->check(at_least(1))->capture_default_str();
  ds->add_option("--samples", d->samples, "number of samples")->check(at_least(2))->capture_default_str();
  ds->add_option("-o,--output", d->output, "data file (torch.save format, written atomically)")
      ->check(writable_file())
      ->capture_default_str();
  ds->add_flag("--no-accelerations", d->no_accelerations,
               "leave the true accelerations out: train-residual then estimates them from the velocities");
  ds->add_flag("--json", d->json, "print one line of JSON");

  auto t = std::make_shared<TrainResidualArgs>();
  auto* tr = add_command(app, out, "train-residual",
                         "train a learned interaction H(q) (residual or replacement) from trajectory data", t,
                         train_residual_command);
  tr->add_option("--data", t->data, "trajectory file from `noether residual-data`")->required();
  tr->add_option("-o,--output", t->output, "model checkpoint (+ .json sidecar); also the periodic checkpoint")
      ->check(writable_file())
      ->capture_default_str();
  tr->add_option("--mode", t->mode, "residual (Newtonian + learned) or replacement (learned interaction)")
      ->capture_default_str();
  tr->add_option("--hidden", t->hidden, "hidden width")->check(at_least(1, 256))->capture_default_str();
  tr->add_option("--layers", t->layers, "hidden layers")->check(at_least(1, 8))->capture_default_str();
  tr->add_option("--steps", t->steps, "Adam steps")->check(at_least(1))->capture_default_str();
  tr->add_option("--lr", t->learning_rate, "learning rate (cosine decay to 1%)")->check(positive())->capture_default_str();
  tr->add_option("--batch-size", t->batch_size, "samples per step (0: all)")->check(at_least(0))->capture_default_str();
  tr->add_option("--rollout-samples", t->rollout_samples, "rollout loss window in samples (0: pointwise only)")->check(at_least(0))
      ->capture_default_str();
  tr->add_option("--rollout-substeps", t->rollout_substeps, "WH steps per sample spacing in the rollout")->check(at_least(1))
      ->capture_default_str();
  tr->add_option("--rollout-batch", t->rollout_batch, "rollout windows per step")->check(at_least(1))->capture_default_str();
  tr->add_option("--rollout-weight", t->rollout_weight, "weight of the rollout loss")->check(non_negative())->capture_default_str();
  tr->add_option("--seed", t->seed, "weights and windows")->capture_default_str();
  tr->add_option("--checkpoint-every", t->checkpoint_every, "save every N steps (0: at the end only)")->check(at_least(0))
      ->capture_default_str();
  tr->add_flag("--momentum-input", t->momentum_input,
               "also feed |v_i - v_j|^2 to the network (the NIH paper's form; its kick is not symplectic and "
               "simulate refuses it; for comparisons only)");
  auto* resume = tr->add_flag("--resume", t->resume,
                              "continue training the model in --output (its architecture is the checkpoint's)");
  taken_from_checkpoint(tr, resume, {"--mode", "--hidden", "--layers", "--momentum-input"});
  tr->add_option("--threads", t->threads, "torch threads (0: default)")->check(at_least(0));
  tr->add_flag("--json", t->json, "print one line of JSON");
  tr->add_flag("-q,--quiet", t->quiet, "no progress bar");
}

}  // namespace noether::apps
