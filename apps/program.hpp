// apps/program.hpp: what every noether program does with its command line: parse it into the
// subcommands registered (apps/registry.hpp), run the one given, and turn what went wrong into a
// message on stderr and an exit status.
//
//   CLI::App app{"noether ..."};
//   const Commands commands = add_commands(app);
//   return run_program(app, commands, argc, argv, hooks);
//
// Exit statuses: 0 done, 1 a numerical or system failure, 2 invalid input or a bad command line,
// 130 / 143 stopped by Ctrl-C / SIGTERM (after the current step; noether/interrupt.hpp).
#pragma once

#include <exception>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "apps/registry.hpp"

namespace noether::apps {

struct ProgramHooks {
  /// Runs after parsing, before the command, inside the error handling (joining torchrun's
  /// process group, say); may be empty.
  std::function<void()> before_run;
  /// The message of an exception that is no noether error ("error: ..." by default); may be empty.
  std::function<std::string(const std::exception&)> describe;
};

/// Parses argv, installs the interrupt handlers and runs the command CLI11 parsed; returns the
/// exit status. Help and --version print and return 0.
int run_program(CLI::App& app, const Commands& commands, int argc, char** argv, const ProgramHooks& hooks = {});

}  // namespace noether::apps
