// noether: the command-line program. `noether --help` lists the subcommands.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "apps/commands.hpp"
#include "noether/config.hpp"
#include "noether/error.hpp"

namespace na = noether::apps;

int main(int argc, char** argv) {
  CLI::App app{"noether " NOETHER_VERSION
               ": learn and simulate Hamiltonian dynamics (integrators, analytic systems, data)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", NOETHER_VERSION);

  na::DemoArgs demo;
  auto* demo_cmd = app.add_subcommand("demo", "a short tour: symplectic vs non-symplectic on Kepler");
  demo_cmd->add_option("--steps", demo.steps, "steps per scheme")->capture_default_str();
  demo_cmd->add_flag("--json", demo.json, "print one line of JSON");

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
    if (*demo_cmd) return na::demo_command(demo);
    if (*integrate) return na::integrate_command(in);
    if (*systems) return na::systems_command(systems_json);
    if (*integrators) return na::integrators_command(integrators_json);
    if (*dataset) return na::dataset_command(ds);
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
