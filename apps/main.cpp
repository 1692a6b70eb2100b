// noether: the command-line program. `noether --help` lists the subcommands; each registers
// itself through apps/registry.hpp.
#include <csignal>
#include <exception>
#include <iostream>
#include <streambuf>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "apps/registry.hpp"
#include "noether/allocator.hpp"
#include "noether/config.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "noether/subnormals.hpp"
#include "physics/learning/distributed.hpp"

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A first argument that names no subcommand: say so, rather than CLI11's "A subcommand is
    // required" (issue 14).
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::cerr << "noether: error: unknown command '" << argv[1] << "' (see `noether --help`)\n";
      return 2;
    }
    std::cerr << "noether: error: " << e.what() << " (see `noether --help`)\n";
    return 2;
  }

  // Ctrl-C / SIGTERM: stop after the current step, keep what was complete, exit 130 / 143.
  noether::install_interrupt_handlers();
  static auto* const discard = new NullBuffer;  // outlives std::cout's last flush at exit
  try {
    // Under torchrun every rank joins the process group first (a store that cannot be reached
    // fails here, not mid-run), and only rank 0 writes to standard output: the ranks compute the
    // same results (or rank 0 gathers them), and scripts read one line of JSON.
    const auto& ranks = noether::physics::Distributed::process();
    // A peer that dies mid-run closes its sockets, and gloo's next write to one raised SIGPIPE,
    // which ended this rank silently (CI: distributed/killed_rank, rank 0 gone with an empty
    // stderr). Ignored, the write fails with EPIPE and the rank reports it (Python, where
    // torch.distributed usually runs, ignores SIGPIPE from the start). One process keeps the
    // default, so `noether ... | head` still ends quietly.
    if (ranks.active()) std::signal(SIGPIPE, SIG_IGN);
    if (!ranks.primary()) std::cout.rdbuf(discard);
    for (const auto& c : commands)
      if (*c.sub) return c.run();
  } catch (const noether::Interrupted& e) {
    std::cerr << "\nnoether: " << e.what() << "\n";
    return noether::interrupt_exit_code();
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
