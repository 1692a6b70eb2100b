// tests/distributed/model_diff.cpp: the largest relative difference between the weights of two
// `noether train` model files, |a - b|_max / max(|a|_max, tiny) per parameter, printed; exits 0
// when it is at most the limit given (the distributed tests compare 1- and 2-rank runs with it).
//
//   model_diff a.pt b.pt 1e-6
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "physics/learning/training.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: model_diff A.pt B.pt LIMIT\n");
    return 2;
  }
  try {
    const auto a = noether::physics::load_checkpoint(argv[1]);
    const auto b = noether::physics::load_checkpoint(argv[2]);
    const auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
    if (pa.size() != pb.size()) {
      std::fprintf(stderr, "model_diff: %zu parameters against %zu\n", pa.size(), pb.size());
      return 1;
    }
    double worst = 0.0;
    for (const auto& item : pa) {
      const auto& x = item.value();
      const auto& y = pb[item.key()];
      const double scale = std::max(x.abs().max().item<double>(), 1e-300);
      worst = std::max(worst, (x.to(torch::kFloat64) - y.to(torch::kFloat64)).abs().max().item<double>() / scale);
    }
    std::printf("largest relative difference %.3e over %zu parameters (steps %lld and %lld)\n", worst, pa.size(),
                static_cast<long long>(a.step()), static_cast<long long>(b.step()));
    return worst <= std::atof(argv[3]) && a.step() == b.step() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_diff: %s\n", e.what());
    return 2;
  }
}
