#include "apps/registry.hpp"

namespace noether::apps {

Commands add_commands(CLI::App& app) {
  Commands out;
  for (auto add : {add_demo_commands, add_integrate_commands, add_dataset_commands, add_train_commands,
                   add_simulate_commands, add_graph_commands, add_residual_commands, add_molecules_commands,
                   add_pixel_commands})
    add(app, out);
  return out;
}

}  // namespace noether::apps
