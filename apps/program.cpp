#include "apps/program.hpp"

#include <iostream>

#include "noether/error.hpp"
#include "noether/interrupt.hpp"

namespace noether::apps {

int run_program(CLI::App& app, const Commands& commands, int argc, char** argv, const ProgramHooks& hooks) {
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
  install_interrupt_handlers();
  try {
    if (hooks.before_run) hooks.before_run();
    for (const auto& c : commands)
      if (*c.sub) return c.run();
  } catch (const Interrupted& e) {
    std::cerr << "\nnoether: " << e.what() << "\n";
    return interrupt_exit_code();
  } catch (const InvalidInput& e) {
    std::cerr << "noether: error: " << e.what() << "\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << "noether: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "noether: " << (hooks.describe ? hooks.describe(e) : std::string("error: ") + e.what()) << "\n";
    return 1;
  }
  return 0;
}

void check_default_outputs(CLI::App& sub) {
  for (const CLI::Option* option : sub.get_options()) {
    if (option->count() > 0 || option->get_default_str().empty()) continue;
    bool switched_off = false;  // an output excluded by a flag given ("--no-csv"): nothing is written
    for (const CLI::Option* other : option->get_excludes()) switched_off = switched_off || other->count() > 0;
    if (switched_off) continue;
    CLI::Validator* check = nullptr;
    try {
      check = const_cast<CLI::Option*>(option)->get_validator("writable_file");  // apps/options.hpp
    } catch (const CLI::OptionNotFound&) {
      continue;
    }
    std::string path = option->get_default_str();
    if (const std::string why = (*check)(path); !why.empty())
      throw InvalidInput(option->get_name() + " (default '" + option->get_default_str() + "'): " + why +
                         "; give another path");
  }
}

}  // namespace noether::apps
