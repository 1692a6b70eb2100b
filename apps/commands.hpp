// apps/commands.hpp: the subcommands of the `noether` program. Each returns the exit status:
// 0 success, 1 a numerical failure (divergence), 2 invalid input (thrown as InvalidInput).
#pragma once

#include <string>

#include "apps/run.hpp"
#include "physics/systems/systems.hpp"

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
  long steps = 200000;  ///< Kepler steps per scheme
  bool full = true;     ///< also the learning and planetary steps (--quick skips them)
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

struct TrainArgs {
  std::string system = "spring";
  std::string model = "hnn";
  std::string output = "model.pt";
  int64_t steps = -1;       ///< < 0: the paper's protocol for the system
  int64_t batch_size = -1;  ///< < 0: the paper's protocol; 0 = full batch
  double learning_rate = 1e-3;
  double weight_decay = -1;  ///< < 0: the paper's protocol (0 for orbits, 1e-4 otherwise)
  int64_t hidden = 200;
  int64_t layers = 2;
  std::string activation = "tanh";
  unsigned long long seed = 0;
  unsigned long long data_seed = 0;
  int trajectories = 0;  ///< 0: the protocol's
  std::string data;      ///< a measured file (real-pendulum)
  bool grid = false;     ///< the D-HNN paper's damped-spring grid
  std::string loss = "pointwise";
  std::string integrator = "rk4";
  int64_t rollout_steps = 0;
  std::string dtype = "float32";
  int64_t checkpoint_every = 0;
  int threads = 0;  ///< 0: torch's default
  bool resume = false;
  bool no_fused = false;  ///< train HNNs through autograd instead of the fused gradient
  bool json = false;
  bool quiet = false;
};
int train_command(TrainArgs args);

struct EvaluateArgs {
  std::string model;
  int starts = 15;
  double t1 = -1.0;  ///< < 0: the paper's span for the task
  int threads = 0;
  bool json = false;
};
int evaluate_command(const EvaluateArgs& args);

// nbody: `noether simulate` (apps/simulate_cmd.cpp).
struct SimulateArgs {
  std::string system = "outer-solar-system";
  double dt = 10.0;
  double years = 0.0;  ///< 0 and steps 0: 1000 years
  long steps = 0;
  int corrector = 0;
  std::string coordinates = "jacobi";
  std::string kernel = "standard";
  bool safe = false;
  int test_particles = 0;
  int threads = 0;
  std::string output = "simulate.csv";
  bool no_csv = false;
  std::string plot = "simulate.svg";
  bool no_plot = false;
  long outputs = 1000;
  std::string residual;              ///< learned interaction model (noether train-residual)
  std::string residual_mode = "auto";  ///< auto (the model's), residual or replacement
  bool json = false;
  bool quiet = false;
};
/// Registers `noether simulate` on app, filling args.
CLI::App* add_simulate_subcommand(CLI::App& app, SimulateArgs& args);
int simulate_command(const SimulateArgs& args);

}  // namespace noether::apps
