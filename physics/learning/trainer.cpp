#include "physics/learning/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <ATen/CPUGeneratorImpl.h>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "noether/progress.hpp"
#include "physics/learning/distributed.hpp"

namespace noether::physics {

namespace {
constexpr EnumName<OptimizerKind> kOptimizers[] = {{OptimizerKind::kAdam, "adam"}, {OptimizerKind::kAdamW, "adamw"}};
constexpr EnumName<Schedule> kSchedules[] = {
    {Schedule::kConstant, "constant"}, {Schedule::kCosine, "cosine"}, {Schedule::kExponential, "exponential"}};
}  // namespace

at::Generator batch_generator(uint64_t seed, int64_t step) {
  return at::detail::createCPUGenerator(seed * 1000003ULL + static_cast<uint64_t>(step));
}

const char* optimizer_name(OptimizerKind kind) { return enum_name(kOptimizers, kind); }
OptimizerKind parse_optimizer(const std::string& name) { return parse_enum(kOptimizers, name, "optimizer"); }
const char* schedule_name(Schedule schedule) { return enum_name(kSchedules, schedule); }
Schedule parse_schedule(const std::string& name) { return parse_enum(kSchedules, name, "learning-rate schedule"); }

void TrainerOptions::validate() const {
  auto bad = [&](const std::string& m) { throw InvalidInput(label + ": " + m); };
  auto num = [](double v) { return std::to_string(v); };
  if (steps < 0) bad("steps = " + std::to_string(steps) + ": must be >= 0");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate))
    bad("learning rate = " + num(learning_rate) + ": must be positive and finite");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay))
    bad("weight decay = " + num(weight_decay) + ": must be >= 0");
  if (!(final_fraction >= 0.0) || !std::isfinite(final_fraction))
    bad("final learning-rate fraction = " + num(final_fraction) + ": must be >= 0 and finite");
  if (schedule == Schedule::kExponential && !(final_fraction > 0.0))
    bad("the exponential schedule needs a final learning-rate fraction > 0");
  if (!(clip_grad_norm >= 0.0)) bad("clip_grad_norm = " + num(clip_grad_norm) + ": must be >= 0");
  if (!(ema >= 0.0 && ema < 1.0)) bad("ema = " + num(ema) + ": must be in [0, 1)");
  if (eval_every < 0) bad("eval_every = " + std::to_string(eval_every) + ": must be >= 0");
  if (checkpoint_every < 0) bad("checkpoint_every = " + std::to_string(checkpoint_every) + ": must be >= 0");
  if (patience < 0) bad("patience = " + std::to_string(patience) + ": must be >= 0");
  if (patience > 0 && eval_every == 0) bad("patience needs eval_every > 0 (early stopping watches the evaluation)");
}

Trainer::Trainer(std::vector<torch::Tensor> parameters, TrainerOptions options, std::vector<torch::Tensor> undecayed,
                 const Distributed* distributed)
    : parameters_(std::move(parameters)), options_(std::move(options)),
      distributed_(distributed ? distributed : &Distributed::process()) {
  options_.validate();
  if (parameters_.empty()) throw InvalidInput(options_.label + ": the model has no parameters to train");
  for (const auto& p : parameters_) {
    const bool skip = std::any_of(undecayed.begin(), undecayed.end(),
                                  [&](const torch::Tensor& u) { return u.is_same(p); });
    if (!skip) decayed_.push_back(p);
  }
  if (options_.optimizer == OptimizerKind::kAdamW)
    optimizer_ = std::make_unique<torch::optim::AdamW>(parameters_, torch::optim::AdamWOptions(options_.learning_rate).weight_decay(0.0));
  else
    optimizer_ = std::make_unique<torch::optim::Adam>(parameters_, torch::optim::AdamOptions(options_.learning_rate));
  apply_hyperparameters(options_.learning_rate);
  if (distributed_->active()) reducer_ = std::make_unique<GradientReducer>(*distributed_, parameters_);
}

Trainer::~Trainer() = default;

void Trainer::set_options(const TrainerOptions& options) {
  options.validate();
  if (options.optimizer != options_.optimizer)
    throw InvalidInput(options.label + ": a trainer cannot change its optimiser between runs");
  options_ = options;
  apply_hyperparameters(options_.learning_rate);
}

void Trainer::apply_hyperparameters(double lr) {
  lr_ = lr;
  for (auto& group : optimizer_->param_groups()) {
    if (options_.optimizer == OptimizerKind::kAdamW) {
      auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
      o.lr(lr);
      o.weight_decay(0.0);
    } else {
      auto& o = static_cast<torch::optim::AdamOptions&>(group.options());
      o.lr(lr);
      o.weight_decay(0.0);
    }
  }
}

void Trainer::apply_weight_decay() {
  const double wd = options_.weight_decay;
  if (wd == 0.0) return;
  torch::NoGradGuard no_grad;
  for (auto& p : decayed_) {
    if (!p.grad().defined()) continue;  // as torch's optimisers, which skip parameters without gradients
    if (options_.optimizer == OptimizerKind::kAdamW)
      p.mul_(1.0 - lr_ * wd);
    else
      p.mutable_grad().add_(p, wd);
  }
}

double Trainer::learning_rate(const TrainerOptions& o, int64_t s, int64_t steps) {
  const double f = o.final_fraction;
  switch (o.schedule) {
    case Schedule::kConstant: return o.learning_rate;
    case Schedule::kCosine: {
      const double frac = static_cast<double>(s) / static_cast<double>(std::max<int64_t>(steps, 1));
      return o.learning_rate * (f + (1.0 - f) * 0.5 * (1.0 + std::cos(M_PI * frac)));
    }
    case Schedule::kExponential:
      if (steps <= 1) return o.learning_rate;
      return o.learning_rate * std::pow(f, static_cast<double>(s) / static_cast<double>(steps - 1));
  }
  return o.learning_rate;
}

void Trainer::swap_average() {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < average_.size(); ++i) {
    auto last = parameters_[i].detach().clone();
    parameters_[i].copy_(average_[i]);
    average_[i] = last;
  }
}

void Trainer::to(const torch::Device& device) {
  torch::NoGradGuard no_grad;
  auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device) : t; };
  auto move_moments = [&](auto& s) {
    s.exp_avg(move(s.exp_avg()));
    s.exp_avg_sq(move(s.exp_avg_sq()));
    s.max_exp_avg_sq(move(s.max_exp_avg_sq()));
  };
  for (auto& entry : optimizer_->state()) {
    if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(entry.second.get())) move_moments(*adam);
    else if (auto* adamw = dynamic_cast<torch::optim::AdamWParamState*>(entry.second.get())) move_moments(*adamw);
  }
  for (auto& a : average_) a = move(a);
}

void Trainer::save(torch::serialize::OutputArchive& archive) const { optimizer_->save(archive); }
void Trainer::load(torch::serialize::InputArchive& archive) {
  optimizer_->load(archive);
  apply_hyperparameters(options_.learning_rate);  // files written before the decay moved here carry it in the optimiser
}

TrainerResult Trainer::run(const LossFn& loss, const TrainerHooks& hooks) {
  const auto& o = options_;
  TrainerResult r;
  average_.clear();
  if (o.ema > 0)
    for (const auto& p : parameters_) average_.push_back(p.detach().clone());
  // Hooks see the averaged weights.
  auto with_average = [&](const auto& fn) {
    if (o.ema > 0) swap_average();
    fn();
    if (o.ema > 0) swap_average();
  };
  const bool parallel = distributed_->active(), primary = distributed_->primary();
  if (parallel) {  // every rank starts from rank 0's weights
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> weights;
    for (const auto& p : parameters_) weights.push_back(p.detach());
    distributed_->broadcast(weights);
  }
  Progress bar(o.label, static_cast<long>(o.steps), o.progress && primary, 1);
  std::string eval_text;
  int64_t since_best = 0, last_checkpoint = -1;
  double loss_sum = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < o.steps; ++i) {
    if (interrupt_requested())  // Ctrl-C: stop between steps; the last complete checkpoint stays
      throw Interrupted(o.label + " stopped after step " + std::to_string(step_) +
                        (last_checkpoint >= 0 ? "; the checkpoint of step " + std::to_string(last_checkpoint) + " is kept"
                                              : "; no checkpoint of this run was written"));
    if (o.schedule != Schedule::kConstant) apply_hyperparameters(learning_rate(o, i, o.steps));
    optimizer_->zero_grad();
    StepLoss l = loss(step_);
    double value = std::isnan(l.value) && l.objective.defined() ? l.objective.item<double>() : l.value;
    if (parallel) {
      // Every rank runs its backward pass even on a bad loss, so that all of them reach the same
      // sums and stop together below.
      const double share = l.share >= 0 ? l.share : 1.0 / distributed_->world_size();
      if (!l.gradients_ready) {
        reducer_->arm(share);
        l.objective.backward();
      }
      r.communication_seconds += reducer_->finish(share);
      value = distributed_->sum(value * share);
    }
    if (!std::isfinite(value))
      throw NumericalError(o.label + ": the loss became " + std::to_string(value) + " at step " +
                           std::to_string(step_ + 1) + "; lower the learning rate");
    if (!parallel && !l.gradients_ready) l.objective.backward();
    if (o.clip_grad_norm > 0) torch::nn::utils::clip_grad_norm_(parameters_, o.clip_grad_norm);
    apply_weight_decay();
    optimizer_->step();
    if (o.ema > 0) {
      torch::NoGradGuard no_grad;
      for (std::size_t k = 0; k < average_.size(); ++k)
        average_[k].mul_(o.ema).add_(parameters_[k].detach(), 1.0 - o.ema);
    }
    ++step_;
    ++r.steps;
    r.last_loss = value;
    loss_sum += value;
    if (hooks.on_step) hooks.on_step(step_, value);
    const bool last = i + 1 == o.steps;
    if (hooks.evaluate && o.eval_every > 0 && ((i + 1) % o.eval_every == 0 || last)) {
      double e = 0.0;
      with_average([&] { e = hooks.evaluate(); });
      r.history.push_back({step_, value, e});
      char text[64];
      std::snprintf(text, sizeof text, "eval %.2e", e);
      eval_text = text;
      if (e < r.best_eval) {
        r.best_eval = e;
        r.best_step = step_;
        since_best = 0;
      } else if (o.patience > 0 && ++since_best >= o.patience) {
        r.stopped_early = true;
      }
    }
    if (hooks.status) {
      bar.update(static_cast<long>(i + 1), hooks.status(step_, value));
    } else {
      char text[48];
      std::snprintf(text, sizeof text, "loss %.3e ", value);
      bar.update(static_cast<long>(i + 1), text + eval_text);
    }
    if (hooks.checkpoint && primary && o.checkpoint_every > 0 && (i + 1) % o.checkpoint_every == 0) {
      with_average(hooks.checkpoint);
      last_checkpoint = step_;
    }
    if (r.stopped_early) break;
  }
  if (hooks.checkpoint && primary && last_checkpoint != step_) with_average(hooks.checkpoint);
  bar.finish();
  if (o.ema > 0) swap_average();  // the average is the result
  average_.clear();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.mean_loss = r.steps > 0 ? loss_sum / static_cast<double>(r.steps) : 0.0;
  return r;
}

}  // namespace noether::physics
