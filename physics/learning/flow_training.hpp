// physics/learning/flow_training.hpp: fitting a normalising flow (physics/models/flow.hpp) to a
// 2-D density by maximum likelihood on the shared Trainer, its model files and its figures.
//
//   FlowTrainOptions o;  o.density = Density::kTwoMoons;
//   FlowRun run = new_flow_run(FlowConfig{}, o);             // data drawn from o.data_seed
//   FlowTrainSummary s = train_flow(run, o);                  // minibatches of -log p
//   save_flow(run, "flow.pt");  FlowEvaluation e = evaluate_flow(*load_flow("flow.pt").model, ...);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "physics/learning/densities.hpp"
#include "physics/learning/trainer.hpp"
#include "physics/models/flow.hpp"

namespace noether::physics {

struct FlowTrainOptions {
  Density density = Density::kTwoMoons;
  int64_t samples = 10000;       ///< training points
  int64_t test_samples = 5000;   ///< held-out points (another stream of the same seed)
  uint64_t data_seed = 0;
  int64_t steps = 4000;
  double learning_rate = 3e-3;
  int64_t batch_size = 256;
  uint64_t seed = 0;             ///< weights and batches
  int64_t eval_every = 200;
  bool progress = false;
  std::string checkpoint;
  int64_t checkpoint_every = 0;
  torch::Device device = torch::kCPU;  ///< where the model and the points go (physics/learning/device.hpp)
  void validate() const;
};

struct FlowRun {
  std::shared_ptr<FlowModelImpl> model;
  std::unique_ptr<Trainer> trainer;
  FlowTrainOptions options;
  int64_t step() const { return trainer ? trainer->step() : 0; }
};

struct FlowTrainSummary {
  double train_log_likelihood = 0.0, test_log_likelihood = 0.0;  ///< mean log p, nats per point
  int64_t steps = 0, steps_this_call = 0;
  double seconds_per_step = 0.0;
};

/// The data of options: train (false) or test (true) points [N, 2] float32.
torch::Tensor flow_data(const FlowTrainOptions& options, bool test);

/// A fresh flow (seeded with options.seed, on options.device) and its Adam.
FlowRun new_flow_run(const FlowConfig& config, const FlowTrainOptions& options);
/// options.steps more steps of Adam on minibatches of -mean log p (cosine decay to 1/10 of the
/// rate), on options.device (the model, its optimiser and the points move there).
FlowTrainSummary train_flow(FlowRun& run, const FlowTrainOptions& options);
void save_flow(const FlowRun& run, const std::string& path);
FlowRun load_flow(const std::string& path);
/// "noether.flow-model": the kind of model_file_kind() a flow file has.
const char* flow_file_kind();

struct FlowEvaluation {
  double log_likelihood = 0.0;        ///< mean log p over the test points
  double train_log_likelihood = 0.0;
  /// The true density's mean log p over the same test points (gaussian-mixture; NaN otherwise):
  /// the best any model can do there, on average.
  double true_log_likelihood = 0.0;
  /// max |log |det d(to_base)/dx|| over 64 test points, the Jacobian by autograd in float64: 0
  /// to round-off for the Hamiltonian flow, whatever it learned.
  double max_abs_log_det = 0.0;
  int64_t parameters = 0;
};

/// On the model's device.
FlowEvaluation evaluate_flow(FlowModelImpl& model, const FlowTrainOptions& options);

/// The flow's density on a size x size grid over [-extent, extent]^2 (row 0 at the top), each
/// value exp(log p) / max: an image for people to look at.
std::vector<float> density_image(FlowModelImpl& model, int size, double extent);

}  // namespace noether::physics
