// physics/systems/measured.hpp: data sets from measurements rather than from an analytic system.
//
//   auto data = load_lipson(find_lipson_file("real_pend_h_1.txt"));   // real pendulum
//   auto grid = damped_spring_grid();            // the dissipative HNN paper's 25 x 25 grid
//
// Lipson files (Schmidt & Lipson 2009): one '%' header line, then rows of trial, t, x, v.
// Following the HNN paper, the state is (x, v), the targets are forward differences
// (x[i+1] - x[i]) / (t[i+1] - t[i]) at x[i], and the split keeps time order: the first 80% of
// rows train, the rest test.
#pragma once

#include <string>

#include "physics/learning/dataset.hpp"
#include "physics/systems/systems.hpp"

namespace noether::physics {

/// Loads a Lipson text file. Throws InvalidInput naming the file and line for anything malformed
/// (missing file, wrong column count, non-numeric or non-finite values, time not increasing).
DataSet load_lipson(const std::string& path, double train_fraction = 0.8,
                    const std::string& system = "real-pendulum");

/// The shipped measured data file (data/lipson in the repository, share/noether/data/lipson once
/// installed), found relative to the running program (noether/data_path.hpp); InvalidInput
/// naming the places looked at when it is missing.
std::string find_lipson_file(const std::string& file_name);

/// The pendulum energy the HNN paper measures its real-pendulum rollouts with:
/// H = 2.4 (1 - cos q) + p^2 (q = angle, p = angular velocity).
class RealPendulumEnergy : public Pendulum {
 public:
  std::string name() const override { return "real-pendulum"; }
  std::string description() const override;
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
};

/// The dissipative HNN paper's damped-spring set: states on a 25 x 25 grid over [-1.2, 1.2]^2,
/// exact derivatives of the damped spring (dq/dt = 2p - 2q, dp/dt = -2q), a random 85/15 split.
DataSet damped_spring_grid(int side = 25, double extent = 1.2, double test_fraction = 0.15,
                           uint64_t seed = 0);

}  // namespace noether::physics
