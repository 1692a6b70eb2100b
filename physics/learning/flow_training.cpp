#include "physics/learning/flow_training.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/device.hpp"
#include "physics/learning/distributed.hpp"

namespace noether::physics {

using nlohmann::json;

namespace {
// Version 2 (session 19): the base is a mixture, its parameters [K, 2], [K, 2] and [K].
const CheckpointFormat kFormat{"noether.flow-model", 2, "flow model"};

TrainerOptions trainer_options(const FlowTrainOptions& o) {
  TrainerOptions t;
  t.steps = o.steps;
  t.learning_rate = o.learning_rate;
  t.schedule = Schedule::kCosine;
  t.final_fraction = 0.1;
  t.eval_every = o.eval_every;
  t.checkpoint_every = o.checkpoint.empty() ? 0 : o.checkpoint_every;
  t.progress = o.progress;
  t.label = "train-flow";
  return t;
}

double mean_log_prob(FlowModelImpl& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  for (int64_t start = 0; start < x.size(0); start += 4096) {
    const int64_t len = std::min<int64_t>(4096, x.size(0) - start);
    sum += model.log_prob(x.narrow(0, start, len)).sum().item<double>();
  }
  return sum / static_cast<double>(x.size(0));
}
}  // namespace

const char* flow_file_kind() { return kFormat.kind.c_str(); }

void FlowTrainOptions::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("flow training: " + what); };
  if (samples < 2 || test_samples < 1) throw bad("samples must be >= 2 and test_samples >= 1");
  if (steps < 0) throw bad("steps must be >= 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) throw bad("learning_rate must be finite and > 0");
  if (batch_size < 1) throw bad("batch_size must be >= 1");
  if (eval_every < 0 || checkpoint_every < 0) throw bad("eval_every and checkpoint_every must be >= 0");
}

torch::Tensor flow_data(const FlowTrainOptions& o, bool test) {
  // The test points are a second stream of the same seed.
  const uint64_t seed = o.data_seed * 2 + (test ? 1 : 0);
  return sample_density(o.density, test ? o.test_samples : o.samples, seed).to(torch::kFloat32);
}

FlowRun new_flow_run(const FlowConfig& config, const FlowTrainOptions& options) {
  config.validate();
  options.validate();
  torch::manual_seed(options.seed);
  FlowRun run;
  run.model = make_flow(config);
  run.model->to(options.device);
  run.options = options;
  run.trainer = std::make_unique<Trainer>(run.model->parameters(), trainer_options(options));
  return run;
}

FlowTrainSummary train_flow(FlowRun& run, const FlowTrainOptions& o) {
  o.validate();
  const auto train = flow_data(o, false).to(o.device), test = flow_data(o, true).to(o.device);
  run.options = o;
  run.trainer->set_options(trainer_options(o));
  auto& model = *run.model;
  model.to(o.device);
  run.trainer->to(o.device);
  TrainerHooks hooks;
  hooks.evaluate = [&] { return -mean_log_prob(model, test); };
  hooks.status = [](int64_t, double loss) { return "log p " + std::to_string(-loss); };
  if (!o.checkpoint.empty()) hooks.checkpoint = [&] { save_flow(run, o.checkpoint); };
  const int64_t batch = std::min(o.batch_size, train.size(0));
  const TrainerResult r = run.trainer->run(
      [&](int64_t step) {
        // Under torchrun each rank takes its part of the step's samples.
        const auto [idx, share] = Distributed::process().split_batch(
            torch::randint(train.size(0), {batch}, batch_generator(o.seed, step), torch::kLong));
        return StepLoss{-model.log_prob(train.index_select(0, idx.to(o.device))).mean(), std::numeric_limits<double>::quiet_NaN(),
                        false, share};
      },
      hooks);
  FlowTrainSummary s;
  s.steps = run.step();
  s.steps_this_call = r.steps;
  s.seconds_per_step = r.steps > 0 ? r.seconds / static_cast<double>(r.steps) : 0.0;
  s.train_log_likelihood = mean_log_prob(model, train);
  s.test_log_likelihood = mean_log_prob(model, test);
  return s;
}

void save_flow(const FlowRun& run, const std::string& path) {
  torch::serialize::OutputArchive root;
  write_model_state(root, *run.model, run.trainer.get());
  const auto& o = run.options;
  json meta;
  meta["model"] = flow_kind_name(run.model->config().kind);
  meta["config"] = run.model->config();
  meta["step"] = run.step();
  meta["parameters"] = run.model->parameter_count();
  meta["data"] = {{"density", density_name(o.density)}, {"samples", o.samples}, {"test_samples", o.test_samples},
                  {"seed", o.data_seed}};
  meta["training"] = {{"learning_rate", o.learning_rate}, {"batch_size", o.batch_size}, {"seed", o.seed}};
  write_checkpoint(root, meta, path, kFormat);
}

FlowRun load_flow(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = read_checkpoint(root, path, kFormat);
  const std::string what = "flow model '" + path + "'";
  return read_model_parts(what, [&] {
    FlowRun run;
    const auto config = from_json_checked<FlowConfig>(meta.at("config"), what);
    auto& o = run.options;
    o.density = parse_density(meta.at("data").at("density").get<std::string>());
    o.samples = meta.at("data").at("samples").get<int64_t>();
    o.test_samples = meta.at("data").at("test_samples").get<int64_t>();
    o.data_seed = meta.at("data").at("seed").get<uint64_t>();
    o.learning_rate = meta.at("training").at("learning_rate").get<double>();
    o.batch_size = meta.at("training").at("batch_size").get<int64_t>();
    o.seed = meta.at("training").at("seed").get<uint64_t>();
    o.validate();
    run.model = make_flow(config);
    run.trainer = std::make_unique<Trainer>(run.model->parameters(), trainer_options(o));
    read_model_state(root, *run.model, run.trainer.get(), meta.at("step").get<int64_t>());
    return run;
  });
}

FlowEvaluation evaluate_flow(FlowModelImpl& model, const FlowTrainOptions& o) {
  FlowEvaluation e;
  const torch::Device device = device_of(model);
  const auto points = flow_data(o, true), test = points.to(device);
  e.log_likelihood = mean_log_prob(model, test);
  e.train_log_likelihood = mean_log_prob(model, flow_data(o, false).to(device));
  e.true_log_likelihood = o.density == Density::kGaussianMixture
                              ? density_log_prob(o.density, points.to(torch::kFloat64)).mean().item<double>()
                              : std::numeric_limits<double>::quiet_NaN();
  e.parameters = model.parameter_count();
  // The map's Jacobian at 64 test points, by autograd in float64 (the model is put back after).
  const auto dtype = model.parameters().front().scalar_type();
  model.to(torch::kFloat64);
  const auto x = test.narrow(0, 0, std::min<int64_t>(64, test.size(0))).to(torch::kFloat64).requires_grad_(true);
  const auto z = model.to_base(x);
  const auto dz0 = torch::autograd::grad({z.select(1, 0).sum()}, {x}, {}, true)[0];
  const auto dz1 = torch::autograd::grad({z.select(1, 1).sum()}, {x})[0];
  const auto det = dz0.select(1, 0) * dz1.select(1, 1) - dz0.select(1, 1) * dz1.select(1, 0);
  e.max_abs_log_det = det.abs().log().abs().max().item<double>();
  model.to(dtype);
  return e;
}

std::vector<float> density_image(FlowModelImpl& model, int size, double extent) {
  torch::NoGradGuard no_grad;
  const auto axis = torch::linspace(-extent, extent, size, torch::TensorOptions(torch::kFloat32).device(device_of(model)));
  const auto grid = torch::meshgrid({axis.flip(0), axis}, "ij");  // rows: y from the top
  const auto pts = torch::stack({grid[1].reshape(-1), grid[0].reshape(-1)}, 1);
  auto density = torch::exp(model.log_prob(pts));
  density = density / density.max().clamp_min(1e-30);
  const auto d = density.to(torch::kCPU).contiguous();
  return std::vector<float>(d.data_ptr<float>(), d.data_ptr<float>() + d.numel());
}

}  // namespace noether::physics
