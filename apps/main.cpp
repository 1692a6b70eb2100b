// noether-torch: the command-line program with every subcommand (LibTorch linked). `noether`
// (apps/conform_main.cpp) runs `conform` itself and hands every other command line to this one.
#include <csignal>
#include <iostream>
#include <streambuf>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "apps/program.hpp"
#include "apps/ranks.hpp"
#include "apps/registry.hpp"
#include "noether/allocator.hpp"
#include "noether/config.hpp"
#include "noether/subnormals.hpp"

namespace na = noether::apps;

namespace {
/// Swallows what it is given (standard output of the ranks other than 0).
struct NullBuffer : std::streambuf {
  int overflow(int c) override { return c == EOF ? 0 : c; }
};
}  // namespace

int main(int argc, char** argv) {
  noether::keep_freed_memory();  // LibTorch's per-step tensors reuse freed memory (noether/allocator.hpp)
  noether::flush_subnormals();   // subnormal floats as zero (noether/subnormals.hpp)
  CLI::App app{"noether " NOETHER_VERSION
               ": learn and simulate Hamiltonian dynamics (integrators, analytic systems, data)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", NOETHER_VERSION);
  const na::Commands commands = na::add_commands(app);

  na::ProgramHooks hooks;
  hooks.before_run = [] {
    // Under torchrun every rank joins the process group first (a store that cannot be reached
    // fails here, not mid-run), and only rank 0 writes to standard output: the ranks compute the
    // same results (or rank 0 gathers them), and scripts read one line of JSON.
    const auto& ranks = na::process_ranks();
    // A peer that dies mid-run closes its sockets, and gloo's next write to one raised SIGPIPE,
    // which ended this rank silently (CI: distributed/killed_rank, rank 0 gone with an empty
    // stderr). Ignored, the write fails with EPIPE and the rank reports it (Python, where
    // torch.distributed usually runs, ignores SIGPIPE from the start). One process keeps the
    // default, so `noether ... | head` still ends quietly.
    if (ranks.active()) std::signal(SIGPIPE, SIG_IGN);
    static auto* const discard = new NullBuffer;  // outlives std::cout's last flush at exit
    if (!ranks.primary()) std::cout.rdbuf(discard);
  };
  hooks.describe = [](const std::exception& e) {
    if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e))
      return "error (torch): " + std::string(torch_error->what_without_backtrace());
    return "error: " + std::string(e.what());
  };
  return na::run_program(app, commands, argc, argv, hooks);
}
