#include "physics/models/mlp.hpp"

#include "noether/error.hpp"

namespace noether::physics {

const char* mlp_activations() { return "tanh, relu, softplus, sin"; }

void check_activation(const std::string& activation, const std::string& what) {
  if (activation != "tanh" && activation != "relu" && activation != "softplus" && activation != "sin")
    throw InvalidInput("unknown " + what + " activation '" + activation + "'; known: " + mlp_activations());
}

MlpImpl::MlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t layers,
                 const std::string& activation, bool last_bias)
    : activation_(activation) {
  int64_t width = in;
  for (int64_t l = 0; l <= layers; ++l) {
    const bool last = l == layers;
    auto lin = register_module(
        "linear" + std::to_string(l),
        torch::nn::Linear(torch::nn::LinearOptions(width, last ? out : hidden).bias(!last || last_bias)));
    // Orthogonal weights; the biases keep torch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as
    // in the HNN code.
    torch::NoGradGuard no_grad;
    torch::nn::init::orthogonal_(lin->weight);
    linears_.push_back(lin);
    width = hidden;
  }
}

torch::Tensor MlpImpl::act(const torch::Tensor& x) const {
  if (activation_ == "tanh") return torch::tanh(x);
  if (activation_ == "relu") return torch::relu(x);
  if (activation_ == "softplus") return torch::softplus(x);
  return torch::sin(x);
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (std::size_t l = 0; l + 1 < linears_.size(); ++l) h = act(linears_[l]->forward(h));
  return linears_.back()->forward(h);
}

}  // namespace noether::physics
