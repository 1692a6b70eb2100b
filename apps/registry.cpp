#include "apps/registry.hpp"

#include "noether/error.hpp"

namespace noether::apps {

Commands add_commands(CLI::App& app) {
  Commands out;
  for (auto add : {add_demo_commands, add_integrate_commands, add_dataset_commands, add_train_commands,
                   add_simulate_commands, add_graph_commands, add_residual_commands, add_molecules_commands,
                   add_pixel_commands})
    add(app, out);
  return out;
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
