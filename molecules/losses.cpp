// molecules/losses.cpp: batched Kabsch RMSD and pair-distance losses (torch).
#include "molecules/losses.hpp"

#include "graph/graph.hpp"
#include "noether/error.hpp"

namespace noether::molecules {

torch::Tensor kabsch_rmsd(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& batch,
                          int64_t graphs, double eps) {
  if (x.dim() != 2 || x.size(1) != 3 || !x.sizes().equals(y.sizes()))
    throw InvalidInput("kabsch_rmsd: x and y must both be [N, 3]");
  const auto opts = x.options();
  const auto counts = graph::sum_into(torch::ones({x.size(0)}, opts), batch, graphs);
  const auto n = counts.clamp_min(1.0).unsqueeze(1);
  const auto xc = x - (graph::sum_into(x, batch, graphs) / n).index_select(0, batch);
  const auto yc = y - (graph::sum_into(y, batch, graphs) / n).index_select(0, batch);
  torch::Tensor rotation;
  {
    torch::NoGradGuard no_grad;
    const auto outer = xc.unsqueeze(2) * yc.unsqueeze(1);  // [N, 3, 3]
    const auto h = graph::sum_into(outer, batch, graphs);
    auto [u, s, vh] = torch::linalg_svd(h, /*full_matrices=*/false);
    auto sign = torch::sign(torch::det(torch::matmul(u, vh)));
    sign = torch::where(sign == 0, torch::ones_like(sign), sign);
    auto d = torch::ones({graphs, 3}, opts);
    d.select(1, 2).copy_(sign);
    rotation = torch::matmul(u * d.unsqueeze(1), vh);  // [G, 3, 3]
  }
  const auto moved = torch::matmul(xc.unsqueeze(1), rotation.index_select(0, batch)).squeeze(1);
  const auto sq = (moved - yc).pow(2).sum(1);
  const auto msd = graph::sum_into(sq, batch, graphs) / counts.clamp_min(1.0);
  return torch::sqrt(msd + eps);
}

torch::Tensor pair_distance_mse(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& pairs,
                                const torch::Tensor& pair_graph, int64_t graphs) {
  const auto i = pairs[0], j = pairs[1];
  const auto dx = (x.index_select(0, i) - x.index_select(0, j)).pow(2).sum(1).add(1e-12).sqrt();
  const auto dy = (y.index_select(0, i) - y.index_select(0, j)).pow(2).sum(1).add(1e-12).sqrt();
  const auto opts = x.options();
  const auto sums = graph::sum_into((dx - dy).pow(2), pair_graph, graphs);
  const auto counts = graph::sum_into(torch::ones({pairs.size(1)}, opts), pair_graph, graphs);
  return sums / counts.clamp_min(1.0);
}

}  // namespace noether::molecules
