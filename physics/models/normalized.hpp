// physics/models/normalized.hpp: a generalized model (or the baseline) learning in normalised
// coordinates. States whose entries are tens of units (Lorenz-63) and derivatives in the hundreds
// cost networks that start at unit scale most of a run's steps; a change of coordinates that keeps
// the structure removes that.
//
//   ModelConfig c = normalization_for(config, data.x, data.dxdt);  // shift, scales from the data
//   auto model = make_model(c);                                      // a NormalizedModelImpl
//   auto dxdt = model->time_derivative(x, false);                    // in the data's units
//
// With x~ = (x - m) / s entrywise and time t~ = c t, the kind's own model f~ learns in (x~, t~),
// and dx/dt = c s (.) f~(x~). A diagonal change of coordinates and a change of time unit keep every
// structure the generalized kinds promise: (J~ + R~) grad~ H becomes (c D J~ D + c D R~ D) grad H
// with D = diag(s), still skew and negative semi-definite; GHNN's J~_ij, blind to x~_i and x~_j,
// stays blind to x_i and x_j; GENERIC's L grad S = c D L~ grad~ S = 0 and M grad E = 0 carry over;
// NSF's form becomes D^-1 W~ D^-1 / c, still closed. Energies and entropies are the inner model's
// at x~ (the same functions of the state). The canonical kinds and SymODEN are refused (c D J D
// is not the canonical J; SymODEN's angles must stay angles).
#pragma once

#include <memory>

#include <torch/torch.h>

#include "physics/models/model.hpp"

namespace noether::physics {

class NormalizedModelImpl : public DynamicsModelImpl {
 public:
  /// config.normalized() must hold; the inner model is config's kind without the normalisation.
  explicit NormalizedModelImpl(const ModelConfig& config);
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override;
  bool has_energy() const override { return inner_->has_energy(); }
  torch::Tensor energy(const torch::Tensor& x) override { return inner_->energy(to_inner(x)); }
  bool has_entropy() const override { return inner_->has_entropy(); }
  torch::Tensor entropy(const torch::Tensor& x) override { return inner_->entropy(to_inner(x)); }
  torch::Tensor dissipation(const torch::Tensor& x) override { return inner_->dissipation(to_inner(x)); }
  /// The inner model's residual, in its coordinates: zero exactly where the pushed-back model's is.
  torch::Tensor structure_residual(const torch::Tensor& x) override;
  torch::Tensor structure_penalty(const torch::Tensor& x) override;
  /// The model of config's kind that learns in the normalised coordinates.
  DynamicsModelImpl& inner() { return *inner_; }
  /// x~ = (x - input_shift) / input_scale, [B, n] -> [B, n] (differentiable in x).
  torch::Tensor to_inner(const torch::Tensor& x) const;

 private:
  std::shared_ptr<DynamicsModelImpl> inner_;
  // The config's shift and scale, and c s, made once as float64 tensors (not parameters).
  torch::Tensor shift_, scale_, push_back_;
};

/// config with input_shift, input_scale and time_scale from training states x [N, n] and their
/// time derivatives dxdt [N, n]: each entry's mean and standard deviation (scale 1 for an entry
/// that does not vary), and the time scale that gives the inner model's targets unit root mean
/// square, c = sqrt(mean_i (std(dxdt_i) / s_i)^2). Throws InvalidInput for shapes that do not fit
/// config or a kind that cannot be normalised.
ModelConfig normalization_for(ModelConfig config, const torch::Tensor& x, const torch::Tensor& dxdt);

}  // namespace noether::physics
