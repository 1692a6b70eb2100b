// molecules/alignment.cpp: Kabsch superposition (Eigen).
#include "molecules/alignment.hpp"

#include <cmath>
#include <string>

#include "noether/error.hpp"

namespace noether::molecules {

namespace {
void check_pair(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b) {
  if (a.rows() != b.rows())
    throw InvalidInput("kabsch: point sets differ in size (" + std::to_string(a.rows()) + " vs " +
                       std::to_string(b.rows()) + ")");
  if (a.rows() == 0) throw InvalidInput("kabsch: no points");
}
}  // namespace

Eigen::Matrix3d kabsch_rotation(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b) {
  check_pair(a, b);
  const Eigen::MatrixX3d ac = a.rowwise() - a.colwise().mean();
  const Eigen::MatrixX3d bc = b.rowwise() - b.colwise().mean();
  const Eigen::Matrix3d h = ac.transpose() * bc;
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(h, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix3d d = Eigen::Matrix3d::Identity();
  d(2, 2) = (svd.matrixU() * svd.matrixV().transpose()).determinant() < 0 ? -1.0 : 1.0;
  return svd.matrixU() * d * svd.matrixV().transpose();
}

Eigen::MatrixX3d kabsch_superpose(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b) {
  const Eigen::Matrix3d r = kabsch_rotation(a, b);
  const Eigen::MatrixX3d moved = (a.rowwise() - a.colwise().mean()) * r;
  return moved.rowwise() + b.colwise().mean();
}

double kabsch_rmsd(const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b) {
  const Eigen::MatrixX3d d = kabsch_superpose(a, b) - b;
  return std::sqrt(d.squaredNorm() / static_cast<double>(a.rows()));
}

}  // namespace noether::molecules
