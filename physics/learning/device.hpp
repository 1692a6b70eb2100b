// physics/learning/device.hpp: where a learning run computes. The learning path is written once
// for tensors on any device (docs/architecture.md); these name the device a command was asked for
// and move a model and its optimiser there.
//
//   const torch::Device d = parse_device("auto");   // the first GPU when there is one, else the CPU
//   model->to(d);  trainer.to(d);                   // weights, then Adam's moments
//   const torch::Device here = device_of(*model);   // evaluation follows the model
//
// Names: "cpu" (the default everywhere), "cuda", "cuda:N", "auto". Asking for a GPU that this
// LibTorch cannot reach (Debian's is built without CUDA; a CUDA build on a machine without a
// card; an index past the cards there are) is InvalidInput naming what is missing, before any work.
#pragma once

#include <string>

#include <torch/torch.h>

namespace noether::physics {

/// The device `name` names, checked against what this process can reach (see above).
torch::Device parse_device(const std::string& name);
/// "cpu", "cuda:0": the name parse_device reads back.
std::string device_name(const torch::Device& device);
/// The device of the module's first parameter (the CPU for a module without parameters).
torch::Device device_of(const torch::nn::Module& module);

}  // namespace noether::physics
