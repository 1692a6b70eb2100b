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
constexpr double kTwoPi = 6.283185307179586;

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
  if (base_components < 1 || base_components > 64)
    throw bad("base_components = " + std::to_string(base_components) + " must be in [1, 64]");
}

int64_t FlowModelImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

void FlowModelImpl::register_base(bool learned) {
  const int64_t k = config_.base_components;
  if (!learned && k == 1) return;
  // One component at the origin; several spread on the unit circle, so that they start apart.
  const auto angle = torch::arange(k, torch::kFloat32) * (kTwoPi / static_cast<double>(k));
  const auto centres = k == 1 ? torch::zeros({1, 2}) : torch::stack({torch::cos(angle), torch::sin(angle)}, 1);
  mean_ = register_parameter("base_mean", centres);
  log_scale_ = register_parameter("base_log_scale", torch::zeros({k, 2}));
  log_weight_ = register_parameter("base_log_weight", torch::zeros({k}));
}

torch::Tensor FlowModelImpl::base_log_prob(const torch::Tensor& z) const {
  if (!mean_.defined()) return standard_log_prob(z);
  const auto u = (z.unsqueeze(1) - mean_.unsqueeze(0)) * torch::exp(-log_scale_).unsqueeze(0);  // [B, K, 2]
  const auto each = standard_log_prob(u.reshape({-1, 2})).reshape({z.size(0), -1}) - log_scale_.sum(1);
  return torch::logsumexp(each + torch::log_softmax(log_weight_, 0), 1);
}

torch::Tensor FlowModelImpl::base_sample(int64_t n, const torch::TensorOptions& options) const {
  const auto noise = torch::randn({n, 2}, options);
  if (!mean_.defined()) return noise;
  if (mean_.size(0) == 1) return mean_ + torch::exp(log_scale_) * noise;
  const auto which = torch::multinomial(torch::softmax(log_weight_, 0), n, true);
  return mean_.index_select(0, which) + torch::exp(log_scale_.index_select(0, which)) * noise;
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
  register_base(true);
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
  return base_log_prob(to_base(x));
}

torch::Tensor HamiltonianFlowImpl::sample(int64_t n) {
  torch::NoGradGuard no_grad;
  const auto opts = stages_.front()->parameters().front().options();
  return from_base(base_sample(n, opts)).detach();
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
  register_base(false);
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
  return base_log_prob(z) + log_det;
}

torch::Tensor RealNvpImpl::sample(int64_t n) {
  torch::NoGradGuard no_grad;
  const auto opts = couplings_.front()->linears().front()->weight.options();
  return from_base(base_sample(n, opts));
}

std::shared_ptr<FlowModelImpl> make_flow(const FlowConfig& config) {
  config.validate();
  if (config.kind == FlowKind::kHamiltonian) return std::make_shared<HamiltonianFlowImpl>(config);
  return std::make_shared<RealNvpImpl>(config);
}

}  // namespace noether::physics
