#include "physics/learning/device.hpp"

#include <algorithm>
#include <cctype>

#include "noether/error.hpp"

namespace noether::physics {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  int index = 0;
  if (name == "cuda") {
    index = 0;
  } else if (name.rfind("cuda:", 0) == 0 && name.size() > 5 && name.size() <= 8 &&
             std::all_of(name.begin() + 5, name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    index = std::stoi(name.substr(5));
  } else {
    throw InvalidInput("unknown device '" + name + "' (known: cpu, cuda, cuda:N, auto)");
  }
  if (!torch::cuda::is_available())
    throw InvalidInput("device '" + name + "': this LibTorch reaches no CUDA device (" +
                       (torch::cuda::device_count() == 0 ? std::string("no GPU, or a LibTorch built without CUDA, such as Debian's")
                                                         : std::string("CUDA is not usable")) +
                       "); use --device cpu, or build noether against a CUDA LibTorch (README.md, \"On a GPU\")");
  const auto cards = static_cast<int>(torch::cuda::device_count());
  if (index >= cards)
    throw InvalidInput("device '" + name + "': this machine has " + std::to_string(cards) + " CUDA device" +
                       (cards == 1 ? "" : "s") + " (cuda:0 to cuda:" + std::to_string(cards - 1) + ")");
  return {torch::kCUDA, static_cast<c10::DeviceIndex>(index)};
}

std::string device_name(const torch::Device& device) {
  if (device.is_cpu()) return "cpu";
  return device.str().find(':') == std::string::npos ? device.str() + ":0" : device.str();
}

torch::Device device_of(const torch::nn::Module& module) {
  const auto params = module.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

}  // namespace noether::physics
