#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/commands.hpp"
#include "physics/learning/dataset.hpp"

namespace noether::apps {

int dataset_command(const DatasetArgs& a) {
  const auto system = physics::make_system(a.system);
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

}  // namespace noether::apps
