// molecules/losses.hpp: the training losses over batched conformations (torch, differentiable).
//
//   auto rmsd = kabsch_rmsd(x, y, batch, graphs);            // per graph, Å
//   auto adj = pair_distance_mse(x, y, pairs, pair_graph, graphs);
//
// kabsch_rmsd is differentiable through x and y: the optimal rotation is computed with the
// gradient switched off, which gives the exact gradient of the minimum (the envelope theorem:
// at the optimal rotation the derivative with respect to the rotation vanishes), without
// differentiating an SVD, whose derivative is unstable when singular values are close. The
// exact, single-pair version is molecules/alignment.hpp's.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace noether::molecules {

/// Per-graph Kabsch RMSD of batched point sets. x, y: [N, 3]; batch: [N] int64 graph index in
/// [0, graphs); returns [graphs]. eps is added under the square root so that the gradient stays
/// finite at zero deviation.
torch::Tensor kabsch_rmsd(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& batch,
                          int64_t graphs, double eps = 1e-12);

/// Per-graph mean over the given atom pairs of (|x_i - x_j| - |y_i - y_j|)^2, Å^2.
/// pairs: [2, P] int64; pair_graph: [P] graph of each pair; returns [graphs] (0 for a graph
/// without pairs). With all pairs this is the distance MSE; with the pairs within k bonds it is
/// HamNet's ADJ-k loss.
torch::Tensor pair_distance_mse(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& pairs,
                                const torch::Tensor& pair_graph, int64_t graphs);

}  // namespace noether::molecules
