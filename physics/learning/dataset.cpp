#include "physics/learning/dataset.hpp"

#include <vector>

#include "physics/learning/checkpoint.hpp"
#include "physics/learning/detail/true_trajectory.hpp"
#include "noether/error.hpp"

namespace noether::physics {

namespace {

torch::Tensor to_tensor(const std::vector<double>& values, int64_t rows, int64_t cols) {
  auto t = torch::empty({rows, cols}, torch::kFloat64);
  std::copy(values.begin(), values.end(), t.data_ptr<double>());
  return t;
}

}  // namespace

DataSet generate_dataset(const System& system, const DataProtocol& protocol, uint64_t seed) {
  protocol.validate();
  Rng rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  const int dim = system.state_dim();
  const int n_test = static_cast<int>(protocol.trajectories * protocol.test_fraction);
  const int n_train = protocol.trajectories - n_test;
  if (n_train < 1)
    throw InvalidInput("DataProtocol.test_fraction leaves no training trajectory");

  std::vector<double> x[2], dxdt[2], energy[2];
  std::vector<double> times(static_cast<std::size_t>(protocol.points));
  for (int k = 0; k < protocol.points; ++k)
    times[static_cast<std::size_t>(k)] =
        protocol.t0 + (protocol.t1 - protocol.t0) * k / (protocol.points - 1);

  for (int traj = 0; traj < protocol.trajectories; ++traj) {
    const int part = traj < n_train ? 0 : 1;
    const Vector start = protocol.fixed_start ? system.default_state() : system.random_state(rng);
    const auto states = detail::true_trajectory(
        system, start, times, "generating '" + system.name() + "' trajectory " + std::to_string(traj));
    for (const Vector& y : states) {
      const Vector dy = system.vector_field(y);
      energy[part].push_back(system.energy_at(y));
      for (int i = 0; i < dim; ++i) {
        x[part].push_back(y[i] + protocol.noise_std * noise(rng));
        dxdt[part].push_back(dy[i]);
      }
    }
  }

  DataSet d;
  d.system = system.name();
  d.protocol = protocol;
  d.seed = seed;
  d.t = torch::tensor(times, torch::kFloat64);
  const int64_t rows[2] = {static_cast<int64_t>(n_train) * protocol.points,
                           static_cast<int64_t>(n_test) * protocol.points};
  d.x = to_tensor(x[0], rows[0], dim);
  d.dxdt = to_tensor(dxdt[0], rows[0], dim);
  d.test_x = to_tensor(x[1], rows[1], dim);
  d.test_dxdt = to_tensor(dxdt[1], rows[1], dim);
  d.energy = torch::tensor(energy[0], torch::kFloat64);
  d.test_energy = energy[1].empty() ? torch::empty({0}, torch::kFloat64)
                                    : torch::tensor(energy[1], torch::kFloat64);
  return d;
}

namespace {
const CheckpointFormat kDataSetFormat{"noether.dataset", DataSet::kFormatVersion, "data set"};
}  // namespace

void save_dataset(const DataSet& d, const std::string& path) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("system", d.system);
  dict.insert("seed", static_cast<int64_t>(d.seed));
  dict.insert("trajectories", static_cast<int64_t>(d.protocol.trajectories));
  dict.insert("points", static_cast<int64_t>(d.protocol.points));
  dict.insert("t0", d.protocol.t0);
  dict.insert("t1", d.protocol.t1);
  dict.insert("noise_std", d.protocol.noise_std);
  dict.insert("test_fraction", d.protocol.test_fraction);
  dict.insert("t", d.t);
  dict.insert("x", d.x);
  dict.insert("dxdt", d.dxdt);
  dict.insert("test_x", d.test_x);
  dict.insert("test_dxdt", d.test_dxdt);
  dict.insert("energy", d.energy);
  dict.insert("test_energy", d.test_energy);
  write_data_file(std::move(dict), path, kDataSetFormat);
}

DataSet load_dataset(const std::string& path) {
  const DataFile file(path, kDataSetFormat);
  auto get = [&](const char* key) { return file.get(key); };
  DataSet d;
  d.system = get("system").toStringRef();
  d.seed = static_cast<uint64_t>(get("seed").toInt());
  d.protocol.trajectories = static_cast<int>(get("trajectories").toInt());
  d.protocol.points = static_cast<int>(get("points").toInt());
  d.protocol.t0 = get("t0").toDouble();
  d.protocol.t1 = get("t1").toDouble();
  d.protocol.noise_std = get("noise_std").toDouble();
  d.protocol.test_fraction = get("test_fraction").toDouble();
  d.t = get("t").toTensor();
  d.x = get("x").toTensor();
  d.dxdt = get("dxdt").toTensor();
  d.test_x = get("test_x").toTensor();
  d.test_dxdt = get("test_dxdt").toTensor();
  d.energy = get("energy").toTensor();
  d.test_energy = get("test_energy").toTensor();
  return d;
}

}  // namespace noether::physics
