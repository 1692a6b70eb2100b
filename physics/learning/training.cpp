#include "physics/learning/training.hpp"

#include "physics/learning/checkpoint.hpp"

#include <cmath>
#include <tuple>

#include <nlohmann/json.hpp>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "physics/models/constrained.hpp"
#include "physics/models/fused_hnn.hpp"
#include "physics/models/vin.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/learning/losses.hpp"
#include "physics/systems/measured.hpp"

namespace noether::physics {

using nlohmann::json;

namespace {
const CheckpointFormat kFormat{"noether.model", 1, "model checkpoint"};

/// The spacing of a protocol's samples.
double sample_spacing(const DataProtocol& p) { return (p.t1 - p.t0) / (p.points - 1); }

json metadata(const TrainingRun& run) {
  json data = run.protocol;
  data["seed"] = run.data_seed;
  return {{"config", run.model->config()}, {"step", run.step()},        {"system", run.system},
          {"data_source", run.data_source}, {"data", data},             {"training", run.options}};
}

/// The run's trainer. Weight decay regularises the networks (the parameters of the model's
/// submodules); the parameters a model registers on itself are physical constants (CHNN's masses,
/// VIN's and the sphere model's inertia), which a pull toward zero would bias.
std::unique_ptr<Trainer> make_trainer(DynamicsModelImpl& model, const TrainOptions& options) {
  std::vector<torch::Tensor> own;
  for (const auto& item : model.named_parameters(/*recurse=*/false)) own.push_back(item.value());
  return std::make_unique<Trainer>(model.parameters(), options.trainer_options(), std::move(own));
}

constexpr EnumName<LossKind> kLosses[] = {
    {LossKind::kPointwise, "pointwise"}, {LossKind::kRollout, "rollout"}, {LossKind::kWeak, "weak"}};

}  // namespace

const char* loss_kind_name(LossKind kind) {
  return enum_name(kLosses, kind);
}

LossKind parse_loss_kind(const std::string& name) {
  return parse_enum(kLosses, name, "loss");
}

void TrainOptions::validate() const {
  auto bad = [](const std::string& m) { throw InvalidInput("training option " + m); };
  if (steps < 0) bad("steps = " + std::to_string(steps) + ": must be >= 0");
  if (!(learning_rate > 0.0)) bad("learning_rate must be > 0");
  if (!(weight_decay >= 0.0)) bad("weight_decay must be >= 0");
  if (batch_size < 0) bad("batch_size must be >= 0 (0 = full batch)");
  const auto form = integrators::scheme_info(integrator).form;
  if (form != integrators::SchemeForm::kField && form != integrators::SchemeForm::kSeparable &&
      form != integrators::SchemeForm::kLieGroup)
    bad(std::string("integrator '") + integrators::scheme_name(integrator) +
        "': the rollout loss needs a fixed-step scheme (rk4, euler, implicit-midpoint, leapfrog, ..., or on "
        "spheres lie-euler, rkmk4, cf4)");
  if (rollout_steps < 0) bad("rollout_steps must be >= 0");
  if (test_functions < 1) bad("test_functions must be >= 1");
  if (windows < 1) bad("windows must be >= 1");
  if (!(rbf_shape >= 0.0) || !std::isfinite(rbf_shape)) bad("rbf_shape must be finite and >= 0 (0 = from the spacing)");
  if (eval_every < 1) bad("eval_every must be >= 1");
  if (checkpoint_every < 0) bad("checkpoint_every must be >= 0");
  if (dtype != torch::kFloat32 && dtype != torch::kFloat64) bad("dtype must be float32 or float64");
  trainer_options().validate();  // the optimiser and schedule settings
}

TrainerOptions TrainOptions::trainer_options() const {
  TrainerOptions t;
  t.steps = steps;
  t.learning_rate = learning_rate;
  t.weight_decay = weight_decay;
  t.optimizer = optimizer;
  t.schedule = schedule;
  t.final_fraction = final_fraction;
  t.clip_grad_norm = clip_grad_norm;
  t.eval_every = eval_every;
  t.checkpoint_every = checkpoint.empty() ? 0 : checkpoint_every;
  t.progress = progress;
  t.label = "train";
  return t;
}

torch::Tensor trajectories(const DataSet& data, bool test) {
  const auto& x = test ? data.test_x : data.x;
  const int64_t points = data.protocol.points;
  if (x.size(0) % points != 0)
    throw InvalidInput("data set rows (" + std::to_string(x.size(0)) +
                       ") are not a whole number of trajectories of " + std::to_string(points));
  return x.reshape({x.size(0) / points, points, x.size(1)}).transpose(0, 1).contiguous();
}

TrainingRun new_run(const ModelConfig& config, const TrainOptions& options, const DataSet& data) {
  options.validate();
  if (data.x.dim() != 2 || data.x.size(1) != config.dim())
    throw InvalidInput("model " + config.describe() + " does not match the data's state size " +
                       std::to_string(data.x.dim() == 2 ? data.x.size(1) : -1));
  torch::manual_seed(options.seed);
  TrainingRun run;
  run.model = make_model(config);
  run.model->to(options.dtype);
  // CHNN starts at the data's mass scale (units where bodies weigh 0.2 or 20 would otherwise cost
  // most of a run's steps).
  if (auto* chnn = dynamic_cast<ChnnImpl*>(run.model.get()); chnn && data.protocol.points >= 3)
    chnn->initialise_masses(trajectories(data, false), sample_spacing(data.protocol));
  run.trainer = make_trainer(*run.model, options);
  run.system = data.system;
  run.protocol = data.protocol;
  run.data_seed = data.seed;
  run.options = options;
  return run;
}

TrainSummary train(TrainingRun& run, const DataSet& data, const TrainOptions& o) {
  o.validate();
  if (!run.model || !run.trainer) throw InvalidInput("train: the run has no model");
  auto& model = *run.model;
  TrainerOptions to = o.trainer_options();
  to.label = run.system + "/" + model_kind_name(model.config().kind);
  run.trainer->set_options(to);
  run.options = o;
  auto* vin = dynamic_cast<VinImpl*>(&model);
  if (vin && o.loss != LossKind::kRollout)
    throw InvalidInput(std::string("model '") + model_kind_name(model.config().kind) +
                       "' is trained through its own discrete map: use the rollout loss (--loss rollout --rollout-steps 20)");
  const auto dtype = model.parameters().front().scalar_type();
  const auto x = data.x.to(dtype), dxdt = data.dxdt.to(dtype);
  torch::Tensor traj, t;
  double dt = 0.0;
  if (o.loss != LossKind::kPointwise) {
    traj = trajectories(data, false).to(dtype);
    t = data.t.to(dtype);
    dt = sample_spacing(data.protocol);
    if (o.windows > 1 && t.size(0) > 2) {
      const auto td = data.t.to(torch::kFloat64);
      const auto gaps = td.narrow(0, 1, td.size(0) - 1) - td.narrow(0, 0, td.size(0) - 1);
      if ((gaps - gaps[0]).abs().max().item<double>() > 1e-6 * std::abs(gaps[0].item<double>()))
        throw InvalidInput("windows = " + std::to_string(o.windows) + " needs evenly spaced samples");
    }
  }
  // Seed from (seed, step) once per call: a resumed run is repeatable, but its batches are not the
  // ones an uninterrupted run drew after that step (the pixel, flow and meta trainers seed every
  // step, and are; doing so here would change the batches behind every HNN-family figure).
  torch::manual_seed(o.seed * 1000003ULL + static_cast<uint64_t>(run.step()));

  std::unique_ptr<FusedHnnLoss> fused;
  if (o.fused && o.loss == LossKind::kPointwise && FusedHnnLoss::supports(model))
    fused = std::make_unique<FusedHnnLoss>(model);
  // Under torchrun every rank draws the same batch (the same random stream) and trains on its own
  // part of it; the trainer sums the parts' gradients weighted by their shares. So the batch size
  // is the whole step's, and any number of ranks trains the model one process trains.
  const auto& ranks = Distributed::process();
  const bool minibatch = o.batch_size > 0 && o.batch_size < x.size(0);

  // The structure's own term (generic-soft's degeneracy penalty) at the step's states.
  auto with_penalty = [&](const torch::Tensor& loss, const torch::Tensor& states) {
    const auto penalty = model.structure_penalty(states);
    return penalty.defined() ? loss + penalty : loss;
  };
  auto step_loss = [&](int64_t) -> StepLoss {
    if (o.loss == LossKind::kPointwise) {
      torch::Tensor xb = x, db = dxdt;
      if (minibatch) {
        const auto idx = torch::randint(x.size(0), {o.batch_size}, torch::kLong);
        xb = x.index_select(0, idx);
        db = dxdt.index_select(0, idx);
      }
      const auto [mine, share] = ranks.split_batch(xb);
      xb = mine;
      db = ranks.local_rows(db);
      // The hand-derived gradient fills the parameters' gradients itself.
      if (fused) return {{}, fused->loss_and_gradients(xb, db), true, share};
      return {with_penalty(pointwise_loss(model, xb, db), xb), std::numeric_limits<double>::quiet_NaN(), false, share};
    }
    torch::Tensor window = traj, tw = t;
    if (o.batch_size > 0 && o.batch_size < traj.size(1))
      window = window.index_select(1, torch::randint(traj.size(1), {o.batch_size}, torch::kLong));
    double share = 1.0;
    std::tie(window, share) = ranks.split_batch(window, 1);
    if (o.rollout_steps > 0 && o.rollout_steps + 1 < traj.size(0)) {
      // Each of the step's windows starts at its own sample; evenly spaced samples make their
      // times the first one's shifted, which neither loss sees (checked above).
      const auto starts = torch::randint(traj.size(0) - o.rollout_steps, {o.windows}, torch::kLong);
      std::vector<torch::Tensor> parts;
      for (int64_t k = 0; k < o.windows; ++k)
        parts.push_back(window.narrow(0, starts[k].item<int64_t>(), o.rollout_steps + 1));
      tw = tw.narrow(0, starts[0].item<int64_t>(), o.rollout_steps + 1);
      window = o.windows == 1 ? parts.front() : torch::cat(parts, 1);
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (vin) return {vin_window_loss(*vin, window, dt), nan, false, share};
    return {with_penalty(o.loss == LossKind::kRollout ? rollout_loss(run.model, window, dt, o.integrator)
                                                     : weak_form_loss(model, window, tw, o.test_functions, o.test_function, o.rbf_shape),
                         window.reshape({-1, window.size(2)})),
            nan, false, share};
  };
  TrainerHooks hooks;
  hooks.evaluate = [&] { return derivative_mse(model, data.test_x, data.test_dxdt); };
  if (!o.checkpoint.empty()) hooks.checkpoint = [&] { save_checkpoint(run, o.checkpoint); };
  const TrainerResult r = run.trainer->run(step_loss, hooks);

  TrainSummary s;
  for (const auto& point : r.history) s.history.push_back({point.step, point.train_loss, point.eval});
  s.steps = run.step();
  s.steps_this_call = r.steps;
  s.wall_seconds = r.seconds;
  s.seconds_per_step = r.steps > 0 ? r.seconds / static_cast<double>(r.steps) : 0.0;
  // Final losses on the whole sets (the last step's loss may be a minibatch).
  s.train_loss = o.loss == LossKind::kPointwise ? derivative_mse(model, data.x, data.dxdt) : r.last_loss;
  s.test_loss = derivative_mse(model, data.test_x, data.test_dxdt);
  return s;
}

void save_checkpoint(const TrainingRun& run, const std::string& path) {
  torch::serialize::OutputArchive root;
  write_model_state(root, *run.model, run.trainer.get());
  write_checkpoint(root, metadata(run), path, kFormat);
}

TrainingRun load_checkpoint(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = read_checkpoint(root, path, kFormat);
  const std::string what = "model checkpoint '" + path + "'";
  return read_model_parts(what, [&] {
    TrainingRun run;
    run.options = from_json_checked<TrainOptions>(meta.at("training"), what);
    run.protocol = from_json_checked<DataProtocol>(meta.at("data"), what);
    run.data_seed = meta.at("data").at("seed").get<uint64_t>();
    run.system = meta.at("system").get<std::string>();
    run.data_source = meta.value("data_source", std::string("generated"));
    run.model = make_model(from_json_checked<ModelConfig>(meta.at("config"), what));
    run.model->to(run.options.dtype);
    run.trainer = make_trainer(*run.model, run.options);
    read_model_state(root, *run.model, run.trainer.get(), meta.at("step").get<int64_t>());
    return run;
  });
}

torch::Tensor optimize_initial_state(const std::shared_ptr<DynamicsModelImpl>& model,
                                     const torch::Tensor& observed, double dt,
                                     integrators::Scheme integrator, int iterations, double lr) {
  if (observed.dim() != 3 || observed.size(0) < 2)
    throw InvalidInput("optimize_initial_state needs observations [T >= 2, B, 2D]");
  if (iterations < 0) throw InvalidInput("iterations must be >= 0");
  std::vector<bool> had_grad;
  for (auto& p : model->parameters()) {
    had_grad.push_back(p.requires_grad());
    p.requires_grad_(false);
  }
  auto x0 = observed[0].detach().clone().requires_grad_(true);
  torch::optim::Adam opt({x0}, torch::optim::AdamOptions(lr));
  for (int i = 0; i < iterations; ++i) {
    opt.zero_grad();
    const auto loss = rollout_loss(model, observed, dt, integrator, x0);
    loss.backward();
    opt.step();
  }
  std::size_t k = 0;
  for (auto& p : model->parameters()) p.requires_grad_(had_grad[k++]);
  return x0.detach();
}

DataSet reload_data(const TrainingRun& run) {
  if (run.data_source == "generated")
    return generate_dataset(*make_system(run.system), run.protocol, run.data_seed);
  if (run.data_source == "grid") return damped_spring_grid(25, 1.2, run.protocol.test_fraction, run.data_seed);
  if (run.data_source.rfind("lipson:", 0) == 0)
    return load_lipson(run.data_source.substr(7), 1.0 - run.protocol.test_fraction, run.system);
  throw InvalidInput("unknown data source '" + run.data_source + "' in checkpoint");
}

void load_weights_into(DynamicsModelImpl& model, const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = read_checkpoint(root, path, kFormat);
  const auto stored = from_json_checked<ModelConfig>(meta.at("config"), "model checkpoint '" + path + "'");
  if (stored != model.config())
    throw InvalidInput("checkpoint '" + path + "' holds " + stored.describe() +
                       "; it cannot be loaded into " + model.config().describe());
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  model.load(weights);
}

}  // namespace noether::physics
