// physics/pixels/hgn_data.hpp: sequences of colour frames of the HGN paper's four systems
// (Toth et al. 2019), for the generative models of physics/pixels/hgn.hpp (issue 18).
//
//   HgnProtocol p;  p.system = "two-body";            // pendulum, spring, two-body, three-body
//   HgnDataSet d = make_hgn_data(p);                  // rendered by physics/pixels/render.hpp
//   d.train;                                          // [N, frames, values] float32 in [0, 1]
//   d.test;                                           // [M, horizon * frames, values]
//   d.test_half_dt;                                   // the same swings every dt / 2
//
// The systems and their parameters are the paper's: a pendulum of m = 0.5, l = 1, g = 3
// (theta'' = -3 sin theta), a mass-spring of m = 0.5, k = 2 (H = q^2 + p^2), and two and three
// bodies of unit mass under gravity with G = 1. Starts (our choice, stated in docs/benchmarks.md):
// the pendulum swings with an energy that reaches an angle of 33 to 109 degrees; the spring has
// phase-space radius sqrt(q^2 + p^2) in [0.5, 1.5]; the bodies use the HNN paper's orbit samplers
// (physics/systems/systems.hpp). Each test swing is `test_horizon` times as long as a training
// sequence, so that models trained on `frames` frames are judged past what they saw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/systems/systems.hpp"

namespace noether::physics {

struct HgnProtocol {
  std::string system = "pendulum";  ///< pendulum, spring, two-body or three-body
  int train_sequences = 400;
  int test_sequences = 40;
  int frames = 34;          ///< frames of a training sequence
  double dt = 0.125;        ///< seconds between frames
  int test_horizon = 3;     ///< test swings have test_horizon * frames frames
  int size = 32;            ///< size x size pixels
  bool colour = true;       ///< RGB (each body its own colour) or grey
  double noise_std = 0.0;   ///< pixel noise (render.hpp)
  uint64_t seed = 0;
  /// Throws InvalidInput naming the bad field.
  void validate() const;
  /// Values per frame: size^2 times the channels.
  int64_t values() const { return static_cast<int64_t>(size) * size * (colour ? 3 : 1); }
  int channels() const { return colour ? 3 : 1; }
};
NOETHER_JSON(HgnProtocol, system, train_sequences, test_sequences, frames, dt, test_horizon, size, colour, noise_std, seed)

/// The systems make_hgn_data knows: pendulum, spring, two-body, three-body.
std::vector<std::string> hgn_systems();

/// The paper's dynamics of `system` (an analytic system whose state the renderer draws);
/// InvalidInput naming the known systems for another name.
std::unique_ptr<System> hgn_system(const std::string& system);

struct HgnDataSet {
  HgnProtocol protocol;
  torch::Tensor train;         ///< [train_sequences, frames, values] float32
  torch::Tensor test;          ///< [test_sequences, test_horizon * frames, values] float32
  torch::Tensor test_half_dt;  ///< [test_sequences, 2 test_horizon frames - 1, values]: every dt / 2
  torch::Tensor test_states;   ///< [test_sequences, test_horizon * frames, state] float64: the truth
};

/// Renders the protocol's sequences (deterministic under protocol.seed).
HgnDataSet make_hgn_data(const HgnProtocol& protocol);

}  // namespace noether::physics
