// apps/graph_cmd.cpp: the graph subcommands (see apps/registry.hpp).
#include <CLI/CLI.hpp>

#include "apps/registry.hpp"

namespace noether::apps {

void add_graph_commands(CLI::App& /*app*/, Commands& /*out*/) {}

}  // namespace noether::apps
