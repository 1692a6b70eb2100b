// physics/pixels/detail/residual.hpp: the residual MLP the pixel models' encoders and decoders
// share (pixel_model.cpp, hgn.cpp): h = relu(L0 x), h += relu(L1 h), h += relu(L2 h), L3 h, with
// orthogonal initial weights, as the pixel HNN paper's autoencoder.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

namespace noether::physics::detail {

inline torch::nn::Linear orthogonal_linear(int64_t in, int64_t out) {
  torch::nn::Linear l(in, out);
  torch::NoGradGuard no_grad;
  torch::nn::init::orthogonal_(l->weight);
  return l;
}

/// Registers `name`0 .. `name`3 on `owner`: in -> hidden -> hidden -> hidden -> out.
inline std::vector<torch::nn::Linear> residual_layers(torch::nn::Module& owner, const std::string& name, int64_t in,
                                                      int64_t hidden, int64_t out) {
  const int64_t sizes[4][2] = {{in, hidden}, {hidden, hidden}, {hidden, hidden}, {hidden, out}};
  std::vector<torch::nn::Linear> layers;
  for (int k = 0; k < 4; ++k)
    layers.push_back(owner.register_module(name + std::to_string(k), orthogonal_linear(sizes[k][0], sizes[k][1])));
  return layers;
}

inline torch::Tensor residual_forward(std::vector<torch::nn::Linear>& layers, const torch::Tensor& x) {
  torch::Tensor h = torch::relu(layers[0]->forward(x));
  h = h + torch::relu(layers[1]->forward(h));
  h = h + torch::relu(layers[2]->forward(h));
  return layers[3]->forward(h);
}

}  // namespace noether::physics::detail
