#include "physics/models/normalized.hpp"

#include <cmath>
#include <string>

#include "noether/error.hpp"

namespace noether::physics {

namespace {
ModelConfig without_normalization(ModelConfig c) {
  c.input_shift.clear();
  c.input_scale.clear();
  c.time_scale = 1.0;
  return c;
}

torch::Tensor as_tensor(const std::vector<double>& v) {
  return torch::tensor(v, torch::TensorOptions().dtype(torch::kFloat64));
}

/// t on x's device and in x's type (t itself when it already is).
torch::Tensor like(const torch::Tensor& t, const torch::Tensor& x) { return t.to(x.device(), x.scalar_type()); }
}  // namespace

NormalizedModelImpl::NormalizedModelImpl(const ModelConfig& config) : DynamicsModelImpl(config) {
  config.validate();
  if (!config.normalized()) throw InvalidInput("NormalizedModelImpl needs a config with input_scale");
  inner_ = register_module("inner", make_model(without_normalization(config)));
  shift_ = as_tensor(config.input_shift);
  scale_ = as_tensor(config.input_scale);
  push_back_ = scale_ * config.time_scale;
}

torch::Tensor NormalizedModelImpl::to_inner(const torch::Tensor& x) const {
  detail::check_width(x, state_dim());
  return (x - like(shift_, x)) / like(scale_, x);
}

torch::Tensor NormalizedModelImpl::time_derivative(const torch::Tensor& x, bool create_graph) {
  const auto f = inner_->time_derivative(to_inner(x), create_graph);
  return f * like(push_back_, x);
}

torch::Tensor NormalizedModelImpl::structure_residual(const torch::Tensor& x) {
  return inner_->structure_residual(to_inner(x));
}

torch::Tensor NormalizedModelImpl::structure_penalty(const torch::Tensor& x) {
  return inner_->structure_penalty(to_inner(x));
}

ModelConfig normalization_for(ModelConfig config, const torch::Tensor& x, const torch::Tensor& dxdt) {
  const int64_t n = config.dim();
  if (x.dim() != 2 || x.size(1) != n || x.size(0) < 2 || !dxdt.sizes().equals(x.sizes()))
    throw InvalidInput("normalisation needs states and derivatives [N >= 2, " + std::to_string(n) + "], got " +
                       c10::str(x.sizes()) + " and " + c10::str(dxdt.sizes()));
  torch::NoGradGuard no_grad;
  const auto xs = x.to(torch::kFloat64), ds = dxdt.to(torch::kFloat64);
  const auto mean = xs.mean(0);
  auto scale = xs.std(0);
  scale = torch::where(scale > 1e-12 * (1.0 + mean.abs()), scale, torch::ones_like(scale));
  const double rate = std::sqrt((ds.std(0) / scale).square().mean().item<double>());
  config.input_shift.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + n);
  config.input_scale.assign(scale.data_ptr<double>(), scale.data_ptr<double>() + n);
  config.time_scale = rate > 0.0 && std::isfinite(rate) ? rate : 1.0;
  config.validate();
  return config;
}

}  // namespace noether::physics
