// bench/bench_allreduce.cpp: the time of one all-reduce of N float32 values through noether's
// distributed context (c10d, Gloo), as the trainer's gradient sums pay it. Run under torchrun:
//
//   torchrun --nproc_per_node 2 --no_python --redirects 1 --tee 1 --log_dir LOGS
//       build/bench/bench_allreduce 1000 10000 100000 1000000        (one command line)
//
// Rank 0 prints one line of JSON per size: {"floats": N, "bytes": B, "ranks": W, "microseconds": t}
// (median of 50 after 5 warm-up rounds).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <torch/torch.h>

#include "physics/learning/distributed.hpp"

int main(int argc, char** argv) {
  const auto& d = noether::physics::Distributed::process();
  std::vector<long> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atol(argv[i]));
  if (sizes.empty()) sizes = {1000, 100000, 1000000};
  for (const long n : sizes) {
    std::vector<torch::Tensor> t{torch::ones({n}, torch::kFloat32)};
    std::vector<double> us;
    for (int round = 0; round < 55; ++round) {
      d.barrier();
      const auto start = std::chrono::steady_clock::now();
      d.allreduce_sum(t);
      const double took = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
      if (round >= 5) us.push_back(took);
    }
    std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
    if (d.primary())
      std::printf("{\"floats\":%ld,\"bytes\":%ld,\"ranks\":%d,\"microseconds\":%.1f}\n", n, n * 4, d.world_size(),
                  us[us.size() / 2]);
  }
  return 0;
}
