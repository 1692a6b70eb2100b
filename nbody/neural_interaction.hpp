// nbody/neural_interaction.hpp: the torch side of the learned interaction term: the pair network
// as a torch module, trajectory data, training (pointwise and rollout losses), versioned
// checkpoints, and the hand-over to the torch-free kick of nbody/learned_interaction.hpp.
//
//   auto data = noether::nbody::sample_trajectory(sys, truth, {.dt = 0.01, .every = 5, .samples = 2000});
//   auto model = noether::nbody::new_residual_model(config, data);       // scales from the data
//   noether::nbody::train_residual(model, data, options);
//   noether::nbody::save_residual_model(model, "gr.pt");                 // + gr.pt.json sidecar
//   auto kick = noether::nbody::make_learned_kick(noether::nbody::load_residual_model("gr.pt"));
//   noether::nbody::WisdomHolman wh(sys, wh_options, kick);
//
// Only this file (and its .cpp) includes torch; it is compiled into noether::nbody_neural.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "nbody/interaction.hpp"
#include "noether/json_codec.hpp"
#include "nbody/learned_interaction.hpp"
#include "nbody/system.hpp"

namespace noether::nbody {

struct PairPotentialConfig {
  ResidualMode mode = ResidualMode::residual;
  int64_t hidden = 32;
  int64_t layers = 2;
  /// Adds |v_i - v_j|^2 as a third input: the momentum-dependent form of the NIH paper, whose
  /// kick is not symplectic. For comparison only; the WH kick refuses it.
  bool velocity_input = false;
  double length_scale = 1.0;
  double energy_scale = 1.0;
  double velocity_scale = 1.0;
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};
NOETHER_JSON_ENUM(ResidualMode, to_string, residual_mode_from_string)
NOETHER_JSON(PairPotentialConfig, mode, hidden, layers, velocity_input, length_scale, energy_scale, velocity_scale)

/// The pair MLP f(L/r, (m_i+m_j)/M [, |dv|^2/s^2]) and the pair-sum energy built on it (see
/// nbody/learned_interaction.hpp for the formula). float64.
struct PairPotentialImpl : torch::nn::Module {
  explicit PairPotentialImpl(const PairPotentialConfig& config);
  /// features [P, k] -> f [P].
  torch::Tensor forward(const torch::Tensor& features);
  /// H_theta of B configurations: X, V [B, n, 3], masses m [n]; the pairs `skip` leaves; -> [B].
  torch::Tensor energy(const torch::Tensor& X, const torch::Tensor& V, const torch::Tensor& m, double G,
                       SkippedPairs skip);
  /// Accelerations -(1/m_i) dH_theta/dX_i [B, n, 3] by autograd (create_graph for training).
  torch::Tensor accelerations(const torch::Tensor& X, const torch::Tensor& V, const torch::Tensor& m, double G,
                              SkippedPairs skip, bool create_graph);
  /// The same network on plain doubles (bitwise the same weights).
  PairMlp to_plain() const;
  const PairPotentialConfig& config() const { return config_; }

  PairPotentialConfig config_;
  torch::nn::Sequential net_{nullptr};
};
TORCH_MODULE(PairPotential);

/// Observed trajectory of a system: times t [T], inertial positions X and velocities V [T, n, 3]
/// and the true accelerations A [T, n, 3] at those states; masses m [n]. float64.
struct ResidualData {
  static constexpr int64_t kFormatVersion = 1;
  std::string description;
  double G = 1.0;
  torch::Tensor m, t, X, V, A;
  /// "observed" (A given with the data) or "finite differences" (A estimated from V).
  std::string acceleration_source = "observed";
  int64_t size() const { return t.size(0); }
  double span() const;
  /// Throws InvalidInput naming the inconsistent field.
  void validate() const;
};

struct SampleOptions {
  double dt = 0.0;    ///< integration step of the truth (Wisdom-Holman, corrector 17)
  long every = 1;     ///< steps between samples
  long samples = 0;   ///< samples, the first at the system's time
  void validate() const;
};
/// Integrates `system` with the `truth` interaction (Wisdom-Holman, Jacobi, corrector 17) and
/// samples states and accelerations.
ResidualData sample_trajectory(const PlanetarySystem& system, const std::shared_ptr<const InteractionKick>& truth,
                               const SampleOptions& options, const std::string& description = "");
/// torch.save-compatible dict (Python: torch.load(path)): X, V, A, t, m, G, description;
/// with_accelerations = false leaves A out (observations of positions and velocities only).
void save_residual_data(const ResidualData& d, const std::string& path, bool with_accelerations = true);
/// Throws InvalidInput naming the file and what is wrong with it. A file without A gets the
/// accelerations from the velocities (accelerations_from_velocities: 3 samples fewer at each end).
ResidualData load_residual_data(const std::string& path);
/// Replaces d.A by the sixth-order central difference of d.V over equally spaced times, dropping
/// the 3 samples at each end (error ~ (omega h)^6 / 140 relative for orbital frequency omega).
/// Throws InvalidInput for fewer than 8 samples or unequal spacing.
void accelerations_from_velocities(ResidualData& d);

struct ResidualTrainOptions {
  int64_t steps = 2000;
  double learning_rate = 3e-3;
  int64_t batch_size = 0;  ///< samples per step; 0: all
  /// Rollout (quadrature) loss through Wisdom-Holman in torch: windows of this many samples
  /// (0: pointwise loss only), `rollout_substeps` WH steps per sample spacing, `rollout_batch`
  /// windows per step, weight against the pointwise loss.
  int64_t rollout_samples = 0;
  int64_t rollout_substeps = 4;
  int64_t rollout_batch = 8;
  double rollout_weight = 1.0;
  uint64_t seed = 0;
  bool progress = false;
  std::string checkpoint;        ///< saved every checkpoint_every steps and at the end, if set
  int64_t checkpoint_every = 0;
  void validate() const;
};
// What a model file records of its training.
NOETHER_JSON(ResidualTrainOptions, learning_rate, batch_size, rollout_samples, rollout_substeps, rollout_batch,
             rollout_weight, seed)

struct ResidualTrainSummary {
  /// Mean over bodies of |A_theta - target|^2 / (that body's mean |target|^2): 1 = predicting 0.
  double pointwise_loss = 0.0;
  /// Position MSE of the rollouts over that of the model at the start of the call (0 if unused).
  double rollout_loss = 0.0;
  double relative_error = 0.0;  ///< RMS error of the learned accelerations / RMS of their targets
  int64_t steps = 0;            ///< total steps of the model
  double wall_seconds = 0.0;
};

/// A trained (or fresh) model with its provenance: what a checkpoint holds.
struct ResidualModel {
  PairPotential net{nullptr};
  int64_t step = 0;
  std::string data_description;
  double train_span = 0.0;  ///< time span of the training data
  double G = 1.0;
  ResidualTrainOptions options;
};

/// A fresh network seeded with `seed`; length, energy (and velocity) scales taken from `data`.
ResidualModel new_residual_model(PairPotentialConfig config, const ResidualData& data, uint64_t seed);
/// The accelerations the network must produce on `data`: residual: A - Newtonian (all pairs);
/// replacement: A - Newtonian of the pair the Jacobi Kepler drift holds.
torch::Tensor residual_targets(const ResidualData& data, ResidualMode mode);
/// Adam (learning rate decayed by a cosine to 1% over the call) on the pointwise loss, plus the
/// rollout loss if options.rollout_samples > 0.
/// `on_step(step, loss)` is called after every step if given.
ResidualTrainSummary train_residual(ResidualModel& model, const ResidualData& data, const ResidualTrainOptions& o,
                                    const std::function<void(int64_t, double)>& on_step = {});

/// Wisdom-Holman (Jacobi, standard kernel, no corrector, synchronised after every step) in torch
/// with the model's kick: B states X0, V0 [B, n, 3] advanced `steps` steps of dt; returns the
/// positions after each step [steps, B, n, 3]. Differentiable in the network's weights (the Kepler
/// drift's root is found without autograd, then one differentiable Newton step carries the
/// derivatives). The drift's Stumpff series assume |dt| well below an orbital period.
torch::Tensor torch_wisdom_holman(PairPotentialImpl& net, const torch::Tensor& m, double G, const torch::Tensor& X0,
                                  const torch::Tensor& V0, double dt, int64_t steps);

/// Checkpoint: torch archive with a metadata string (format_version, architecture, training
/// settings) and the weights; a JSON sidecar PATH.json with the same metadata. Atomic writes.
void save_residual_model(const ResidualModel& model, const std::string& path);
/// Reads the architecture first, builds the network, then loads the weights; throws InvalidInput
/// for a file that is not a residual model, an unknown format_version or weights that do not fit.
ResidualModel load_residual_model(const std::string& path);

/// The torch-free Wisdom-Holman kick of a positions-only model.
std::shared_ptr<const LearnedInteraction> make_learned_kick(const ResidualModel& model);

}  // namespace noether::nbody
