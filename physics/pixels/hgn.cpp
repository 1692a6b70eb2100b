#include "physics/pixels/hgn.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "integrators/leapfrog.hpp"
#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/device.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/models/separable.hpp"
#include "physics/pixels/detail/residual.hpp"
#include "physics/pixels/pixel_data.hpp"

namespace noether::physics {

using nlohmann::json;

namespace {
const CheckpointFormat kFormat{"noether.hgn-model", 1, "HGN model"};
}  // namespace

// ---- Configuration ----------------------------------------------------------------------------

const char* latent_dynamics_name(LatentDynamics d) { return d == LatentDynamics::kHamiltonian ? "hgn" : "latent-ode"; }

LatentDynamics parse_latent_dynamics(const std::string& name) {
  if (name == "hgn") return LatentDynamics::kHamiltonian;
  if (name == "latent-ode") return LatentDynamics::kOde;
  throw InvalidInput("unknown generative pixel model '" + name + "' (known: hgn, latent-ode)");
}

bool is_hgn_model(const std::string& name) { return name == "hgn" || name == "latent-ode"; }

void HgnConfig::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("HGN model: " + what); };
  if (frame_values < 1) throw bad("frame_values must be >= 1");
  if (input_frames < 1) throw bad("input_frames must be >= 1");
  if (dof < 1) throw bad("dof must be >= 1");
  if (hidden < 1 || dynamics_hidden < 1) throw bad("hidden widths must be >= 1");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw bad("dt must be finite and > 0");
  if (!(kl_weight >= 0.0) || !std::isfinite(kl_weight)) throw bad("kl_weight must be finite and >= 0");
}

void HgnTrainOptions::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("HGN training: " + what); };
  if (steps < 0) throw bad("steps must be >= 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) throw bad("learning_rate must be finite and > 0");
  if (batch_size < 1) throw bad("batch_size must be >= 1");
  if (!(clip_grad_norm >= 0.0) || !std::isfinite(clip_grad_norm)) throw bad("clip_grad_norm must be finite and >= 0");
  if (horizon_ramp < 0) throw bad("horizon_ramp must be >= 0");
  if (eval_every < 0 || checkpoint_every < 0) throw bad("eval_every and checkpoint_every must be >= 0");
}

// ---- The model --------------------------------------------------------------------------------

HgnModelImpl::HgnModelImpl(HgnConfig config) : config_(std::move(config)) {
  config_.validate();
  const int64_t d = config_.dof;
  encoder_ = detail::residual_layers(*this, "encoder", config_.input_frames * config_.frame_values, config_.hidden, 4 * d);
  decoder_ = detail::residual_layers(*this, "decoder", d, config_.hidden, config_.frame_values);
  ModelConfig field;
  field.kind = config_.dynamics == LatentDynamics::kHamiltonian ? ModelKind::kSeparable : ModelKind::kBaseline;
  field.dof = d;
  field.hidden = config_.dynamics_hidden;
  field.layers = 2;
  field.activation = "tanh";
  dynamics_ = register_module("dynamics", make_model(field));
}

std::pair<torch::Tensor, torch::Tensor> HgnModelImpl::encode(const torch::Tensor& frames) {
  const int64_t k = config_.input_frames, v = config_.frame_values;
  if (frames.dim() != 3 || frames.size(1) < k || frames.size(2) != v)
    throw InvalidInput("HGN model: frames must be [B, >= " + std::to_string(k) + ", " + std::to_string(v) + "], got " +
                       c10::str(frames.sizes()));
  const auto out = detail::residual_forward(encoder_, frames.narrow(1, 0, k).reshape({frames.size(0), k * v}));
  const int64_t n = 2 * config_.dof;
  // The log-variance is kept in [-12, 4]: a posterior far narrower or wider than the prior is a
  // symptom, not an answer, and exp() of an unbounded output overflows early in training.
  return {out.narrow(1, 0, n), out.narrow(1, n, n).clamp(-12.0, 4.0)};
}

torch::Tensor HgnModelImpl::decode(const torch::Tensor& q) {
  return detail::residual_forward(decoder_, q);
}

torch::Tensor HgnModelImpl::step(const torch::Tensor& z, double dt, bool create_graph) {
  const int64_t d = config_.dof;
  if (config_.dynamics == LatentDynamics::kHamiltonian) {
    const auto g = separable_gradients(dynamics_, create_graph);
    torch::Tensor q = z.narrow(-1, 0, d), p = z.narrow(-1, d, d);
    if (config_.unit_mass) {
      const auto dK = [&](const torch::Tensor& s) { return s + g.dH_dp(s); };
      integrators::leapfrog_step(q, p, dt, g.dH_dq, dK);
    } else {
      integrators::leapfrog_step(q, p, dt, g.dH_dq, g.dH_dp);
    }
    return torch::cat({q, p}, -1);
  }
  torch::Tensor y = z;
  integrators::rk4_step(y, 0.0, dt, [&](double, const torch::Tensor& s) { return dynamics_->time_derivative(s, create_graph); });
  return y;
}

torch::Tensor HgnModelImpl::rollout(const torch::Tensor& z0, int64_t steps, double dt, bool create_graph) {
  std::vector<torch::Tensor> path{z0};
  torch::Tensor z = z0;
  for (int64_t s = 0; s < steps; ++s) {
    z = step(z, dt, create_graph);
    path.push_back(z);
  }
  return torch::stack(path, 1);
}

torch::Tensor HgnModelImpl::energy(const torch::Tensor& z) {
  if (config_.dynamics != LatentDynamics::kHamiltonian) throw InvalidInput("HGN model: the latent ODE has no energy");
  const auto h = dynamics_->energy(z);
  return config_.unit_mass ? h + 0.5 * z.narrow(-1, config_.dof, config_.dof).pow(2).sum(-1) : h;
}

torch::Tensor HgnModelImpl::decode_path(const torch::Tensor& path) {
  const int64_t b = path.size(0), t = path.size(1);
  return decode(path.narrow(2, 0, config_.dof).reshape({b * t, config_.dof})).reshape({b, t, config_.frame_values});
}

HgnLoss HgnModelImpl::loss(const torch::Tensor& frames, const torch::Tensor& noise) {
  const auto [mean, log_var] = encode(frames);
  const torch::Tensor z0 = noise.defined() ? mean + torch::exp(0.5 * log_var) * noise : mean;
  const auto path = rollout(z0, frames.size(1) - 1, config_.dt, /*create_graph=*/true);
  HgnLoss l;
  l.reconstruction = (decode_path(path) - frames).pow(2).mean();
  l.kl = 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(1).mean();
  l.total = l.reconstruction + config_.kl_weight * l.kl;
  return l;
}

// ---- Training ---------------------------------------------------------------------------------

namespace {

TrainerOptions trainer_options(const HgnTrainOptions& o) {
  TrainerOptions t;
  t.steps = o.steps;
  t.learning_rate = o.learning_rate;
  t.clip_grad_norm = o.clip_grad_norm;
  t.eval_every = o.eval_every;
  t.checkpoint_every = o.checkpoint.empty() ? 0 : o.checkpoint_every;
  t.progress = o.progress;
  t.label = "train";
  return t;
}

/// The frames of the sequences step `step` learns from: input_frames + 1 at first, growing
/// linearly to all of them over the first horizon_ramp steps (a curriculum: early on, a random
/// latent field scrambles the later frames, and their errors only teach the decoder the mean frame).
int64_t training_horizon(const HgnTrainOptions& o, int64_t input_frames, int64_t frames, int64_t step) {
  const int64_t first = std::min(frames, input_frames + 1);
  if (o.horizon_ramp <= 0 || step >= o.horizon_ramp) return frames;
  return first + (frames - first) * step / o.horizon_ramp;
}

/// The loss from posterior means over `sequences` [N, T, values], in chunks of 32.
double mean_loss(HgnModelImpl& model, const torch::Tensor& sequences) {
  const int64_t n = sequences.size(0);
  double total = 0.0;
  for (int64_t start = 0; start < n; start += 32) {
    const int64_t len = std::min<int64_t>(32, n - start);
    total += static_cast<double>(len) / n * model.loss(sequences.narrow(0, start, len), {}).total.item<double>();
  }
  return total;
}

json metadata(const HgnRun& run) {
  json meta;
  meta["model"] = latent_dynamics_name(run.model->config().dynamics);
  meta["config"] = run.model->config();
  meta["data"] = run.protocol;
  meta["system"] = "pixel-" + run.protocol.system;
  meta["step"] = run.step();
  meta["training"] = {{"learning_rate", run.options.learning_rate},
                      {"batch_size", run.options.batch_size},
                      {"clip_grad_norm", run.options.clip_grad_norm},
                      {"horizon_ramp", run.options.horizon_ramp},
                      {"seed", run.options.seed}};
  return meta;
}

}  // namespace

HgnRun new_hgn_run(const HgnConfig& config, const HgnTrainOptions& options, const HgnProtocol& protocol) {
  config.validate();
  options.validate();
  protocol.validate();
  if (config.frame_values != protocol.values())
    throw InvalidInput("HGN model: it reads frames of " + std::to_string(config.frame_values) + " values, the data's have " +
                       std::to_string(protocol.values()));
  if (config.input_frames >= protocol.frames)
    throw InvalidInput("HGN model: " + std::to_string(config.input_frames) + " input frames need sequences of more frames than " +
                       std::to_string(protocol.frames));
  torch::manual_seed(options.seed);
  HgnRun run;
  run.model = HgnModel(config);
  run.model->to(options.device);
  run.protocol = protocol;
  run.options = options;
  run.trainer = std::make_unique<Trainer>(run.model->parameters(), trainer_options(options));
  return run;
}

HgnTrainSummary train_hgn(HgnRun& run, const HgnDataSet& data, const HgnTrainOptions& o) {
  o.validate();
  auto& model = *run.model;
  if (data.train.size(2) != model.config().frame_values)
    throw InvalidInput("HGN model: it reads frames of " + std::to_string(model.config().frame_values) +
                       " values, the data's have " + std::to_string(data.train.size(2)));
  run.options = o;
  run.trainer->set_options(trainer_options(o));
  model.to(o.device);
  run.trainer->to(o.device);
  const auto train = data.train.to(o.device);
  const int64_t frames = train.size(1), count = train.size(0);
  const auto test = data.test.narrow(1, 0, std::min<int64_t>(frames, data.test.size(1))).to(o.device);
  TrainerHooks hooks;
  hooks.evaluate = [&] {
    torch::NoGradGuard none;  // (the latent steps still take dH by autograd, field.hpp)
    return mean_loss(model, test);
  };
  if (!o.checkpoint.empty()) hooks.checkpoint = [&] { save_hgn(run, o.checkpoint); };
  const int64_t batch = std::min(o.batch_size, count);
  const TrainerResult r = run.trainer->run(
      [&](int64_t step) {
        auto gen = batch_generator(o.seed, step);
        // Under torchrun each rank takes its part of the step's sequences and of their noise.
        const auto& ranks = Distributed::process();
        const auto [pick, share] = ranks.split_batch(torch::randperm(count, gen, torch::kLong).narrow(0, 0, batch));
        const auto noise = ranks.local_rows(torch::randn({batch, 2 * model.config().dof}, gen, torch::kFloat32));
        const int64_t seen = training_horizon(o, model.config().input_frames, frames, step);
        return StepLoss{model.loss(train.index_select(0, pick.to(o.device)).narrow(1, 0, seen), noise.to(o.device)).total,
                        std::numeric_limits<double>::quiet_NaN(), false, share};
      },
      hooks);
  HgnTrainSummary s;
  s.steps = run.step();
  s.steps_this_call = r.steps;
  s.seconds_per_step = r.steps > 0 ? r.seconds / static_cast<double>(r.steps) : 0.0;
  s.history = r.history;
  s.train_loss = mean_loss(model, train.narrow(0, 0, std::min<int64_t>(200, count)));
  s.test_loss = mean_loss(model, test);
  return s;
}

// ---- Files ------------------------------------------------------------------------------------

void save_hgn(const HgnRun& run, const std::string& path) {
  torch::serialize::OutputArchive root;
  write_model_state(root, *run.model, run.trainer.get());
  write_checkpoint(root, metadata(run), path, kFormat);
}

HgnRun load_hgn(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = read_checkpoint(root, path, kFormat);
  const std::string what = "HGN model '" + path + "'";
  return read_model_parts(what, [&] {
    HgnRun run;
    const auto config = from_json_checked<HgnConfig>(meta.at("config"), what);
    run.protocol = from_json_checked<HgnProtocol>(meta.at("data"), what);
    const json& t = meta.at("training");
    run.options.learning_rate = t.at("learning_rate").get<double>();
    run.options.batch_size = t.at("batch_size").get<int64_t>();
    run.options.clip_grad_norm = t.at("clip_grad_norm").get<double>();
    run.options.horizon_ramp = t.at("horizon_ramp").get<int64_t>();
    run.options.seed = t.at("seed").get<uint64_t>();
    run.model = HgnModel(config);
    run.trainer = std::make_unique<Trainer>(run.model->parameters(), trainer_options(run.options));
    read_model_state(root, *run.model, run.trainer.get(), meta.at("step").get<int64_t>());
    return run;
  });
}

const char* hgn_file_kind() { return kFormat.kind.c_str(); }

// ---- Evaluation -------------------------------------------------------------------------------

HgnEvaluation evaluate_hgn(HgnModelImpl& model, const HgnDataSet& data, int film_frames) {
  HgnEvaluation e;
  const torch::Device device = device_of(model);
  const auto test = data.test.to(device);
  const int64_t n = test.size(0), frames = test.size(1), horizon = data.protocol.frames;
  const double dt = model.config().dt;
  e.sequences = n;
  e.frames = frames;
  // The latent steps take dH/dq and dH/dp by autograd even here (field.hpp), but build no graph.
  torch::NoGradGuard none;
  const auto mean = model.encode(test).first;
  const auto path = model.rollout(mean, frames - 1, dt, false);
  // Frames are values in [0, 1]: the decoder's are clipped there before they are compared.
  const auto decoded = model.decode_path(path).clamp(0.0, 1.0);
  const auto err = (decoded - test).pow(2);  // [n, frames, values]
  e.reconstruction_mse = err.mean().item<double>();
  e.train_horizon_mse = err.narrow(1, 0, std::min(horizon, frames)).mean().item<double>();
  e.beyond_horizon_mse = frames > horizon ? err.narrow(1, horizon, frames - horizon).mean().item<double>() : 0.0;
  const auto per_frame = err.mean(std::vector<int64_t>{0, 2}).to(torch::kCPU, torch::kFloat64).contiguous();
  e.mse_per_frame.assign(per_frame.data_ptr<double>(), per_frame.data_ptr<double>() + frames);

  // Back from the end with -dt: compare with the truth frame by frame, and z at t = 0 with z0.
  const auto end = path.select(1, frames - 1);
  const auto back_in_time = model.rollout(end, frames - 1, -dt, false).flip({1});  // back_in_time[t] should be path[t]
  e.reversal_mse = (model.decode_path(back_in_time).clamp(0.0, 1.0) - test).pow(2).mean().item<double>();
  e.reversal_latent_error =
      ((back_in_time.select(1, 0) - mean).abs().max() / mean.abs().max().clamp_min(1e-12)).item<double>();

  // Half the step, twice the steps, against the swings rendered every dt / 2.
  const auto fine = model.rollout(mean, data.test_half_dt.size(1) - 1, 0.5 * dt, false);
  e.half_dt_mse = (model.decode_path(fine).clamp(0.0, 1.0) - data.test_half_dt.to(device)).pow(2).mean().item<double>();

  if (model.config().dynamics == LatentDynamics::kHamiltonian) {
    const auto h = model.energy(path.reshape({n * frames, -1})).reshape({n, frames});
    const auto h0 = h.select(1, 0);
    const double spread = (h0.max() - h0.min()).item<double>();
    const double drift = (h - h0.unsqueeze(1)).abs().max().item<double>();
    e.latent_energy_drift = spread > 0.0 ? drift / spread : drift;
  }

  // A film of the first test swing.
  append_film(test[0], decoded[0], data.protocol.size, data.protocol.channels(), film_frames, e.film_true,
              e.film_predicted);
  return e;
}

}  // namespace noether::physics
