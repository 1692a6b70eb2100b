// physics/learning/trainer.hpp: the one training loop every learned model of noether uses.
//
//   TrainerOptions o;  o.steps = 2000;  o.learning_rate = 1e-3;  o.schedule = Schedule::kCosine;
//   Trainer trainer(model->parameters(), o);                   // validates o, builds Adam / AdamW
//   TrainerHooks hooks;
//   hooks.evaluate = [&] { return test_loss(); };              // every o.eval_every steps
//   hooks.checkpoint = [&] { save(model, "m.pt"); };           // every o.checkpoint_every steps
//   TrainerResult r = trainer.run([&](int64_t step) {          // one minibatch's loss
//     return StepLoss{loss_on(batch(step))};
//   }, hooks);
//
// Per step: zero the gradients, call the loss (it may fill the gradients itself and say so),
// backward, clip, one optimiser step at the scheduled learning rate, update the moving average of
// the weights, then evaluation, progress and checkpoint when due. A non-finite loss stops the run
// with NumericalError naming the step. The hooks see the averaged weights when `ema` is on, and
// the run ends with them in place. What a module needs beyond this (its data, batches and
// losses, its model files) stays in the module; the loop, the schedules, EMA, clipping, early
// stopping and progress live here once.
//
// Under torchrun (physics/learning/distributed.hpp) the same loop is data-parallel: each run()
// starts from rank 0's weights, every rank's loss callback takes its own part of the step's batch
// (Distributed::local_rows) and says which share of it that is, the gradients are summed with
// those weights while the backward pass runs (GradientReducer), and so is the reported loss: the
// gradient and loss of the whole batch, as one process would have them. Every rank then takes the same
// optimiser step, so the weights stay identical; only rank 0 draws progress and calls the
// checkpoint hook.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace noether::physics {

class Distributed;
class GradientReducer;

enum class OptimizerKind { kAdam, kAdamW };
/// kConstant: lr; kCosine: lr (f + (1 - f) (1 + cos(pi s / S)) / 2), from lr down to f lr;
/// kExponential: lr f^(s / (S - 1)), geometrically from lr to f lr; s the step of the run, S its
/// steps, f = final_fraction.
enum class Schedule { kConstant, kCosine, kExponential };
/// "adam", "adamw"; "constant", "cosine", "exponential". The parsers throw InvalidInput naming
/// the known values.
const char* optimizer_name(OptimizerKind kind);
OptimizerKind parse_optimizer(const std::string& name);
const char* schedule_name(Schedule schedule);
Schedule parse_schedule(const std::string& name);

struct TrainerOptions {
  int64_t steps = 1000;          ///< optimiser steps of one run() call
  double learning_rate = 1e-3;
  double weight_decay = 0.0;     ///< Adam: L2 term in the gradient; AdamW: decoupled decay
  OptimizerKind optimizer = OptimizerKind::kAdam;
  Schedule schedule = Schedule::kConstant;
  double final_fraction = 0.0;   ///< f of the schedules (kExponential needs f > 0)
  double clip_grad_norm = 0.0;   ///< > 0: the gradients' global norm is clipped to this
  double ema = 0.0;              ///< in [0, 1): > 0 keeps a moving average of the weights
  int64_t eval_every = 0;        ///< > 0: hooks.evaluate every so many steps and after the last
  int64_t checkpoint_every = 0;  ///< > 0: hooks.checkpoint every so many steps; always after the last
  int64_t patience = 0;          ///< > 0: stop after this many evaluations without improvement
  bool progress = false;         ///< progress bar on stderr (terminals only)
  std::string label = "train";   ///< names the run in the progress bar and in errors
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};

/// What the loss callback returns for one step.
struct StepLoss {
  torch::Tensor objective;  ///< scalar to minimise (backward() is called on it)
  /// The loss to report (progress, history, divergence check); NaN: objective's value.
  double value = std::numeric_limits<double>::quiet_NaN();
  /// The callback filled the parameters' gradients itself (a hand-derived gradient); no backward.
  bool gradients_ready = false;
  /// Under torchrun: the fraction of the step's whole batch this rank's objective is the mean
  /// over (its rows / all rows); the ranks' gradients and losses are summed with these weights.
  /// < 0: equal parts (1 / world size).
  double share = -1.0;
};

/// A generator for step `step`'s minibatch, seeded from (seed, step) alone: a run resumed at any
/// step draws the batches an uninterrupted one would.
at::Generator batch_generator(uint64_t seed, int64_t step);

/// `step`: the trainer's step count before this step (continues across runs and resumes).
using LossFn = std::function<StepLoss(int64_t step)>;

struct TrainerHooks {
  std::function<double()> evaluate;    ///< validation figure, lower is better
  std::function<void()> checkpoint;    ///< save the model (and the trainer's state)
  std::function<void(int64_t step, double loss)> on_step;  ///< after every step (step counts from 1)
  /// Progress text after the counts; default "loss L" (and "eval E" once evaluated).
  std::function<std::string(int64_t step, double loss)> status;
};

struct TrainerPoint {
  int64_t step;       ///< the trainer's step count at the evaluation
  double train_loss;  ///< the loss of that step
  double eval;        ///< hooks.evaluate()
};

struct TrainerResult {
  int64_t steps = 0;            ///< steps taken by this run
  double last_loss = 0.0;       ///< the last step's reported loss
  double mean_loss = 0.0;       ///< mean reported loss over the run's steps
  std::vector<TrainerPoint> history;
  double best_eval = std::numeric_limits<double>::infinity();
  int64_t best_step = 0;
  bool stopped_early = false;   ///< patience ran out
  double seconds = 0.0;         ///< wall time of the steps (hooks included)
  /// Under torchrun: seconds waiting for the gradients' sums after the backward passes (the
  /// communication not hidden behind computation); 0 on one process.
  double communication_seconds = 0.0;
};

class Trainer {
 public:
  /// Validates the options and builds the optimiser over `parameters`. Weight decay applies to
  /// all of them but those also listed in `undecayed` (a model's physical constants, such as
  /// learned masses: a pull toward zero would bias them, where it regularises a network).
  /// Data-parallel over `distributed` (default: Distributed::process(), one process unless
  /// launched by torchrun).
  Trainer(std::vector<torch::Tensor> parameters, TrainerOptions options, std::vector<torch::Tensor> undecayed = {},
          const Distributed* distributed = nullptr);
  ~Trainer();

  /// options.steps more steps of `loss`.
  TrainerResult run(const LossFn& loss, const TrainerHooks& hooks = {});

  const TrainerOptions& options() const { return options_; }
  /// New settings for the next run (the optimiser's moments are kept; learning rate and weight
  /// decay take the new values). The optimiser kind cannot change.
  void set_options(const TrainerOptions& options);
  /// Steps taken over all runs (restored by load()).
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }

  /// Moves the optimiser's moments to `device`, after the model's parameters were moved there
  /// (module.to() keeps the parameters the optimiser holds, so only its state needs moving).
  void to(const torch::Device& device);

  /// The optimiser's state (moments and step counts), for checkpoints and resume.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

  /// The learning rate of step s of a run of `steps` steps under options o.
  static double learning_rate(const TrainerOptions& o, int64_t s, int64_t steps);

 private:
  void apply_hyperparameters(double lr);
  void swap_average();

  /// Weight decay, applied here rather than by the optimiser so that it can skip parameters
  /// (the optimiser's own decay is kept at 0): Adam's L2 term is added to the gradients before
  /// the step, AdamW's decoupled shrinking scales the weights before it, as torch's would.
  void apply_weight_decay();

  std::vector<torch::Tensor> parameters_;
  std::vector<torch::Tensor> decayed_;  ///< parameters_ less the undecayed ones
  double lr_ = 0.0;                     ///< the learning rate of the current step
  TrainerOptions options_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<torch::Tensor> average_;  // the moving average while a run with ema is going on
  int64_t step_ = 0;
  const Distributed* distributed_;
  std::unique_ptr<GradientReducer> reducer_;
};

}  // namespace noether::physics
