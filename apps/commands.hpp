// apps/commands.hpp: the subcommands of the `noether` program. Each returns the exit status:
// 0 success, 1 a numerical failure (divergence), 2 invalid input (thrown as InvalidInput).
#pragma once

#include <string>

#include "apps/run.hpp"
#include "physics/systems.hpp"

namespace CLI {
class App;
}

namespace noether::apps {

struct IntegrateArgs {
  RunOptions run;
  std::string output = "trajectory.csv";
  bool no_csv = false;
  long every = 0;  ///< 0: about 10^4 rows at most
  bool json = false;
  bool quiet = false;
};
int integrate_command(const IntegrateArgs& args);

int systems_command(bool json);
int integrators_command(bool json);

struct DemoArgs {
  bool json = false;
  long steps = 200000;
};
int demo_command(const DemoArgs& args);

struct DatasetArgs {
  std::string system;
  std::string output;
  unsigned long long seed = 0;
  int trajectories = 0;  ///< 0: the system's protocol
  int points = 0;
  double noise_std = -1.0;  ///< < 0: the system's protocol
  double test_fraction = -1.0;
  bool json = false;
};
/// Registers `noether dataset` (its own translation unit: it is the only command using torch).
int dataset_command(const DatasetArgs& args);

}  // namespace noether::apps
