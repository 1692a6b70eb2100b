#include "physics/learning/meta.hpp"

#include <cmath>
#include <limits>

#include <ATen/CPUGeneratorImpl.h>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/models/field.hpp"

namespace noether::physics {

using nlohmann::json;

namespace {
constexpr EnumName<SystemFamily> kFamilies[] = {{SystemFamily::kPendulumLengths, "pendulum-lengths"},
                                                 {SystemFamily::kSpringConstants, "spring-constants"},
                                                 {SystemFamily::kKeplerMasses, "kepler-masses"}};
const CheckpointFormat kFormat{"noether.meta-model", 1, "meta-learned model"};
constexpr double kHalfPi = 1.5707963267948966;
// Task seeds: training draws from [kTrainSeeds, kTestSeeds), evaluation from kTestSeeds on.
constexpr uint64_t kTrainSeeds = 1000000ULL, kTestSeeds = 2000000000ULL;

std::vector<torch::Tensor> detached(const std::vector<torch::Tensor>& w) {
  std::vector<torch::Tensor> out;
  for (const auto& t : w) out.push_back(t.detach().clone().requires_grad_(true));
  return out;
}
}  // namespace

const char* family_name(SystemFamily f) { return enum_name(kFamilies, f); }
SystemFamily parse_family(const std::string& name) { return parse_enum(kFamilies, name, "system family"); }
const char* meta_file_kind() { return kFormat.kind.c_str(); }

MetaTask sample_task(SystemFamily family, int64_t points, uint64_t seed) {
  if (points < 1) throw InvalidInput("sample_task: points must be >= 1");
  auto gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto uniform = [&](double lo, double hi, int64_t n) { return lo + (hi - lo) * torch::rand({n}, gen, opts); };
  MetaTask t;
  torch::Tensor q, p, dq, dp;
  if (family == SystemFamily::kPendulumLengths) {
    const double l = uniform(0.5, 2.0, 1).item<double>();
    q = uniform(-kHalfPi, kHalfPi, points);
    p = uniform(-1.0, 1.0, points);
    dq = p / (l * l);
    dp = -l * torch::sin(q);
    t.parameter = l;
  } else if (family == SystemFamily::kKeplerMasses) {
    const double mu = uniform(0.5, 2.0, 1).item<double>();
    const auto r = uniform(0.5, 1.5, points), angle = uniform(0.0, 4.0 * kHalfPi, points);
    const auto pos = torch::stack({r * torch::cos(angle), r * torch::sin(angle)}, 1);
    const auto mom = torch::stack({uniform(-1.0, 1.0, points), uniform(-1.0, 1.0, points)}, 1);
    const auto force = -mu * pos / r.pow(3).unsqueeze(1);
    t.parameter = mu;
    t.x = torch::cat({pos, mom}, 1).to(torch::kFloat32);
    t.dxdt = torch::cat({mom, force}, 1).to(torch::kFloat32);
    return t;
  } else {
    const double k = uniform(0.5, 2.0, 1).item<double>(), m = uniform(0.5, 2.0, 1).item<double>();
    q = uniform(-1.0, 1.0, points);
    p = uniform(-1.0, 1.0, points);
    dq = p / m;
    dp = -k * q;
    t.parameter = k;
  }
  t.x = torch::stack({q, p}, 1).to(torch::kFloat32);
  t.dxdt = torch::stack({dq, dp}, 1).to(torch::kFloat32);
  return t;
}

// ---- The functional network -------------------------------------------------------------------

int64_t family_state_dim(SystemFamily family) { return family == SystemFamily::kKeplerMasses ? 4 : 2; }

FunctionalNet make_functional_net(ModelKind kind, int64_t hidden, int64_t layers, int64_t dim) {
  if (kind != ModelKind::kHnn && kind != ModelKind::kBaseline)
    throw InvalidInput(std::string("meta-learning: model '") + model_kind_name(kind) + "': use hnn or baseline");
  if (hidden < 1 || layers < 0) throw InvalidInput("meta-learning: hidden must be >= 1 and layers >= 0");
  if (dim < 2 || dim % 2 != 0) throw InvalidInput("meta-learning: the state width must be even and >= 2");
  FunctionalNet net;
  net.kind = kind;
  net.dim = dim;
  int64_t in = dim;
  torch::NoGradGuard no_grad;
  for (int64_t l = 0; l < layers; ++l) {
    auto w = torch::empty({hidden, in});
    torch::nn::init::orthogonal_(w);
    net.params.push_back(w.requires_grad_(true));
    net.params.push_back(torch::zeros({hidden}).requires_grad_(true));
    in = hidden;
  }
  auto last = torch::empty({kind == ModelKind::kHnn ? 1 : dim, in});
  torch::nn::init::orthogonal_(last);
  net.params.push_back(last.requires_grad_(true));
  return net;
}

namespace {
torch::Tensor forward(const torch::Tensor& x, const std::vector<torch::Tensor>& w) {
  torch::Tensor h = x;
  const std::size_t hidden_layers = (w.size() - 1) / 2;
  for (std::size_t l = 0; l < hidden_layers; ++l) h = torch::tanh(torch::addmm(w[2 * l + 1], h, w[2 * l].t()));
  return torch::matmul(h, w.back().t());
}
}  // namespace

torch::Tensor FunctionalNet::energy(const torch::Tensor& x, const std::vector<torch::Tensor>& weights) const {
  if (kind != ModelKind::kHnn) throw InvalidInput("meta-learning: the baseline has no energy");
  return forward(x, weights).squeeze(-1);
}

torch::Tensor FunctionalNet::field(const torch::Tensor& x, const std::vector<torch::Tensor>& weights) const {
  if (x.dim() != 2 || x.size(1) != dim)
    throw InvalidInput("meta-learning: states must be [B, " + std::to_string(dim) + "], got " + c10::str(x.sizes()));
  if (kind == ModelKind::kBaseline) return forward(x, weights);
  // Always with create_graph: the loss of this field is differentiated in the weights.
  return hamiltonian_field([&](const torch::Tensor& s) { return energy(s, weights); }, x, /*create_graph=*/true);
}

torch::Tensor FunctionalNet::loss(const torch::Tensor& x, const torch::Tensor& dxdt,
                                  const std::vector<torch::Tensor>& weights) const {
  return (field(x, weights) - dxdt).pow(2).mean();
}

std::vector<torch::Tensor> FunctionalNet::adapt(const std::vector<torch::Tensor>& weights, const torch::Tensor& x,
                                                const torch::Tensor& dxdt, int64_t steps, double lr,
                                                bool create_graph) const {
  torch::AutoGradMode enable(true);
  std::vector<torch::Tensor> w = create_graph ? weights : detached(weights);
  for (int64_t s = 0; s < steps; ++s) {
    const auto g = torch::autograd::grad({loss(x, dxdt, w)}, w, {}, c10::nullopt, create_graph);
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = create_graph ? w[i] - lr * g[i] : (w[i] - lr * g[i]).detach().requires_grad_(true);
  }
  return w;
}

void FunctionalNet::to(const torch::Device& device) {
  torch::NoGradGuard no_grad;
  for (auto& p : params) p = p.detach().to(device).requires_grad_(true);
}

namespace {
/// The task's states on `device`.
MetaTask on(MetaTask task, const torch::Device& device) {
  task.x = task.x.to(device);
  task.dxdt = task.dxdt.to(device);
  return task;
}
}  // namespace

// ---- Training ---------------------------------------------------------------------------------

void MetaOptions::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("meta-learning: " + what); };
  if (kind != ModelKind::kHnn && kind != ModelKind::kBaseline) throw bad("the model must be hnn or baseline");
  if (hidden < 1 || layers < 0) throw bad("hidden must be >= 1 and layers >= 0");
  if (steps < 0) throw bad("steps must be >= 0");
  if (tasks_per_step < 1) throw bad("tasks_per_step must be >= 1");
  if (support < 1 || query < 1) throw bad("support and query must be >= 1");
  if (inner_steps < 1) throw bad("inner_steps must be >= 1");
  if (!(inner_lr > 0.0) || !std::isfinite(inner_lr)) throw bad("inner_lr must be finite and > 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) throw bad("learning_rate must be finite and > 0");
}

MetaRun new_meta_run(const MetaOptions& o) {
  o.validate();
  MetaRun run;
  run.options = o;
  torch::manual_seed(o.seed);
  run.meta = make_functional_net(o.kind, o.hidden, o.layers, family_state_dim(o.family));
  run.meta.to(o.device);
  // The pooled model starts from the same weights: the two differ only in how they are trained.
  run.pooled = run.meta;
  run.pooled.params = detached(run.meta.params);
  return run;
}

void meta_train(MetaRun& run) {
  const MetaOptions& o = run.options;
  o.validate();
  TrainerOptions t;
  t.steps = o.steps;
  t.learning_rate = o.learning_rate;
  t.progress = o.progress;
  auto task_seed = [&](int64_t step, int64_t i) {
    return kTrainSeeds + (o.seed * 7919ULL + static_cast<uint64_t>(step)) * static_cast<uint64_t>(o.tasks_per_step) +
           static_cast<uint64_t>(i);
  };
  // The mean over a step's tasks of one task's loss; MAML and the pooled model see the same tasks.
  auto over_tasks = [&](auto task_loss) {
    return [&o, &task_seed, task_loss](int64_t step) {
      // Under torchrun each rank takes its part of the step's tasks (each task is seeded by its
      // index, so the parts are the tasks one process would draw).
      const auto& ranks = Distributed::process();
      if (o.tasks_per_step < ranks.world_size())
        throw InvalidInput("meta-train: " + std::to_string(o.tasks_per_step) + " tasks a step cannot be split over " +
                           std::to_string(ranks.world_size()) + " ranks (--tasks-per-step)");
      const auto [first, last] = ranks.shard(o.tasks_per_step);
      torch::Tensor total;
      for (int64_t i = first; i < last; ++i) {
        const auto l = task_loss(on(sample_task(o.family, o.support + o.query, task_seed(step, i)), o.device));
        total = total.defined() ? total + l : l;
      }
      const double share = static_cast<double>(last - first) / static_cast<double>(o.tasks_per_step);
      return StepLoss{total / static_cast<double>(last - first), std::numeric_limits<double>::quiet_NaN(), false, share};
    };
  };
  t.label = "meta-train";
  Trainer maml(run.meta.params, t);
  const TrainerResult meta_result = maml.run(over_tasks([&](const MetaTask& task) {
    const auto xs = task.x.narrow(0, 0, o.support), ds = task.dxdt.narrow(0, 0, o.support);
    const auto xq = task.x.narrow(0, o.support, o.query), dq = task.dxdt.narrow(0, o.support, o.query);
    const auto adapted = run.meta.adapt(run.meta.params, xs, ds, o.inner_steps, o.inner_lr, /*create_graph=*/true);
    return run.meta.loss(xq, dq, adapted);
  }));
  t.label = "pooled";
  Trainer pooled(run.pooled.params, t);
  const TrainerResult pooled_result = pooled.run(
      over_tasks([&](const MetaTask& task) { return run.pooled.loss(task.x, task.dxdt, run.pooled.params); }));
  run.steps += o.steps;
  run.seconds += meta_result.seconds + pooled_result.seconds;
}

// ---- Files ------------------------------------------------------------------------------------

void save_meta(const MetaRun& run, const std::string& path) {
  torch::serialize::OutputArchive root;
  for (std::size_t i = 0; i < run.meta.params.size(); ++i) {
    root.write("meta_" + std::to_string(i), run.meta.params[i].detach().to(torch::kCPU));
    root.write("pooled_" + std::to_string(i), run.pooled.params[i].detach().to(torch::kCPU));
  }
  json meta;
  meta["model"] = std::string("meta-") + model_kind_name(run.options.kind);
  meta["options"] = run.options;
  meta["step"] = run.steps;
  meta["seconds"] = run.seconds;
  meta["tensors"] = run.meta.params.size();
  write_checkpoint(root, meta, path, kFormat);
}

MetaRun load_meta(const std::string& path) {
  torch::serialize::InputArchive root;
  const json meta = read_checkpoint(root, path, kFormat);
  const std::string what = "meta-learned model '" + path + "'";
  return read_model_parts(what, [&] {
    MetaRun run = new_meta_run(from_json_checked<MetaOptions>(meta.at("options"), what));
    run.steps = meta.at("step").get<int64_t>();
    run.seconds = meta.value("seconds", 0.0);
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < run.meta.params.size(); ++i) {
      torch::Tensor a, b;
      root.read("meta_" + std::to_string(i), a);
      root.read("pooled_" + std::to_string(i), b);
      if (!a.sizes().equals(run.meta.params[i].sizes()) || !b.sizes().equals(run.pooled.params[i].sizes()))
        throw InvalidInput(what + ": the weights do not fit the recorded architecture");
      run.meta.params[i].copy_(a);
      run.pooled.params[i].copy_(b);
    }
    return run;
  });
}

// ---- Evaluation -------------------------------------------------------------------------------

MetaEvaluation evaluate_meta(const MetaRun& run, int64_t shots, int64_t adapt_steps, int64_t tasks) {
  if (shots < 1 || adapt_steps < 0 || tasks < 1)
    throw InvalidInput("meta evaluation: shots and tasks must be >= 1 and adapt_steps >= 0");
  const MetaOptions& o = run.options;
  MetaEvaluation e;
  e.tasks = tasks;
  e.shots = shots;
  e.meta_curve.assign(static_cast<std::size_t>(adapt_steps + 1), 0.0);
  e.pooled_curve = e.scratch_curve = e.meta_curve;
  torch::manual_seed(o.seed + 424242ULL);
  FunctionalNet scratch = make_functional_net(o.kind, o.hidden, o.layers, family_state_dim(o.family));
  const torch::Device device = run.meta.params.front().device();
  scratch.to(device);
  auto curve = [&](const FunctionalNet& net, const MetaTask& task, std::vector<double>& sum) {
    const auto xs = task.x.narrow(0, 0, shots), ds = task.dxdt.narrow(0, 0, shots);
    const auto xq = task.x.narrow(0, shots, 100), dq = task.dxdt.narrow(0, shots, 100);
    auto w = detached(net.params);
    for (int64_t k = 0; k <= adapt_steps; ++k) {
      if (k > 0) w = net.adapt(w, xs, ds, 1, o.inner_lr, /*create_graph=*/false);
      sum[static_cast<std::size_t>(k)] += net.loss(xq, dq, w).item<double>() / static_cast<double>(tasks);
    }
  };
  for (int64_t t = 0; t < tasks; ++t) {
    const MetaTask task = on(sample_task(o.family, shots + 100, kTestSeeds + static_cast<uint64_t>(t)), device);
    curve(run.meta, task, e.meta_curve);
    curve(run.pooled, task, e.pooled_curve);
    curve(scratch, task, e.scratch_curve);
  }
  return e;
}

}  // namespace noether::physics
