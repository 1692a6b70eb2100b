// physics/models/mlp.hpp: the multilayer perceptron every learned model is built from.
//
//   Mlp net(/*in=*/2, /*hidden=*/200, /*out=*/1, /*layers=*/2, "tanh", /*last_bias=*/false);
//   torch::Tensor y = net->forward(x);   // x [B, in] -> [B, out]
//
// Orthogonal weights; the biases keep torch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as in
// the HNN code. Activations: tanh, relu, softplus, sin. Parameters are named linear0 .. linearL.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

namespace noether::physics {

/// The activation names Mlp accepts, for validation messages: "tanh, relu, softplus, sin".
const char* mlp_activations();
/// Throws InvalidInput naming `what` when `activation` is not one of mlp_activations().
void check_activation(const std::string& activation, const std::string& what);

/// Multilayer perceptron in -> hidden (x layers) -> out.
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t layers, const std::string& activation,
          bool last_bias);
  /// x: [B, in] -> [B, out]
  torch::Tensor forward(const torch::Tensor& x);
  /// The linear layers in order (for the Eigen inference path and inspection).
  std::vector<torch::nn::Linear> linears() const { return linears_; }
  const std::string& activation() const { return activation_; }

 private:
  torch::Tensor act(const torch::Tensor& x) const;
  std::vector<torch::nn::Linear> linears_;
  std::string activation_;
};
TORCH_MODULE(Mlp);

}  // namespace noether::physics
