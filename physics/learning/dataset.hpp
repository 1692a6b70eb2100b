// physics/learning/dataset.hpp: trajectory data sets drawn from the analytic systems, HNN-paper style.
//
//   auto sys = noether::physics::make_system("spring");
//   auto data = noether::physics::generate_dataset(*sys, sys->protocol(), /*seed=*/0);
//   noether::physics::save_dataset(data, "spring.pt");   // Python: torch.load("spring.pt")
//
// Trajectories are integrated with adaptive DOP853 at tolerance 1e-12 (the ground truth), sampled
// at the protocol's times; the observed states get Gaussian noise, the derivative targets are the
// exact vector field at the clean states. The split is by trajectory: the last test_fraction of
// trajectories are the test set.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "physics/systems/systems.hpp"

namespace noether::physics {

struct DataSet {
  static constexpr int64_t kFormatVersion = 1;
  std::string system;  ///< System::name()
  DataProtocol protocol;
  uint64_t seed = 0;
  torch::Tensor t;           ///< [points] float64, sample times
  torch::Tensor x;           ///< [N_train, 2D] float64, observed (noisy) states [q, p]
  torch::Tensor dxdt;        ///< [N_train, 2D] float64, exact time derivatives
  torch::Tensor test_x;      ///< [N_test, 2D]
  torch::Tensor test_dxdt;   ///< [N_test, 2D]
  torch::Tensor energy;      ///< [N_train] float64, true energy of the clean states
  torch::Tensor test_energy; ///< [N_test]
};

/// Draws a data set from `system` following `protocol` with the given seed (deterministic).
/// Throws InvalidInput for a bad protocol, NumericalError if a trajectory cannot be integrated.
DataSet generate_dataset(const System& system, const DataProtocol& protocol, uint64_t seed);

/// Writes a data set atomically as a dict of tensors that Python's torch.load reads (keys: the
/// field names above, plus format_version and the protocol's fields).
void save_dataset(const DataSet& data, const std::string& path);
/// Reads what save_dataset wrote; throws InvalidInput for a missing file, a file of another kind
/// or an unknown format_version.
DataSet load_dataset(const std::string& path);

}  // namespace noether::physics
