// physics/pixels/hgn.hpp: the Hamiltonian Generative Network (Toth et al. 2019) and the same
// network with an unstructured latent ODE, generative models of the frames of physics/pixels/
// hgn_data.hpp (issue 18), trained on the shared Trainer.
//
//   HgnConfig c;  c.dynamics = LatentDynamics::kHamiltonian;   // or kOde: the paper's ODE baseline
//   HgnRun run = new_hgn_run(c, HgnTrainOptions{}, data.protocol);
//   train_hgn(run, data, options);                              // progress bar, checkpoints
//   HgnEvaluation e = evaluate_hgn(*run.model, data);           // rollouts over the test horizon
//
// The model: an encoder reads the first `input_frames` frames of a sequence and gives a Gaussian
// posterior over the latent state z0 = (q, p) at the first frame; the latent state moves by one
// step of size dt per frame, and a decoder draws each frame from q alone.
//   hgn         H(q, p) = |p|^2 / 2 + K(p) + V(q), K and V two MLPs (physics/models/
//               separable.hpp), stepped by leapfrog: symplectic and time-reversible, so stepping
//               with -dt undoes a step exactly (to round-off), and any dt may be used at test time.
//   latent-ode  an MLP gives dz/dt directly (ModelKind::kBaseline), stepped by RK4.
// The encoder and decoder are residual MLPs (the pixel HNN's, physics/pixels/pixel_model.hpp):
// the paper's convolutional networks cost more than a 2-core machine trains in half an hour.
// The loss is the beta-weighted negative ELBO, per value: mean square error of the decoded frames
// over the whole sequence + kl_weight KL(posterior || N(0, I)) per sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/learning/trainer.hpp"
#include "physics/models/model.hpp"
#include "physics/pixels/hgn_data.hpp"
#include "physics/pixels/render.hpp"

namespace noether::physics {

enum class LatentDynamics { kHamiltonian, kOde };
/// "hgn", "latent-ode".
const char* latent_dynamics_name(LatentDynamics d);
/// InvalidInput naming the known models for another name.
LatentDynamics parse_latent_dynamics(const std::string& name);
/// True for "hgn" and "latent-ode".
bool is_hgn_model(const std::string& name);
NOETHER_JSON_ENUM(LatentDynamics, latent_dynamics_name, parse_latent_dynamics)

struct HgnConfig {
  LatentDynamics dynamics = LatentDynamics::kHamiltonian;
  int64_t frame_values = 32 * 32 * 3;  ///< values of one frame
  int64_t input_frames = 5;            ///< frames the encoder reads
  int64_t dof = 2;                     ///< q and p have dof entries each
  int64_t hidden = 256;                ///< encoder and decoder width (ReLU, residual)
  int64_t dynamics_hidden = 128;       ///< the latent dynamics' MLPs (tanh, 2 hidden layers)
  double dt = 0.125;                   ///< the latent step of one frame
  double kl_weight = 1e-6;             ///< beta of the ELBO (per value, see the header)
  /// hgn: K(p) = |p|^2 / 2 + K_net(p). A constant mass matrix is a linear change of latent
  /// coordinates away from the identity, which the encoder and decoder absorb, so this loses
  /// nothing for the paper's systems; without it K_net starts nearly flat, q barely moves, and the
  /// decoder settles for each swing's average frame.
  bool unit_mass = true;
  void validate() const;
};
NOETHER_JSON(HgnConfig, dynamics, frame_values, input_frames, dof, hidden, dynamics_hidden, dt, kl_weight, unit_mass)

struct HgnLoss {
  torch::Tensor total, reconstruction, kl;  ///< scalars; kl per sequence
};

class HgnModelImpl : public torch::nn::Module {
 public:
  explicit HgnModelImpl(HgnConfig config);
  const HgnConfig& config() const { return config_; }
  /// The posterior of z0 from frames [B, >= input_frames, values]: mean and log-variance [B, 2 dof].
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& frames);
  /// Frames [B, values] from q [B, dof] (a linear last layer, not clipped to [0, 1]: a sigmoid's
  /// flat tails stop the gradient that would light the few pixels a body covers).
  torch::Tensor decode(const torch::Tensor& q);
  /// One latent step of size dt (negative: backwards) of z [B, 2 dof].
  torch::Tensor step(const torch::Tensor& z, double dt, bool create_graph);
  /// z0 and `steps` steps of size dt: [B, steps + 1, 2 dof].
  torch::Tensor rollout(const torch::Tensor& z0, int64_t steps, double dt, bool create_graph);
  /// The learned H of z [..., 2 dof] (hgn only; InvalidInput for the latent ODE).
  torch::Tensor energy(const torch::Tensor& z);
  /// Decoded frames [B, T, values] of latent paths [B, T, 2 dof].
  torch::Tensor decode_path(const torch::Tensor& path);
  /// The loss of sequences [B, T, values]: z0 drawn from the posterior with `noise` [B, 2 dof]
  /// (standard normal; an undefined tensor uses the posterior mean), T - 1 steps of dt.
  HgnLoss loss(const torch::Tensor& frames, const torch::Tensor& noise);
  DynamicsModelImpl& dynamics() { return *dynamics_; }

 private:
  torch::Tensor residual_mlp(std::vector<torch::nn::Linear>& layers, const torch::Tensor& x);
  HgnConfig config_;
  std::vector<torch::nn::Linear> encoder_, decoder_;
  std::shared_ptr<DynamicsModelImpl> dynamics_;
};
TORCH_MODULE(HgnModel);

struct HgnTrainOptions {
  int64_t steps = 3000;
  double learning_rate = 1e-3;
  int64_t batch_size = 16;
  double clip_grad_norm = 1.0;
  /// Steps over which the frames a step learns from grow from input_frames + 1 to all (0: all
  /// from the start).
  int64_t horizon_ramp = 1000;
  uint64_t seed = 0;            ///< weights, batches and posterior draws
  int64_t eval_every = 200;     ///< test loss (first `frames` frames of the test swings)
  bool progress = false;
  std::string checkpoint;       ///< saved every checkpoint_every steps and at the end when set
  int64_t checkpoint_every = 0;
  torch::Device device = torch::kCPU;  ///< where the model and the data go (physics/learning/device.hpp)
  void validate() const;
};

struct HgnRun {
  HgnModel model{nullptr};
  std::unique_ptr<Trainer> trainer;
  HgnProtocol protocol;       ///< the data it learns from (regenerated on resume and evaluate)
  HgnTrainOptions options;
  int64_t step() const { return trainer ? trainer->step() : 0; }
};

struct HgnTrainSummary {
  double train_loss = 0.0;  ///< the loss (posterior means) over up to 200 training sequences
  double test_loss = 0.0;   ///< the same over the test swings' first `frames` frames
  int64_t steps = 0, steps_this_call = 0;
  double seconds_per_step = 0.0;
  std::vector<TrainerPoint> history;
};

/// A fresh model (seeded with options.seed, on options.device) and its Adam for data of `protocol`.
HgnRun new_hgn_run(const HgnConfig& config, const HgnTrainOptions& options, const HgnProtocol& protocol);
/// options.steps more steps on random minibatches of data.train, on options.device (the model,
/// its optimiser and a copy of the data move there; batches and noise are drawn as on the CPU).
HgnTrainSummary train_hgn(HgnRun& run, const HgnDataSet& data, const HgnTrainOptions& options);
/// Model, optimiser state, step, config and protocol, atomically, plus the JSON sidecar.
void save_hgn(const HgnRun& run, const std::string& path);
/// Reads a file save_hgn wrote (InvalidInput for a missing, foreign or damaged file).
HgnRun load_hgn(const std::string& path);
/// "noether.hgn-model": the kind of model_file_kind() (checkpoint.hpp) an HGN file has.
const char* hgn_file_kind();

struct HgnEvaluation {
  /// Mean square error of the decoded frames, from the posterior mean of each test swing's first
  /// input_frames frames, over the whole test horizon (test_horizon * frames frames) ...
  double reconstruction_mse = 0.0;
  double train_horizon_mse = 0.0;     ///< ... over the first `frames` frames (what training saw)
  double beyond_horizon_mse = 0.0;    ///< ... over the frames after them
  std::vector<double> mse_per_frame;  ///< ... frame by frame
  /// Time reversal: the rollout to the horizon's end, then as many steps of -dt back; the decoded
  /// frames of the way back against the true ones, and the largest |z back at t = 0 - z0| over
  /// the swings, relative to the largest |z0|.
  double reversal_mse = 0.0;
  double reversal_latent_error = 0.0;
  /// Stepping at dt / 2 (twice as many steps): decoded frames against the swings rendered every dt / 2.
  double half_dt_mse = 0.0;
  /// hgn: max over the swings of |H(z_t) - H(z_0)| over the rollout, relative to the spread of
  /// H(z0) over the swings (-1 for the latent ODE).
  double latent_energy_drift = -1.0;
  int64_t sequences = 0, frames = 0;
  /// Frames of the first test swing, every film_every-th: true and predicted.
  std::vector<Image> film_true, film_predicted;
};

/// On the model's device.
HgnEvaluation evaluate_hgn(HgnModelImpl& model, const HgnDataSet& data, int film_frames = 12);

}  // namespace noether::physics
