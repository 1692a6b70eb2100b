#include "physics/models/flow.hpp"

#include <cmath>

#include "integrators/leapfrog.hpp"
#include "noether/enum_names.hpp"
#include "noether/error.hpp"
#include "physics/models/separable.hpp"

namespace noether::physics {

namespace {
constexpr EnumName<FlowKind> kFlowKinds[] = {{FlowKind::kHamiltonian, "hnf"}, {FlowKind::kRealNvp, "realnvp"}};
constexpr double kLog2Pi = 1.8378770664093453;

void check_points(const torch::Tensor& x) {
  if (x.dim() != 2 || x.size(1) != 2) throw InvalidInput("flow: points must be [B, 2], got " + c10::str(x.sizes()));
}

/// log N(z; 0, I) per row.
torch::Tensor standard_log_prob(const torch::Tensor& z) { return -0.5 * z.pow(2).sum(1) - kLog2Pi; }
}  // namespace

const char* flow_kind_name(FlowKind kind) { return enum_name(kFlowKinds, kind); }
FlowKind parse_flow_kind(const std::string& name) { return parse_enum(kFlowKinds, name, "flow"); }

void FlowConfig::validate() const {
  auto bad = [](const std::string& what) { return InvalidInput("flow: " + what); };
  if (layers < 1 || layers > 64) throw bad("layers = " + std::to_string(layers) + " must be in [1, 64]");
  if (hidden < 1) throw bad("hidden must be >= 1");
  if (leapfrog_steps < 1) throw bad("leapfrog_steps must be >= 1");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw bad("dt must be finite and > 0");
}

int64_t FlowModelImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

// ---- Hamiltonian flow -------------------------------------------------------------------------

HamiltonianFlowImpl::HamiltonianFlowImpl(const FlowConfig& c) : FlowModelImpl(c) {
  c.validate();
  ModelConfig m;
  m.kind = ModelKind::kSeparable;
  m.dof = 1;
  m.hidden = c.hidden;
  m.layers = 2;
  m.activation = "tanh";
  for (int64_t k = 0; k < c.layers; ++k)
    stages_.push_back(register_module("stage" + std::to_string(k), make_model(m)));
  mean_ = register_parameter("base_mean", torch::zeros({2}));
  log_scale_ = register_parameter("base_log_scale", torch::zeros({2}));
}

torch::Tensor HamiltonianFlowImpl::run(const torch::Tensor& x, double dt, bool backwards) {
  // create_graph: the log-likelihood's gradient must reach the Hamiltonians through the steps.
  const bool create_graph = torch::GradMode::is_enabled();
  torch::Tensor q = x.narrow(1, 0, 1), p = x.narrow(1, 1, 1);
  const int64_t n = static_cast<int64_t>(stages_.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto g = separable_gradients(stages_[static_cast<std::size_t>(backwards ? n - 1 - i : i)], create_graph);
    for (int64_t s = 0; s < config_.leapfrog_steps; ++s) integrators::leapfrog_step(q, p, dt, g.dH_dq, g.dH_dp);
  }
  return torch::cat({q, p}, 1);
}

torch::Tensor HamiltonianFlowImpl::to_base(const torch::Tensor& x) {
  check_points(x);
  return run(x, -config_.dt, true);
}

torch::Tensor HamiltonianFlowImpl::from_base(const torch::Tensor& z) {
  check_points(z);
  return run(z, config_.dt, false);
}

torch::Tensor HamiltonianFlowImpl::log_prob(const torch::Tensor& x) {
  const auto z = to_base(x);
  const auto u = (z - mean_) * torch::exp(-log_scale_);
  return standard_log_prob(u) - log_scale_.sum();
}

torch::Tensor HamiltonianFlowImpl::sample(int64_t n) {
  torch::NoGradGuard no_grad;
  const auto z = mean_ + torch::exp(log_scale_) * torch::randn({n, 2}, mean_.options());
  return from_base(z).detach();
}

// ---- RealNVP ----------------------------------------------------------------------------------

RealNvpImpl::RealNvpImpl(const FlowConfig& c) : FlowModelImpl(c) {
  c.validate();
  for (int64_t k = 0; k < c.layers; ++k) {
    couplings_.push_back(register_module("coupling" + std::to_string(k), Mlp(1, c.hidden, 2, 2, "tanh", true)));
    // Start at the identity map.
    torch::NoGradGuard no_grad;
    auto last = couplings_.back()->linears().back();
    last->weight.zero_();
    last->bias.zero_();
  }
}

std::pair<torch::Tensor, torch::Tensor> RealNvpImpl::inverse(const torch::Tensor& x) {
  check_points(x);
  torch::Tensor a = x.narrow(1, 0, 1), b = x.narrow(1, 1, 1);
  torch::Tensor log_det = torch::zeros({x.size(0)}, x.options());
  // Layer k changes coordinate (k odd ? a : b) given the other; undo them last to first.
  for (int64_t k = static_cast<int64_t>(couplings_.size()) - 1; k >= 0; --k) {
    torch::Tensor& keep = k % 2 == 0 ? a : b;
    torch::Tensor& change = k % 2 == 0 ? b : a;
    const auto st = couplings_[static_cast<std::size_t>(k)]->forward(keep);
    const auto s = torch::tanh(st.narrow(1, 0, 1)), t = st.narrow(1, 1, 1);
    change = (change - t) * torch::exp(-s);
    log_det = log_det - s.squeeze(1);
  }
  return {torch::cat({a, b}, 1), log_det};
}

torch::Tensor RealNvpImpl::to_base(const torch::Tensor& x) { return inverse(x).first; }

torch::Tensor RealNvpImpl::from_base(const torch::Tensor& z) {
  check_points(z);
  torch::Tensor a = z.narrow(1, 0, 1), b = z.narrow(1, 1, 1);
  for (std::size_t k = 0; k < couplings_.size(); ++k) {
    torch::Tensor& keep = k % 2 == 0 ? a : b;
    torch::Tensor& change = k % 2 == 0 ? b : a;
    const auto st = couplings_[k]->forward(keep);
    change = change * torch::exp(torch::tanh(st.narrow(1, 0, 1))) + st.narrow(1, 1, 1);
  }
  return torch::cat({a, b}, 1);
}

torch::Tensor RealNvpImpl::log_prob(const torch::Tensor& x) {
  const auto [z, log_det] = inverse(x);
  return standard_log_prob(z) + log_det;
}

torch::Tensor RealNvpImpl::sample(int64_t n) {
  torch::NoGradGuard no_grad;
  const auto opts = couplings_.front()->linears().front()->weight.options();
  return from_base(torch::randn({n, 2}, opts));
}

std::shared_ptr<FlowModelImpl> make_flow(const FlowConfig& config) {
  config.validate();
  if (config.kind == FlowKind::kHamiltonian) return std::make_shared<HamiltonianFlowImpl>(config);
  return std::make_shared<RealNvpImpl>(config);
}

}  // namespace noether::physics
