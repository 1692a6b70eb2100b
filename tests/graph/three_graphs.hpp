// tests/graph/three_graphs.hpp: the small batch the torch-free and fused HOGN tests share.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "graph/graph.hpp"

namespace noether::graph::testing {

/// Three graphs of 3, 4 and 5 particles, fully connected, with f node and fe edge features
/// (uniform in [0.5, 1.5) and [0, 1)).
inline GraphBatch three_graphs(int64_t f, int64_t fe, torch::Dtype dtype = torch::kFloat64) {
  const auto opts = torch::TensorOptions().dtype(dtype);
  std::vector<Graph> graphs;
  for (const int64_t n : {3, 4, 5}) {
    Graph g{torch::rand({n, f}, opts) + 0.5, fully_connected(n), {}, {}};
    if (fe > 0) g.edges = torch::rand({n * (n - 1), fe}, opts);
    graphs.push_back(g);
  }
  return batch(graphs);
}

}  // namespace noether::graph::testing
