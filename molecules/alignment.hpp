// molecules/alignment.hpp: rotation- and translation-free comparison of conformations.
//
//   double r = kabsch_rmsd(a, b);                     // Eigen [N, 3], Å
//
// Without LibTorch (the inference path, conform.hpp, uses it); the batched, differentiable
// version for training is in molecules/losses.hpp.
#pragma once

#include <Eigen/Dense>

namespace noether::molecules {

/// Rotation (proper, det +1) that best maps centred a onto centred b: a_c R ≈ b_c. [3, 3].
Eigen::Matrix3d kabsch_rotation(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b);

/// Root-mean-square deviation after optimal superposition (translation + proper rotation), Å.
/// Throws InvalidInput when the shapes differ or there are no points.
double kabsch_rmsd(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b);

/// a moved onto b (the superposed copy of a).
Eigen::MatrixX3d kabsch_superpose(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b);

}  // namespace noether::molecules
