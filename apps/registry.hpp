// apps/registry.hpp: subcommands that live in their module's own file register here, so that
// main.cpp does not grow with every module. Each add_*_commands() adds its subcommands to the
// app and pushes one Command per subcommand; main runs the one CLI11 parsed.
#pragma once

#include <functional>
#include <vector>

namespace CLI {
class App;
}

namespace noether::apps {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;  ///< exit status: 0 ok, 1 numerical failure, 2 invalid input
};
using Commands = std::vector<Command>;

/// graph/: `noether train-graph`, `noether rollout-graph` (apps/graph_cmd.cpp).
void add_graph_commands(CLI::App& app, Commands& out);
/// nbody/ learned residuals: `noether train-residual` (apps/residual_cmd.cpp).
void add_residual_commands(CLI::App& app, Commands& out);
/// molecules/: `noether conform`, `noether train-conformer` (apps/molecules_cmd.cpp).
void add_molecules_commands(CLI::App& app, Commands& out);

}  // namespace noether::apps
