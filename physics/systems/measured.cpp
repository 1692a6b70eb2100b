#include "physics/systems/measured.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "noether/data_path.hpp"
#include "noether/error.hpp"

namespace noether::physics {

namespace fs = std::filesystem;

DataSet load_lipson(const std::string& path, double train_fraction, const std::string& system) {
  if (!(train_fraction > 0.0 && train_fraction < 1.0))
    throw InvalidInput("train fraction " + std::to_string(train_fraction) + " must be in (0, 1)");
  std::ifstream is(path);
  if (!is) throw InvalidInput("cannot open measured data '" + path + "'");
  std::vector<double> t, x, v;
  std::string line;
  int line_no = 0;
  while (std::getline(is, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.find('%') != std::string::npos) continue;  // header
    std::istringstream ls(line);
    std::vector<double> cols;
    std::string tok;
    while (ls >> tok) {
      char* end = nullptr;
      const double val = std::strtod(tok.c_str(), &end);
      if (end == tok.c_str() || *end != '\0' || !std::isfinite(val))
        throw InvalidInput("'" + path + "' line " + std::to_string(line_no) + ": '" + tok +
                           "' is not a finite number");
      cols.push_back(val);
    }
    if (cols.size() != 4)
      throw InvalidInput("'" + path + "' line " + std::to_string(line_no) + ": expected 4 columns "
                         "(trial, t, x, v), found " + std::to_string(cols.size()));
    if (!t.empty() && !(cols[1] > t.back()))
      throw InvalidInput("'" + path + "' line " + std::to_string(line_no) + ": time " +
                         std::to_string(cols[1]) + " does not increase");
    t.push_back(cols[1]);
    x.push_back(cols[2]);
    v.push_back(cols[3]);
  }
  if (t.size() < 10)
    throw InvalidInput("'" + path + "' holds " + std::to_string(t.size()) + " rows; need at least 10");
  const int64_t n = static_cast<int64_t>(t.size()) - 1;  // the last row has no forward difference
  auto states = torch::empty({n, 2}, torch::kFloat64), derivs = torch::empty({n, 2}, torch::kFloat64);
  auto times = torch::empty({n}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) {
    const double dt = t[i + 1] - t[i];
    states[i][0] = x[i];
    states[i][1] = v[i];
    derivs[i][0] = (x[i + 1] - x[i]) / dt;
    derivs[i][1] = (v[i + 1] - v[i]) / dt;
    times[i] = t[i];
  }
  const int64_t split = static_cast<int64_t>(static_cast<double>(t.size()) * train_fraction);
  DataSet d;
  d.system = system;
  d.protocol.trajectories = 1;
  d.protocol.points = static_cast<int>(n);
  d.protocol.t0 = t.front();
  d.protocol.t1 = t[static_cast<std::size_t>(n - 1)];
  d.protocol.noise_std = 0.0;
  d.protocol.test_fraction = 1.0 - train_fraction;
  d.t = times;
  d.x = states.narrow(0, 0, split).clone();
  d.dxdt = derivs.narrow(0, 0, split).clone();
  d.test_x = states.narrow(0, split, n - split).clone();
  d.test_dxdt = derivs.narrow(0, split, n - split).clone();
  const RealPendulumEnergy energy;
  auto e = torch::empty({n}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) e[i] = energy.energy_at((Vector(2) << x[i], v[i]).finished());
  d.energy = e.narrow(0, 0, split).clone();
  d.test_energy = e.narrow(0, split, n - split).clone();
  return d;
}

std::string find_lipson_file(const std::string& file_name) {
  return find_data_file("data/lipson/" + file_name, "measured data file '" + file_name + "'");
}

std::string RealPendulumEnergy::description() const {
  return "measured pendulum (Schmidt & Lipson 2009), energy H = 2.4(1 - cos q) + p^2";
}
double RealPendulumEnergy::energy(const Vector& q, const Vector& p) const {
  return 2.4 * (1.0 - std::cos(q[0])) + p[0] * p[0];
}
Vector RealPendulumEnergy::dH_dq(const Vector& q, const Vector&) const {
  return (Vector(1) << 2.4 * std::sin(q[0])).finished();
}

DataSet damped_spring_grid(int side, double extent, double test_fraction, uint64_t seed) {
  if (side < 2) throw InvalidInput("grid side must be >= 2");
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) throw InvalidInput("test fraction must be in (0, 1)");
  const DampedSpring spring;
  const int64_t n = static_cast<int64_t>(side) * side;
  auto states = torch::empty({n, 2}, torch::kFloat64), derivs = torch::empty({n, 2}, torch::kFloat64);
  auto energy = torch::empty({n}, torch::kFloat64);
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j) {
      Vector y(2);
      y << -extent + 2 * extent * i / (side - 1), -extent + 2 * extent * j / (side - 1);
      const Vector f = spring.vector_field(y);
      const int64_t k = static_cast<int64_t>(i) * side + j;
      states[k][0] = y[0];
      states[k][1] = y[1];
      derivs[k][0] = f[0];
      derivs[k][1] = f[1];
      energy[k] = spring.energy_at(y);
    }
  torch::manual_seed(seed);
  const auto perm = torch::randperm(n, torch::kLong);
  const int64_t n_test = static_cast<int64_t>(std::llround(n * test_fraction));
  const auto train_idx = perm.narrow(0, 0, n - n_test), test_idx = perm.narrow(0, n - n_test, n_test);
  DataSet d;
  d.system = spring.name();
  d.seed = seed;
  d.protocol.trajectories = static_cast<int>(n);
  d.protocol.points = 1;
  d.protocol.t0 = 0.0;
  d.protocol.t1 = 0.0;
  d.protocol.noise_std = 0.0;
  d.protocol.test_fraction = test_fraction;
  d.t = torch::zeros({1}, torch::kFloat64);
  d.x = states.index_select(0, train_idx);
  d.dxdt = derivs.index_select(0, train_idx);
  d.test_x = states.index_select(0, test_idx);
  d.test_dxdt = derivs.index_select(0, test_idx);
  d.energy = energy.index_select(0, train_idx);
  d.test_energy = energy.index_select(0, test_idx);
  return d;
}

}  // namespace noether::physics
