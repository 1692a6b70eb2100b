// physics/learning/training.hpp: fitting a learned model to trajectory data, with checkpoints and resume.
//
//   auto data = generate_dataset(*system, system->protocol(), 0);
//   TrainingRun run = new_run(config, options, data);        // model + Adam
//   TrainSummary s = train(run, data, options);               // progress bar, history
//   save_checkpoint(run, "model.pt");                         // + model.pt.json sidecar
//   TrainingRun again = load_checkpoint("model.pt");          // config first, then weights
//
// Losses: "pointwise" (derivative matching; the HNN papers), "rollout" (RK4 or leapfrog through
// each trajectory; SRNN), "weak" (test functions, no derivatives needed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "integrators/registry.hpp"
#include "physics/learning/dataset.hpp"
#include "physics/learning/losses.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/trainer.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

/// How a model is fitted to trajectories: derivative matching, rollouts through a scheme, or the
/// weak form (physics/learning/losses.hpp).
enum class LossKind { kPointwise, kRollout, kWeak };
/// "pointwise", "rollout", "weak".
const char* loss_kind_name(LossKind kind);
/// Throws InvalidInput naming the known losses.
LossKind parse_loss_kind(const std::string& name);
NOETHER_JSON_ENUM(LossKind, loss_kind_name, parse_loss_kind)

struct TrainOptions {
  int64_t steps = 2000;
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;   ///< Adam's L2 penalty (as in the HNN code); AdamW's decoupled decay
  OptimizerKind optimizer = OptimizerKind::kAdam;
  /// Over each train() call's steps; kCosine ends at final_fraction of the rate (CHNN's protocol:
  /// AdamW with a cosine decay to 0).
  Schedule schedule = Schedule::kConstant;
  double final_fraction = 0.0;
  double clip_grad_norm = 0.0;  ///< > 0: the gradients' global norm is clipped to this each step
  int64_t batch_size = 0;       ///< samples per step; 0 = full batch
  uint64_t seed = 0;            ///< weights and minibatch order
  LossKind loss = LossKind::kPointwise;
  /// For the rollout loss: a fixed-step scheme (leapfrog and the other separable ones need a
  /// separable model).
  integrators::Scheme integrator = integrators::Scheme::kRk4;
  int64_t rollout_steps = 0;    ///< rollout window (samples - 1); 0 = whole trajectories
  /// Windowed losses (rollout, weak, with rollout_steps > 0): windows drawn per step, each at its
  /// own random start (in a random trajectory when there are several). GHNN's protocol takes 80
  /// windows of one trajectory a step; 1 is one start for the whole batch of trajectories.
  int64_t windows = 1;
  int64_t test_functions = 8;   ///< for the weak loss
  TestFunction test_function = TestFunction::kSine;  ///< for the weak loss: sines or Gaussian RBFs
  /// Gaussian test functions' shape eps in exp(-eps^2 (t - c)^2); 0: as wide as their spacing, at
  /// least two samples (see weak_form_loss).
  double rbf_shape = 0.0;
  int64_t eval_every = 100;     ///< test loss every this many steps (history)
  bool progress = false;        ///< progress bar on stderr (terminal only)
  std::string checkpoint;       ///< if set: saved every checkpoint_every steps and at the end
  int64_t checkpoint_every = 0;
  torch::Dtype dtype = torch::kFloat32;
  /// Use the hand-derived HNN gradient (physics/models/fused_hnn.hpp) for the pointwise loss of tanh
  /// HNNs on the CPU; the same numbers as autograd, without its graph.
  bool fused = true;
  /// Throws InvalidInput naming the bad field.
  void validate() const;
  /// The shared trainer's settings for these options.
  TrainerOptions trainer_options() const;
};
// What a model file records of its training (the rest are settings of one run).
NOETHER_JSON_ENUM(OptimizerKind, optimizer_name, parse_optimizer)
NOETHER_JSON_ENUM(Schedule, schedule_name, parse_schedule)
NOETHER_JSON(TrainOptions, learning_rate, weight_decay, batch_size, seed, loss, integrator, rollout_steps,
             test_functions, dtype, test_function, optimizer, schedule, final_fraction, clip_grad_norm, windows,
             rbf_shape)

struct TrainPoint {
  int64_t step;
  double train_loss;
  double test_loss;
};

struct TrainSummary {
  double train_loss = 0.0;  ///< loss on the training set after the last step
  double test_loss = 0.0;   ///< pointwise derivative MSE on the test set
  int64_t steps = 0;        ///< total optimisation steps of the run (including resumed ones)
  int64_t steps_this_call = 0;
  double seconds_per_step = 0.0;
  double wall_seconds = 0.0;
  std::vector<TrainPoint> history;
};

/// A model, its trainer (optimiser state, step count) and where training stands: what a
/// checkpoint holds.
struct TrainingRun {
  std::shared_ptr<DynamicsModelImpl> model;
  std::unique_ptr<Trainer> trainer;
  /// Optimisation steps taken so far (over resumes).
  int64_t step() const { return trainer ? trainer->step() : 0; }
  std::string system;           ///< the data's system, for evaluation
  DataProtocol protocol;        ///< the data's protocol and seed, to regenerate it
  uint64_t data_seed = 0;
  /// Where the data came from: "generated" (the system's sampler), "grid" (the damped-spring
  /// grid) or "lipson:PATH" (a measured file).
  std::string data_source = "generated";
  TrainOptions options;         ///< the settings of the last training call
};

/// A fresh model (seeded with options.seed) and optimiser for `data`.
TrainingRun new_run(const ModelConfig& config, const TrainOptions& options, const DataSet& data);

/// Rebuilds the data set a run was trained on from its recorded source (deterministic).
DataSet reload_data(const TrainingRun& run);

/// Runs options.steps more steps of Adam on `data` (resuming from run.step()), through the
/// shared Trainer.
TrainSummary train(TrainingRun& run, const DataSet& data, const TrainOptions& options);


/// Writes model, optimiser state, step, config and data provenance atomically, plus a JSON
/// sidecar `path + ".json"` a person can read.
void save_checkpoint(const TrainingRun& run, const std::string& path);

/// Reads a checkpoint: the config first, then a model of that architecture, then its weights.
/// Throws InvalidInput for a missing or foreign file or an unknown format_version.
TrainingRun load_checkpoint(const std::string& path);

/// Loads a checkpoint's weights into an existing model; throws InvalidInput, naming both
/// architectures, when the checkpoint holds a different one (torch::load alone would accept it).
void load_weights_into(DynamicsModelImpl& model, const std::string& path);

/// SRNN's test-time initial-state optimisation: starting from the first noisy observation,
/// adjusts x0 [B, 2D] by Adam (`iterations` steps, learning rate `lr`) so that the model's
/// rollout through `integrator` matches `observed` [T, B, 2D] (sampled every dt) in mean square;
/// the model's weights stay fixed. Returns the optimised x0 (detached).
torch::Tensor optimize_initial_state(const std::shared_ptr<DynamicsModelImpl>& model,
                                     const torch::Tensor& observed, double dt,
                                     integrators::Scheme integrator, int iterations = 200,
                                     double lr = 1e-2);

/// The data set's trajectories as [points, trajectories, 2D] (train or test part).
torch::Tensor trajectories(const DataSet& data, bool test);

}  // namespace noether::physics
