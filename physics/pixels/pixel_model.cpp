#include "physics/pixels/pixel_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/device.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/pixels/detail/residual.hpp"

namespace noether::physics {

using nlohmann::json;

namespace {
const CheckpointFormat kFormat{"noether.pixel-model", 1, "pixel model"};

torch::Tensor mse(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).pow(2).mean(); }
}  // namespace

// ---- Configuration ----------------------------------------------------------------------------

void PixelModelConfig::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("pixel model: " + what); };
  if (dynamics != ModelKind::kHnn && dynamics != ModelKind::kBaseline)
    throw bad(std::string("latent field '") + model_kind_name(dynamics) + "': use hnn or baseline");
  if (input < 1) throw bad("input must be >= 1");
  if (hidden < 1 || dynamics_hidden < 1) throw bad("hidden widths must be >= 1");
  if (latent < 2 || latent % 2 != 0) throw bad("latent = " + std::to_string(latent) + " must be even and >= 2");
  if (!(field_weight >= 0.0) || !std::isfinite(field_weight)) throw bad("field_weight must be finite and >= 0");
}

std::string PixelModelConfig::name() const { return dynamics == ModelKind::kHnn ? "pixel-hnn" : "pixel-baseline"; }

bool is_pixel_model(const std::string& name) { return name == "pixel-hnn" || name == "pixel-baseline"; }

ModelKind parse_pixel_model(const std::string& name) {
  if (name == "pixel-hnn") return ModelKind::kHnn;
  if (name == "pixel-baseline") return ModelKind::kBaseline;
  throw InvalidInput("unknown pixel model '" + name + "' (known: pixel-hnn, pixel-baseline)");
}

void PixelTrainOptions::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("pixel training: " + what); };
  if (steps < 0) throw bad("steps must be >= 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) throw bad("learning_rate must be finite and > 0");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) throw bad("weight_decay must be finite and >= 0");
  if (batch_size < 1) throw bad("batch_size must be >= 1");
  if (eval_every < 0 || checkpoint_every < 0) throw bad("eval_every and checkpoint_every must be >= 0");
}

// ---- The model --------------------------------------------------------------------------------

PixelModelImpl::PixelModelImpl(PixelModelConfig config) : config_(std::move(config)) {
  config_.validate();
  const int64_t in = config_.input, h = config_.hidden, z = config_.latent;
  const int64_t sizes[4][2] = {{in, h}, {h, h}, {h, h}, {h, z}};
  for (int k = 0; k < 4; ++k) {  // interleaved, as the figures of docs/benchmarks.md were drawn
    encoder_.push_back(register_module("encoder" + std::to_string(k), detail::orthogonal_linear(sizes[k][0], sizes[k][1])));
    decoder_.push_back(
        register_module("decoder" + std::to_string(k), detail::orthogonal_linear(sizes[3 - k][1], sizes[3 - k][0])));
  }
  ModelConfig field;
  field.kind = config_.dynamics;
  field.dof = z / 2;
  field.hidden = config_.dynamics_hidden;
  field.layers = 2;
  field.activation = "tanh";
  dynamics_ = register_module("dynamics", make_model(field));
}

torch::Tensor PixelModelImpl::encode(const torch::Tensor& x) {
  if (x.dim() != 2 || x.size(1) != config_.input)
    throw InvalidInput("pixel model: observations must be [B, " + std::to_string(config_.input) + "], got " +
                       c10::str(x.sizes()));
  return detail::residual_forward(encoder_, x);
}

torch::Tensor PixelModelImpl::decode(const torch::Tensor& z) { return detail::residual_forward(decoder_, z); }

PixelLoss PixelModelImpl::loss(const torch::Tensor& x, const torch::Tensor& next) {
  const int64_t d = config_.latent / 2;
  const auto z = encode(x), zn = encode(next);
  PixelLoss l;
  l.reconstruction = mse(decode(z), x);
  l.canonical = mse(z.narrow(1, d, d), zn.narrow(1, 0, d) - z.narrow(1, 0, d));
  l.field = mse(zn, z + dynamics_->time_derivative(z, /*create_graph=*/true));
  l.total = l.reconstruction + l.canonical + config_.field_weight * l.field;
  return l;
}

// ---- Training ---------------------------------------------------------------------------------

namespace {

TrainerOptions trainer_options(const PixelTrainOptions& o) {
  TrainerOptions t;
  t.steps = o.steps;
  t.learning_rate = o.learning_rate;
  t.weight_decay = o.weight_decay;
  t.eval_every = o.eval_every;
  t.checkpoint_every = o.checkpoint.empty() ? 0 : o.checkpoint_every;
  t.progress = o.progress;
  t.label = "train";
  return t;
}

/// Consecutive observations as rows of one [swings * (steps - 1), input] matrix: pair i is rows
/// (i', i' + 1) for the i-th row i' that is not the last of its swing.
struct Pairs {
  torch::Tensor rows;   // [swings * per_swing, input]
  int64_t per_swing = 0, count = 0;
  explicit Pairs(const torch::Tensor& inputs)
      : rows(inputs.reshape({-1, inputs.size(2)})), per_swing(inputs.size(1)),
        count(inputs.size(0) * (inputs.size(1) - 1)) {}
  torch::Tensor first_rows(const torch::Tensor& pair) const {
    return pair + torch::div(pair, per_swing - 1, "floor");
  }
};

double full_loss(PixelModelImpl& model, const Pairs& p, int64_t limit, PixelLoss* parts = nullptr) {
  // In chunks of 1000 pairs, so that the graphs the latent field builds (its gradient in z) stay small.
  const int64_t n = limit > 0 ? std::min(limit, p.count) : p.count;
  double total = 0.0, rec = 0.0, can = 0.0, fld = 0.0;
  for (int64_t start = 0; start < n; start += 1000) {
    const int64_t len = std::min<int64_t>(1000, n - start);
    const auto pair = torch::arange(start, start + len, torch::TensorOptions(torch::kLong).device(p.rows.device()));
    const auto first = p.first_rows(pair);
    const PixelLoss l = model.loss(p.rows.index_select(0, first), p.rows.index_select(0, first + 1));
    const double w = static_cast<double>(len) / n;
    total += w * l.total.item<double>();
    rec += w * l.reconstruction.item<double>();
    can += w * l.canonical.item<double>();
    fld += w * l.field.item<double>();
  }
  if (parts) {
    parts->total = torch::tensor(total);
    parts->reconstruction = torch::tensor(rec);
    parts->canonical = torch::tensor(can);
    parts->field = torch::tensor(fld);
  }
  return total;
}

json metadata(const PixelRun& run) {
  json meta;
  meta["model"] = run.model->config().name();
  meta["config"] = run.model->config();
  meta["data"] = run.protocol;
  meta["system"] = "pixel-pendulum";
  meta["step"] = run.step();
  meta["training"] = {{"learning_rate", run.options.learning_rate},
                      {"weight_decay", run.options.weight_decay},
                      {"batch_size", run.options.batch_size},
                      {"seed", run.options.seed}};
  return meta;
}

}  // namespace

PixelRun new_pixel_run(const PixelModelConfig& config, const PixelTrainOptions& options, const PixelProtocol& protocol) {
  config.validate();
  options.validate();
  protocol.validate();
  torch::manual_seed(options.seed);
  PixelRun run;
  run.model = PixelModel(config);
  run.model->to(options.device);
  run.protocol = protocol;
  run.options = options;
  run.trainer = std::make_unique<Trainer>(run.model->parameters(), trainer_options(options));
  return run;
}

PixelTrainSummary train_pixel_model(PixelRun& run, const PixelDataSet& data, const PixelTrainOptions& o) {
  o.validate();
  run.model->to(o.device);
  run.trainer->to(o.device);
  const Pairs train(data.inputs(false).to(o.device)), test(data.inputs(true).to(o.device));
  if (train.rows.size(1) != run.model->config().input)
    throw InvalidInput("pixel model: it reads observations of " + std::to_string(run.model->config().input) +
                       " values, the data has " + std::to_string(train.rows.size(1)));
  run.options = o;
  run.trainer->set_options(trainer_options(o));
  auto& model = *run.model;
  TrainerHooks hooks;
  hooks.evaluate = [&] { return full_loss(model, test, 2000); };
  if (!o.checkpoint.empty()) hooks.checkpoint = [&] { save_pixel_model(run, o.checkpoint); };
  const int64_t batch = std::min(o.batch_size, train.count);
  const TrainerResult r = run.trainer->run(
      [&](int64_t step) {
        // Under torchrun each rank takes its part of the step's pairs (physics/learning/distributed.hpp).
        const auto [pair, share] = Distributed::process().split_batch(
            torch::randperm(train.count, batch_generator(o.seed, step), torch::kLong).narrow(0, 0, batch));
        const auto first = train.first_rows(pair.to(o.device));
        const PixelLoss l = model.loss(train.rows.index_select(0, first), train.rows.index_select(0, first + 1));
        return StepLoss{l.total, std::numeric_limits<double>::quiet_NaN(), false, share};
      },
      hooks);
  PixelTrainSummary s;
  s.steps = run.step();
  s.steps_this_call = r.steps;
  s.seconds_per_step = r.steps > 0 ? r.seconds / static_cast<double>(r.steps) : 0.0;
  s.history = r.history;
  s.train_loss = full_loss(model, train, 4000);
  s.test_loss = full_loss(model, test, 0);
  return s;
}

// ---- Files ------------------------------------------------------------------------------------

void save_pixel_model(const PixelRun& run, const std::string& path) {
  torch::serialize::OutputArchive root;
  write_model_state(root, *run.model, run.trainer.get());
  write_checkpoint(root, metadata(run), path, kFormat);
}

PixelRun load_pixel_model(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = read_checkpoint(root, path, kFormat);
  const std::string what = "pixel model '" + path + "'";
  return read_model_parts(what, [&] {
    PixelRun run;
    const auto config = from_json_checked<PixelModelConfig>(meta.at("config"), what);
    run.protocol = from_json_checked<PixelProtocol>(meta.at("data"), what);
    const json& t = meta.at("training");
    run.options.learning_rate = t.at("learning_rate").get<double>();
    run.options.weight_decay = t.at("weight_decay").get<double>();
    run.options.batch_size = t.at("batch_size").get<int64_t>();
    run.options.seed = t.at("seed").get<uint64_t>();
    run.model = PixelModel(config);
    run.trainer = std::make_unique<Trainer>(run.model->parameters(), trainer_options(run.options));
    read_model_state(root, *run.model, run.trainer.get(), meta.at("step").get<int64_t>());
    return run;
  });
}

const char* pixel_file_kind() { return kFormat.kind.c_str(); }

// ---- Evaluation -------------------------------------------------------------------------------

PixelEvaluation evaluate_pixel_model(PixelModelImpl& model, const PixelDataSet& data, int film_frames) {
  PixelEvaluation e;
  const torch::Device device = device_of(model);
  const auto test_x = data.inputs(true).to(device);
  const Pairs test(test_x);
  PixelLoss parts;
  e.test_loss = full_loss(model, test, 0, &parts);
  e.reconstruction_mse = parts.reconstruction.item<double>();
  e.canonical_mse = parts.canonical.item<double>();
  e.field_mse = parts.field.item<double>();

  torch::NoGradGuard no_grad;
  const auto train_x = data.inputs(false).to(device);
  const int64_t swings = test_x.size(0), frames = test_x.size(1), in = test_x.size(2);
  e.swings = swings;
  e.frames = frames;
  // The linear read-out latents -> (theta, theta'), least squares over the train swings.
  auto with_one = [](const torch::Tensor& z) { return torch::cat({z, torch::ones({z.size(0), 1}, z.options())}, 1); };
  const auto z_train = model.encode(train_x.reshape({-1, in})).to(torch::kFloat64);
  const auto s_train = data.states(false).reshape({-1, 2}).to(device);
  const auto readout = std::get<0>(torch::linalg_lstsq(with_one(z_train), s_train));  // [latent + 1, 2]
  const auto z_test32 = model.encode(test_x.reshape({-1, in}));
  const auto z_test = z_test32.to(torch::kFloat64);
  const auto s_test = data.states(true).to(device);  // [swings, frames, 2]
  e.readout_mse = (torch::matmul(with_one(z_test), readout) - s_test.reshape({-1, 2})).pow(2).mean().item<double>();

  // Rollouts in the latent space from each swing's first observation (RK4, 4 steps a frame).
  auto& field = model.dynamics();
  auto f = [&](double, const torch::Tensor& z) { return field.time_derivative(z, false); };
  torch::Tensor z = z_test32.reshape({swings, frames, -1}).select(1, 0).contiguous();
  std::vector<torch::Tensor> path{z};
  const int substeps = 4;
  for (int64_t t = 1; t < frames; ++t) {
    for (int k = 0; k < substeps; ++k) integrators::rk4_step(z, 0.0, 1.0 / substeps, f);
    path.push_back(z);
  }
  const auto zs = torch::stack(path, 1);  // [swings, frames, latent] float32
  const auto predicted = torch::matmul(with_one(zs.reshape({-1, zs.size(2)}).to(torch::kFloat64)), readout).reshape({swings, frames, 2});
  e.energy_mse = (PixelDataSet::energy(predicted) - PixelDataSet::energy(s_test)).pow(2).mean().item<double>();
  e.state_mse = (predicted - s_test).pow(2).mean().item<double>();
  if (field.has_energy()) {
    const auto h = field.energy(zs.reshape({-1, zs.size(2)})).reshape({swings, frames});
    const auto h_test = field.energy(z_test32);
    const double range = (h_test.max() - h_test.min()).item<double>();
    const double drift = (h - h.select(1, 0).unsqueeze(1)).abs().max().item<double>();
    e.latent_energy_drift = range > 0.0 ? drift / range : drift;
  }
  const int64_t pixels = in / 2;
  const auto decoded = model.decode(zs.reshape({-1, zs.size(2)})).reshape({swings, frames, in});
  e.rollout_pixel_mse =
      (decoded.narrow(2, 0, pixels) - test_x.narrow(2, 0, pixels)).pow(2).mean().item<double>();

  // A film of the first test swing: every k-th frame, true and decoded.
  append_film(test_x[0].narrow(1, 0, pixels), decoded[0].narrow(1, 0, pixels).clamp(0.0, 1.0), data.protocol.size, 1,
              film_frames, e.film_true, e.film_predicted);
  return e;
}

}  // namespace noether::physics
