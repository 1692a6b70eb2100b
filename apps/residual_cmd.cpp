// apps/residual_cmd.cpp: the residual subcommands (see apps/registry.hpp).
#include <CLI/CLI.hpp>

#include "apps/registry.hpp"

namespace noether::apps {

void add_residual_commands(CLI::App& /*app*/, Commands& /*out*/) {}

}  // namespace noether::apps
