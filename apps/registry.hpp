// apps/registry.hpp: how every subcommand of the `noether` program is registered. Each command
// file defines one add_*_commands() below; it adds its subcommands with add_command(), which
// pairs a subcommand with the arguments it fills and the function that runs it. main.cpp calls
// add_commands() and runs the one subcommand CLI11 parsed.
//
//   void add_dataset_commands(CLI::App& app, Commands& out) {
//     auto args = std::make_shared<DatasetArgs>();
//     CLI::App* c = add_command(app, out, "dataset", "draw a training set", args, dataset_command);
//     c->add_option("--system", args->system, "system name")->required();
//   }
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace noether::apps {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;  ///< exit status: 0 ok, 1 numerical failure, 2 invalid input
};
using Commands = std::vector<Command>;

/// Output paths left at their defaults are checked before any work as given ones are (CLI11
/// validates only what the user typed): InvalidInput naming the option when the writable_file()
/// check of apps/options.hpp fails on the default (a run in a read-only folder). In apps/program.cpp.
void check_default_outputs(CLI::App& sub);

/// Adds subcommand `name` to app and a Command running run(*args) to out; args lives as long
/// as the Command. Returns the subcommand, for its options to be added.
template <class Args, class Run>
CLI::App* add_command(CLI::App& app, Commands& out, const std::string& name, const std::string& description,
                      std::shared_ptr<Args> args, Run run) {
  CLI::App* sub = app.add_subcommand(name, description);
  out.push_back({sub, [args, run, sub] {
                   check_default_outputs(*sub);
                   return run(*args);
                 }});
  return sub;
}

/// Every subcommand, in the order `noether --help` lists them.
Commands add_commands(CLI::App& app);

/// `noether demo` (apps/demo_cmd.cpp).
void add_demo_commands(CLI::App& app, Commands& out);
/// `noether integrate`, `systems`, `integrators`: the analytic systems (apps/integrate_cmd.cpp).
void add_integrate_commands(CLI::App& app, Commands& out);
/// `noether dataset` (apps/dataset_cmd.cpp).
void add_dataset_commands(CLI::App& app, Commands& out);
/// `noether train`, `noether evaluate`: learned Hamiltonians (apps/train_cmd.cpp).
void add_train_commands(CLI::App& app, Commands& out);
/// nbody/: `noether simulate` (apps/simulate_cmd.cpp).
void add_simulate_commands(CLI::App& app, Commands& out);
/// graph/: `noether train-graph`, `noether rollout-graph` (apps/graph_cmd.cpp).
void add_graph_commands(CLI::App& app, Commands& out);
/// physics/pixels/ and the flows: `noether render`, `noether train-flow` (apps/pixels_cmd.cpp).
void add_pixel_commands(CLI::App& app, Commands& out);
/// nbody/ learned residuals: `noether residual-data`, `noether train-residual` (apps/residual_cmd.cpp).
void add_residual_commands(CLI::App& app, Commands& out);
/// molecules/: `noether conform`, `noether train-conformer` (apps/molecules_cmd.cpp); none
/// without RDKit and Open Babel.
void add_molecules_commands(CLI::App& app, Commands& out);

}  // namespace noether::apps
