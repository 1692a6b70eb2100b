// noether: the command-line program. `noether --help` lists the subcommands.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "apps/commands.hpp"
#include "apps/registry.hpp"
#include "noether/config.hpp"
#include "noether/error.hpp"

namespace na = noether::apps;

int main(int argc, char** argv) {
  CLI::App app{"noether " NOETHER_VERSION
               ": learn and simulate Hamiltonian dynamics (integrators, analytic systems, data)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", NOETHER_VERSION);

  na::DemoArgs demo;
  auto* demo_cmd = app.add_subcommand("demo", "a tour in under a minute: integrators, learning a Hamiltonian, a planetary system");
  demo_cmd->add_option("--steps", demo.steps, "steps per scheme")->capture_default_str();
  demo_cmd->add_flag("--json", demo.json, "print one line of JSON");
  bool demo_quick = false;
  demo_cmd->add_flag("--quick", demo_quick, "only the first step (integrators)");

  na::IntegrateArgs in;
  auto* integrate = app.add_subcommand(
      "integrate", "integrate an analytic system from its default state; write CSV, print a summary");
  integrate->add_option("--system", in.run.system, "system name (see `noether systems`)")
      ->capture_default_str();
  integrate->add_option("--integrator", in.run.integrator, "scheme (see `noether integrators`)")
      ->capture_default_str();
  integrate->add_option("--dt", in.run.dt, "time step (output interval for dopri5/dop853)")
      ->capture_default_str();
  integrate->add_option("--steps", in.run.steps, "number of steps")->capture_default_str();
  integrate->add_option("-o,--output", in.output, "trajectory CSV (written atomically)")
      ->capture_default_str();
  integrate->add_flag("--no-csv", in.no_csv, "do not write the trajectory");
  integrate->add_option("--every", in.every, "write every N-th step (default: <= 10^4 rows)");
  integrate->add_option("--omega", in.run.stepper.omega, "coupling of Tao's scheme")
      ->capture_default_str();
  integrate->add_option("--rtol", in.run.stepper.rtol, "relative tolerance (dopri5, dop853)")
      ->capture_default_str();
  integrate->add_option("--atol", in.run.stepper.atol, "absolute tolerance (dopri5, dop853)")
      ->capture_default_str();
  integrate->add_flag("--json", in.json, "print the summary as one line of JSON");
  integrate->add_flag("-q,--quiet", in.quiet, "no progress bar");

  bool systems_json = false, integrators_json = false;
  auto* systems = app.add_subcommand("systems", "list the analytic systems");
  systems->add_flag("--json", systems_json, "print one line of JSON");
  auto* integrators = app.add_subcommand("integrators", "list the integrators");
  integrators->add_flag("--json", integrators_json, "print one line of JSON");

  na::DatasetArgs ds;
  auto* dataset = app.add_subcommand(
      "dataset", "draw a training set from a system (HNN protocol); save it for torch.load");
  dataset->add_option("--system", ds.system, "system name")->required();
  dataset->add_option("-o,--output", ds.output, "output file (.pt)")->required();
  dataset->add_option("--seed", ds.seed, "random seed")->capture_default_str();
  dataset->add_option("--trajectories", ds.trajectories, "override the protocol's trajectories");
  dataset->add_option("--points", ds.points, "override the protocol's points per trajectory");
  dataset->add_option("--noise", ds.noise_std, "override the protocol's noise standard deviation");
  dataset->add_option("--test-fraction", ds.test_fraction, "override the protocol's test fraction");
  dataset->add_flag("--json", ds.json, "print one line of JSON");

  na::TrainArgs tr;
  auto* train = app.add_subcommand(
      "train", "learn a model (baseline, hnn, dhnn, separable) from a system's data; save a checkpoint");
  train->add_option("--system", tr.system, "system to learn (see `noether systems`)")->capture_default_str();
  train->add_option("--model", tr.model, "baseline, hnn, dhnn or separable")->capture_default_str();
  train->add_option("-o,--out", tr.output, "checkpoint file (and FILE.json)")->capture_default_str();
  train->add_option("--steps", tr.steps, "optimisation steps (default: the paper's protocol)");
  train->add_option("--batch-size", tr.batch_size, "samples per step, 0 = full batch (default: the paper's)");
  train->add_option("--lr", tr.learning_rate, "Adam learning rate")->capture_default_str();
  train->add_option("--weight-decay", tr.weight_decay, "Adam L2 penalty (default: the paper's, 0 for orbits, 1e-5 real pendulum, 1e-4 otherwise)");
  train->add_option("--hidden", tr.hidden, "hidden width")->capture_default_str();
  train->add_option("--layers", tr.layers, "hidden layers")->capture_default_str();
  train->add_option("--activation", tr.activation, "tanh, relu, softplus or sin")->capture_default_str();
  train->add_option("--seed", tr.seed, "seed for weights and batches")->capture_default_str();
  train->add_option("--data-seed", tr.data_seed, "seed of the generated data set")->capture_default_str();
  train->add_option("--trajectories", tr.trajectories, "override the protocol's trajectory count");
  train->add_option("--data", tr.data, "measured data file for --system real-pendulum (default: ../shared/data/lipson)");
  train->add_flag("--grid", tr.grid, "damped-spring: the D-HNN paper's 25x25 grid of states");
  train->add_option("--loss", tr.loss, "pointwise, rollout or weak")->capture_default_str();
  train->add_option("--integrator", tr.integrator, "rollout loss scheme: rk4, euler, leapfrog")->capture_default_str();
  train->add_option("--rollout-steps", tr.rollout_steps, "rollout window in samples (0 = whole trajectories)");
  train->add_option("--dtype", tr.dtype, "float32 or float64")->capture_default_str();
  train->add_option("--checkpoint-every", tr.checkpoint_every, "also save every N steps");
  train->add_option("--threads", tr.threads, "torch threads (default: torch's choice)");
  train->add_flag("--no-fused", tr.no_fused, "HNN: autograd's double backward instead of the fused gradient");
  train->add_flag("--resume", tr.resume, "continue training the checkpoint at --out for --steps more");
  train->add_flag("--json", tr.json, "print the summary as one line of JSON");
  train->add_flag("-q,--quiet", tr.quiet, "no progress bar");

  na::EvaluateArgs ev;
  auto* evaluate = app.add_subcommand("evaluate", "the papers' metrics for a trained model");
  evaluate->add_option("--model", ev.model, "checkpoint written by `noether train`")->required();
  evaluate->add_option("--starts", ev.starts, "random initial states for the rollouts")->capture_default_str();
  evaluate->add_option("--t1", ev.t1, "rollout length (default: 20, or 4 for the damped-spring grid)");
  evaluate->add_option("--threads", ev.threads, "torch threads");
  evaluate->add_flag("--json", ev.json, "print one line of JSON");

  na::SimulateArgs sim;  // nbody (apps/simulate_cmd.cpp)
  auto* simulate = na::add_simulate_subcommand(app, sim);

  na::Commands module_commands;  // subcommands registered by their module's file
  na::add_graph_commands(app, module_commands);
  na::add_residual_commands(app, module_commands);
  na::add_molecules_commands(app, module_commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "noether: error: " << e.what() << " (see `noether --help`)\n";
    return 2;
  }

  try {
    if (*demo_cmd) {
      demo.full = !demo_quick;
      return na::demo_command(demo);
    }
    if (*integrate) return na::integrate_command(in);
    if (*systems) return na::systems_command(systems_json);
    if (*integrators) return na::integrators_command(integrators_json);
    if (*dataset) return na::dataset_command(ds);
    if (*train) return na::train_command(tr);
    if (*evaluate) return na::evaluate_command(ev);
    if (*simulate) return na::simulate_command(sim);
    for (const auto& c : module_commands)
      if (*c.sub) return c.run();
  } catch (const noether::InvalidInput& e) {
    std::cerr << "noether: error: " << e.what() << "\n";
    return 2;
  } catch (const noether::Error& e) {
    std::cerr << "noether: error: " << e.what() << "\n";
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "noether: error (torch): " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "noether: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
