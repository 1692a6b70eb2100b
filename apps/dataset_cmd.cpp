// apps/dataset_cmd.cpp: `noether dataset`, a training set drawn from an analytic system with the
// HNN paper's protocol, saved for Python's torch.load.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/options.hpp"
#include "apps/registry.hpp"
#include "physics/learning/dataset.hpp"

namespace noether::apps {

namespace {

struct DatasetArgs {
  std::string system;
  int links = 0;  ///< --links N: chain-pendulum-N
  std::string output;
  unsigned long long seed = 0;
  int trajectories = 0;  ///< 0: the system's protocol
  int points = 0;
  double noise_std = -1.0;  ///< < 0: the system's protocol
  double test_fraction = -1.0;
  bool json = false;
};

int dataset_command(const DatasetArgs& a) {
  const auto system = physics::make_system(system_with_links(a.system, a.links));
  physics::DataProtocol p = system->protocol();
  if (a.trajectories > 0) p.trajectories = a.trajectories;
  if (a.points > 0) p.points = a.points;
  if (a.noise_std >= 0.0) p.noise_std = a.noise_std;
  if (a.test_fraction >= 0.0) p.test_fraction = a.test_fraction;
  const auto data = physics::generate_dataset(*system, p, a.seed);
  physics::save_dataset(data, a.output);
  if (a.json) {
    std::cout << nlohmann::json{{"system", data.system},
                                {"output", a.output},
                                {"train_samples", data.x.size(0)},
                                {"test_samples", data.test_x.size(0)},
                                {"state_dim", data.x.size(1)},
                                {"trajectories", p.trajectories},
                                {"points", p.points},
                                {"noise_std", p.noise_std},
                                {"seed", a.seed}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "wrote " << a.output << ": " << data.system << ", " << data.x.size(0)
              << " training and " << data.test_x.size(0) << " test samples of dimension "
              << data.x.size(1) << " (" << p.trajectories << " trajectories x " << p.points
              << " points on [" << p.t0 << ", " << p.t1 << "], noise " << p.noise_std
              << "); Python: torch.load('" << a.output << "')\n";
  }
  return 0;
}

}  // namespace

void add_dataset_commands(CLI::App& app, Commands& out) {
  auto ds = std::make_shared<DatasetArgs>();
  auto* c = add_command(app, out, "dataset",
                        "draw a training set from a system (HNN protocol); save it for torch.load", ds,
                        dataset_command);
  c->add_option("--system", ds->system, "system name")->required();
  add_links_option(c, ds->links);
  c->add_option("-o,--output", ds->output, "output file (.pt)")->required()->check(writable_file());
  c->add_option("--seed", ds->seed, "random seed")->capture_default_str();
  c->add_option("--trajectories", ds->trajectories, "override the protocol's trajectories")->check(at_least(1));
  c->add_option("--points", ds->points, "override the protocol's points per trajectory")->check(at_least(2));
  c->add_option("--noise", ds->noise_std, "override the protocol's noise standard deviation")->check(non_negative());
  c->add_option("--test-fraction", ds->test_fraction, "override the protocol's test fraction")->check(fraction());
  c->add_flag("--json", ds->json, "print one line of JSON");
}

}  // namespace noether::apps
