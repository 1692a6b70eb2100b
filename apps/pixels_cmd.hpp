// apps/pixels_cmd.hpp: the models that learn from pixels under `noether train` and `noether
// evaluate` (issue 18), and the flows'; `noether render` and `noether train-flow` register
// themselves in apps/pixels_cmd.cpp.
#pragma once

#include <cstdint>
#include <string>

#include <c10/core/Device.h>

namespace noether::apps {

/// What `noether train --system pixel-SYSTEM --model pixel-hnn|pixel-baseline|hgn|latent-ode` was given; a
/// value < 0 (or 0 for counts) means the paper's protocol.
struct PixelTrainRequest {
  std::string system, model, output;
  int64_t steps = -1, batch_size = -1, hidden = 200, checkpoint_every = 0;
  double learning_rate = 1e-3, weight_decay = -1.0, noise = -1.0;
  unsigned long long seed = 0, data_seed = 0;
  int trajectories = 0, points = 0;
  c10::Device device = c10::kCPU;  ///< where the model trains (physics/learning/device.hpp)
  bool resume = false, json = false, quiet = false;
};

/// True when `noether train` is asked for a pixel system or model.
bool is_pixel_request(const std::string& system, const std::string& model);
int pixel_train_command(const PixelTrainRequest& request);
// The evaluations below run on `device`; the model file is read onto the CPU and moved there.
/// `noether evaluate` of a pixel model; `image`: PNG of true (top) and predicted (bottom) frames.
int pixel_evaluate_command(const std::string& model, const std::string& image, const c10::Device& device, bool json);
/// `noether evaluate` of an HGN or latent ODE: frame errors over the test horizon, rolled back
/// with -dt and stepped at dt / 2; `image`: PNG of true (top) and predicted (bottom) frames.
int hgn_evaluate_command(const std::string& model, const std::string& image, const c10::Device& device, bool json);
/// `noether evaluate` of a meta-learned model: the test loss after 0 .. adapt_steps steps on
/// `shots` states of unseen members, from the meta-learned, pooled and fresh weights.
int meta_evaluate_command(const std::string& model, int64_t shots, int64_t adapt_steps, const c10::Device& device,
                          bool json);
/// `noether evaluate` of a flow (`noether train-flow`); `image`: PNG of its density.
int flow_evaluate_command(const std::string& model, const std::string& image, const c10::Device& device, bool json);

}  // namespace noether::apps
