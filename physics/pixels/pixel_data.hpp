// physics/pixels/pixel_data.hpp: data sets of frames, for the models that learn a Hamiltonian
// from pixels (issue 18).
//
//   PixelProtocol p;                          // Greydanus et al. 2019: 200 swings x 103 frames
//   PixelDataSet d = make_pixel_pendulum(p);  // frames rendered by physics/pixels/render.hpp
//   torch::Tensor x = d.inputs(false);        // [trials, steps - 1, 2 S^2]: frame and its change
//
// The pendulum is the gym pendulum the HNN paper rendered (a rod, g = 10, m = l = 1):
// theta'' = -15 sin theta, sampled every 0.05 s from |theta0| < pi/6 and theta0' ~ U(-1, 1);
// its energy is E = theta'^2 / 2 + 15 (1 - cos theta). Trajectories come from the analytic
// system at tolerance 1e-12 (physics/learning/detail/true_trajectory.hpp), not from the gym's
// semi-implicit Euler steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/pixels/render.hpp"
#include "physics/systems/systems.hpp"

namespace noether::physics {

struct PixelProtocol {
  int trials = 200;           ///< swings, each from its own start
  int steps = 103;            ///< frames per swing
  double dt = 0.05;           ///< seconds between frames
  double max_angle = 0.5235987755982988;  ///< |theta0| < pi / 6
  double max_speed = 1.0;     ///< theta0' ~ U(-max_speed, max_speed)
  int size = 28;              ///< frames of size x size grey pixels
  double noise_std = 0.0;     ///< pixel noise (render.hpp)
  double test_fraction = 0.2; ///< the last swings are the test set
  uint64_t seed = 0;
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};
NOETHER_JSON(PixelProtocol, trials, steps, dt, max_angle, max_speed, size, noise_std, test_fraction, seed)

/// The gym pendulum's dynamics (theta'' = -15 sin theta) as an analytic system in (theta, theta').
std::unique_ptr<System> gym_pendulum();

struct PixelDataSet {
  PixelProtocol protocol;
  torch::Tensor frames;     ///< [trials, steps, size^2] float32 in [0, 1]
  torch::Tensor coords;     ///< [trials, steps, 2] float64: (theta, theta')
  int64_t train_trials = 0; ///< the first train_trials swings train, the others test
  /// The models' inputs x_t = (frame_t, frame_t - frame_{t-1}) for t = 1 .. steps - 1 of the train
  /// or test swings: [swings, steps - 1, 2 size^2] float32 (the HNN paper's pixel observation: a
  /// frame and the change that shows its velocity).
  torch::Tensor inputs(bool test) const;
  /// The true (theta, theta') at the same times as inputs(test): [swings, steps - 1, 2] float64.
  torch::Tensor states(bool test) const;
  /// The gym pendulum's energy of states [..., 2] -> [...].
  static torch::Tensor energy(const torch::Tensor& states);
};

/// Renders protocol.trials swings of the gym pendulum (deterministic under protocol.seed).
PixelDataSet make_pixel_pendulum(const PixelProtocol& protocol);

/// A film strip's frames of one swing, for people to look at: `film_frames` frames (at most all)
/// evenly spaced from the first, of the true frames `truth` and the model's `predicted` ones
/// ([frames, size^2 channels] float32 each), appended as images to true_out and predicted_out.
void append_film(const torch::Tensor& truth, const torch::Tensor& predicted, int size, int channels, int film_frames,
                 std::vector<Image>& true_out, std::vector<Image>& predicted_out);

/// `count` states of `system` from y0, every dt (adaptive DOP853 at tolerance 1e-12).
std::vector<Eigen::VectorXd> sample_trajectory(const System& system, const Eigen::VectorXd& y0, double dt, int count);

}  // namespace noether::physics
