// molecules/alignment.hpp: rotation- and translation-free comparison of conformations.
//
//   double r = kabsch_rmsd(a, b);                     // Eigen [N, 3], Å
//   auto rmsd = kabsch_rmsd(x, y, batch, graphs);     // torch, per graph, differentiable
//
// The torch version is differentiable through x and y: the optimal rotation is computed with the
// gradient switched off, which gives the exact gradient of the minimum (the envelope theorem:
// at the optimal rotation the derivative with respect to the rotation vanishes), without
// differentiating an SVD, whose derivative is unstable when singular values are close.
#pragma once

#include <cstdint>

#include <Eigen/Dense>
#include <torch/torch.h>

namespace noether::molecules {

/// Rotation (proper, det +1) that best maps centred a onto centred b: a_c R ≈ b_c. [3, 3].
Eigen::Matrix3d kabsch_rotation(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b);

/// Root-mean-square deviation after optimal superposition (translation + proper rotation), Å.
/// Throws InvalidInput when the shapes differ or there are no points.
double kabsch_rmsd(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b);

/// a moved onto b (the superposed copy of a).
Eigen::MatrixX3d kabsch_superpose(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b);

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
