// physics/pixels/pixel_model.hpp: a Hamiltonian learned from pixels (Greydanus et al. 2019,
// issue 18): an autoencoder whose two-number latent z = (z_q, z_p) is made to move as a learned
// field says, trained on the shared Trainer.
//
//   PixelModelConfig c;  c.dynamics = ModelKind::kHnn;       // kBaseline: the paper's baseline
//   PixelRun run = new_pixel_run(c, PixelTrainOptions{}, data.protocol);
//   train_pixel_model(run, data, options);                   // progress bar, checkpoints
//   save_pixel_model(run, "pix.pt");                         // + pix.pt.json
//   PixelEvaluation e = evaluate_pixel_model(*run.model, data);
//
// The loss of a pair of consecutive observations (x, x'), latents z = E(x), z' = E(x'):
//   |D(z) - x|^2                   the autoencoder's reconstruction
//   + |z_p - (z'_q - z_q)|^2        z_p is the change of z_q over one frame (canonical-looking latents)
//   + w |z' - (z + f(z))|^2         one Euler step of the latent field f (w = 0.1)
// each a mean over the batch and the entries, as in the paper's code. f is any DynamicsModel of
// physics/models/ on a two-entry state: an HNN (f = J grad H) or the baseline MLP. Time in the
// latent space is counted in frames.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/learning/trainer.hpp"
#include "physics/models/model.hpp"
#include "physics/pixels/pixel_data.hpp"

namespace noether::physics {

struct PixelModelConfig {
  ModelKind dynamics = ModelKind::kHnn;  ///< the latent field: hnn or baseline
  int64_t input = 2 * 28 * 28;           ///< observation width (a frame and its change)
  int64_t hidden = 200;                  ///< autoencoder width (ReLU, residual hidden layers)
  int64_t latent = 2;                    ///< z = (z_q, z_p): 2 D entries
  int64_t dynamics_hidden = 200;         ///< the latent field's MLP (tanh, 2 hidden layers)
  double field_weight = 0.1;             ///< w of the latent-field term
  void validate() const;
  /// "pixel-hnn" or "pixel-baseline".
  std::string name() const;
};
NOETHER_JSON(PixelModelConfig, dynamics, input, hidden, latent, dynamics_hidden, field_weight)

/// "pixel-hnn" -> kHnn, "pixel-baseline" -> kBaseline; InvalidInput naming the known ones.
ModelKind parse_pixel_model(const std::string& name);
/// True for the names parse_pixel_model knows.
bool is_pixel_model(const std::string& name);

struct PixelLoss {
  torch::Tensor total, reconstruction, canonical, field;  ///< scalars
};

class PixelModelImpl : public torch::nn::Module {
 public:
  explicit PixelModelImpl(PixelModelConfig config);
  const PixelModelConfig& config() const { return config_; }
  /// x [B, input] -> z [B, latent]
  torch::Tensor encode(const torch::Tensor& x);
  /// z [B, latent] -> x [B, input]
  torch::Tensor decode(const torch::Tensor& z);
  /// The latent field (the shared model interface).
  DynamicsModelImpl& dynamics() { return *dynamics_; }
  /// The loss of pairs (x [B, input], next [B, input]); differentiable in the weights.
  PixelLoss loss(const torch::Tensor& x, const torch::Tensor& next);

 private:
  PixelModelConfig config_;
  std::vector<torch::nn::Linear> encoder_, decoder_;
  std::shared_ptr<DynamicsModelImpl> dynamics_;
};
TORCH_MODULE(PixelModel);

struct PixelTrainOptions {
  int64_t steps = 10000;        ///< the paper's 10k steps
  double learning_rate = 1e-3;
  double weight_decay = 1e-5;   ///< Adam's L2 term, as the paper's code
  int64_t batch_size = 200;
  uint64_t seed = 0;            ///< weights and batches
  int64_t eval_every = 200;     ///< test loss (on up to 2000 test pairs) every so many steps
  bool progress = false;
  std::string checkpoint;       ///< saved every checkpoint_every steps and at the end when set
  int64_t checkpoint_every = 0;
  torch::Device device = torch::kCPU;  ///< where the model and the data go (physics/learning/device.hpp)
  void validate() const;
};

struct PixelRun {
  PixelModel model{nullptr};
  std::unique_ptr<Trainer> trainer;
  PixelProtocol protocol;       ///< the data it learns from (regenerated on resume and evaluate)
  PixelTrainOptions options;
  int64_t step() const { return trainer ? trainer->step() : 0; }
};

struct PixelTrainSummary {
  double train_loss = 0.0;  ///< the loss over the first 4000 training pairs
  double test_loss = 0.0;   ///< the loss over every test pair
  int64_t steps = 0, steps_this_call = 0;
  double seconds_per_step = 0.0;
  std::vector<TrainerPoint> history;
};

/// A fresh model (seeded with options.seed, on options.device) and its Adam for data of `protocol`.
PixelRun new_pixel_run(const PixelModelConfig& config, const PixelTrainOptions& options, const PixelProtocol& protocol);
/// options.steps more steps on random minibatches of data's train pairs, on options.device (the
/// model, its optimiser and a copy of the data move there; the batches are drawn as on the CPU).
PixelTrainSummary train_pixel_model(PixelRun& run, const PixelDataSet& data, const PixelTrainOptions& options);
/// Model, optimiser state, step, config and protocol, atomically, plus the JSON sidecar.
void save_pixel_model(const PixelRun& run, const std::string& path);
/// Reads a file save_pixel_model wrote (InvalidInput for a missing, foreign or damaged file).
PixelRun load_pixel_model(const std::string& path);
/// "noether.pixel-model": the kind of model_file_kind() (checkpoint.hpp) a pixel model file has.
const char* pixel_file_kind();

struct PixelEvaluation {
  double test_loss = 0.0;       ///< the training loss over every test pair
  double reconstruction_mse = 0.0, canonical_mse = 0.0, field_mse = 0.0;  ///< its three terms
  /// The paper's energy MSE: each test swing is encoded at its first observation and rolled out
  /// in the latent space (RK4, 4 steps a frame) for the swing's length; a linear read-out fitted
  /// on the train swings maps latents to (theta, theta'), and the mean square difference between
  /// the gym pendulum's energy there and along the true swing is reported.
  double energy_mse = 0.0;
  double state_mse = 0.0;            ///< the read-out's (theta, theta') against the truth, same rollouts
  double rollout_pixel_mse = 0.0;    ///< decoded rollout frames against the true frames
  double readout_mse = 0.0;          ///< the read-out on the encoded test observations (how linear the latents are)
  /// HNN only: max over the rollouts of |H(z_t) - H(z_0)| / (max H - min H over the encoded test
  /// set): the learned energy along the model's own rollouts (-1 for the baseline).
  double latent_energy_drift = -1.0;
  int64_t swings = 0, frames = 0;
  /// Frames of the first test swing: true (row 0) and decoded from the rollout (row 1), every
  /// `film_every`-th frame, for people to look at.
  std::vector<Image> film_true, film_predicted;
};

/// On the model's device.
PixelEvaluation evaluate_pixel_model(PixelModelImpl& model, const PixelDataSet& data, int film_frames = 10);

}  // namespace noether::physics
