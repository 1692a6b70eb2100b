// apps/molecules_cmd.cpp: the molecules subcommands (see apps/registry.hpp).
#include <CLI/CLI.hpp>

#include "apps/registry.hpp"

namespace noether::apps {

void add_molecules_commands(CLI::App& /*app*/, Commands& /*out*/) {}

}  // namespace noether::apps
