// noether: the command-line program. It runs `noether conform` itself, without LibTorch, so that
// a file of a few hundred molecules is not outweighed by loading LibTorch (0.6 of 0.7 s for one
// molecule; docs/benchmarks.md, issue 15). Every other command line (the other commands, `--help`,
// `--version`, `conform` under torchrun) it hands to the LibTorch program beside it,
// noether-torch, by exec: the same process, arguments, environment and exit status.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "apps/conform_cmd.hpp"
#include "apps/program.hpp"
#include "molecules/engine_weights.hpp"
#include "noether/allocator.hpp"
#include "noether/config.hpp"
#include "noether/subnormals.hpp"

namespace na = noether::apps;
namespace mol = noether::molecules;

namespace {

char** arguments = nullptr;  // main's argv, for the hand-over

/// Replaces this process by the LibTorch program with the same arguments; returns only if that
/// program cannot be run (after saying why).
[[noreturn]] void hand_over() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string full = (ec ? std::filesystem::path(arguments[0]).parent_path() : self.parent_path()) / "noether-torch";
  ::execv(full.c_str(), arguments);
  std::cerr << "noether: error: cannot run '" << full << "' (" << std::strerror(errno)
            << "): every command but `conform` runs in that program, built and installed beside this one\n";
  std::exit(1);
}

/// torchrun's launch of more than one rank: WORLD_SIZE set, and not to 1.
bool under_torchrun() {
  const char* world = std::getenv("WORLD_SIZE");
  return world && std::string(world) != "1";
}

/// A model's engine from its weights file; a model that has none (saved before noether wrote
/// one) is read by the LibTorch program.
mol::FusedEngine load(const std::string& model) {
  const std::string weights = mol::model_weights_path(model);
  if (weights.empty()) hand_over();
  return mol::FusedEngine(mol::read_engine_weights(weights));
}

}  // namespace

int main(int argc, char** argv) {
  arguments = argv;
  if (argc < 2 || std::string(argv[1]) != "conform" || under_torchrun()) hand_over();
  noether::keep_freed_memory();  // as the LibTorch program does (noether/allocator.hpp)
  noether::flush_subnormals();   // the same arithmetic as the LibTorch program (noether/subnormals.hpp)
  CLI::App app{"noether " NOETHER_VERSION ": learn and simulate Hamiltonian dynamics (`noether --help` lists every command)"};
  app.require_subcommand(1);
  na::Commands commands;
  na::add_conform_command(app, commands, {na::one_process, load});
  return na::run_program(app, commands, argc, argv);
}
