// apps/conform_cmd.hpp: `noether conform` for the two programs that run it: `noether` itself
// (apps/conform_main.cpp, no LibTorch, one process) and the LibTorch program (torchrun's ranks,
// and models saved before their weights file existed).
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "apps/ranks.hpp"
#include "apps/registry.hpp"
#include "molecules/fused_engine.hpp"

namespace noether::apps {

/// What the program running `conform` provides.
struct ConformHost {
  /// The processes the command runs as (asked once the command runs, never at registration).
  std::function<const Ranks&()> ranks;
  /// The inference engine of a model file (ConformOptions::model, or the shipped model's path).
  std::function<molecules::FusedEngine(const std::string& model)> load;
};

/// Adds `conform` to app and out (apps/registry.hpp).
void add_conform_command(CLI::App& app, Commands& out, ConformHost host);

}  // namespace noether::apps
