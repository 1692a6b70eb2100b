// integrators/rattle.hpp: RATTLE for holonomic constraints, and the projection onto the
// constraint manifold that keeps any other scheme on it.
//
//   // phi(q) -> [m] constraints, jacobian(q) -> [m x n], grad_v(q) -> [n], minv [n x n]
//   int newton = rattle_step(q, p, dt, minv, grad_v, phi, jacobian);  // H = p^T M^{-1} p / 2 + V
//   project_onto_constraints(q, p, minv, phi, jacobian);  // after a step of an unconstrained scheme
//
// RATTLE (Andersen 1983; Leimkuhler & Reich, ch. 7) for H = p^T M^{-1} p / 2 + V(q) with
// constraints phi(q) = 0 and their hidden velocity form G(q) M^{-1} p = 0, G = d phi / dq:
//   p_half = p - dt/2 (grad V(q) + G(q)^T lambda),  q1 = q + dt M^{-1} p_half,  phi(q1) = 0
//   p1 = p_half - dt/2 (grad V(q1) + G(q1)^T mu),   G(q1) M^{-1} p1 = 0
// lambda by Newton's method (m unknowns), mu by one linear solve. Order 2, symplectic on the
// constraint manifold, time-reversible; phi and G M^{-1} p vanish to the solver's tolerance after
// every step. Written for Eigen vectors of any scalar (doubles, or Eigen's AutoDiffScalar to get
// the step's exact Jacobian); M^{-1} is a constant matrix. Throws NumericalError when Newton's
// method does not converge (a step too large for the constraint's curvature).
#pragma once

#include <algorithm>
#include <cmath>
#include <sstream>
#include <type_traits>

#include <Eigen/Dense>

#include "noether/error.hpp"

namespace noether::integrators {

struct RattleOptions {
  double tol = 1e-14;       ///< stop Newton when max |phi(q1)| <= tol
  int max_iterations = 50;  ///< Newton iterations per step
  void validate() const {
    if (!(tol > 0.0)) throw InvalidInput("RattleOptions.tol must be > 0");
    if (max_iterations < 1) throw InvalidInput("RattleOptions.max_iterations must be >= 1");
  }
};

namespace detail {
template <class S>
double value_of(const S& s) {
  if constexpr (std::is_arithmetic_v<S>) return static_cast<double>(s);
  else return value_of(s.value());
}
template <class V>
double max_abs_value(const V& v) {
  double m = 0.0;
  for (Eigen::Index i = 0; i < v.size(); ++i) m = std::max(m, std::abs(value_of(v[i])));
  return m;
}
}  // namespace detail

/// One RATTLE step, in place. phi(q) -> [m] and jacobian(q) -> [m x n]; grad_v(q) -> [n]; minv
/// [n x n]. Returns the Newton iterations. q must satisfy phi(q) = 0 (to the tolerance) on entry.
template <class Vec, class Mat, class GradV, class Phi, class Jac>
int rattle_step(Vec& q, Vec& p, double dt, const Mat& minv, GradV&& grad_v, Phi&& phi, Jac&& jacobian,
                const RattleOptions& o = {}) {
  using MatS = Eigen::Matrix<typename Vec::Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const double h = dt, h2 = 0.5 * dt;
  const MatS g0 = jacobian(q);
  const Vec p_free = p - h2 * Vec(grad_v(q));
  const Vec q_free = q + h * (minv * p_free);
  const MatS minv_g0t = minv * g0.transpose();  // [n x m]
  Vec lambda = Vec::Zero(g0.rows());
  Vec q1 = q_free;
  int iterations = 0;
  bool settled = false;
  // Newton on phi(q_free - h^2/2 M^{-1} G0^T lambda) = 0; one more iteration after convergence,
  // so that derivatives carried by the scalar type settle as well.
  while (true) {
    const Vec r = phi(q1);
    const bool converged = detail::max_abs_value(r) <= o.tol;
    if (settled) break;
    if (converged) settled = true;
    if (++iterations > o.max_iterations) {
      std::ostringstream os;
      os << "RATTLE: Newton's method for the position constraints did not converge in " << o.max_iterations
         << " iterations (|phi| = " << detail::max_abs_value(r) << ", dt = " << dt << "); reduce dt";
      throw NumericalError(os.str());
    }
    const MatS d = -(h * h2) * (MatS(jacobian(q1)) * minv_g0t);  // d phi / d lambda [m x m]
    lambda -= d.partialPivLu().solve(r);
    q1 = q_free - (h * h2) * (minv_g0t * lambda);
  }
  const Vec p_half = p_free - h2 * (g0.transpose() * lambda);
  const MatS g1 = jacobian(q1);
  const Vec p_kick = p_half - h2 * Vec(grad_v(q1));
  // G1 M^{-1} (p_kick - h/2 G1^T mu) = 0.
  const MatS minv_g1t = minv * g1.transpose();
  const Vec mu = (h2 * (g1 * minv_g1t)).partialPivLu().solve(Vec(g1 * (minv * p_kick)));
  q = q1;
  p = p_kick - h2 * (g1.transpose() * mu);
  return iterations;
}

/// Puts (q, p) back on the constraint manifold after a step of a scheme that does not keep it:
/// q along M^{-1} G(q)^T (Newton, the M-orthogonal projection), then p onto G(q) M^{-1} p = 0.
/// Returns the Newton iterations; NumericalError when they do not converge.
template <class Vec, class Mat, class Phi, class Jac>
int project_onto_constraints(Vec& q, Vec& p, const Mat& minv, Phi&& phi, Jac&& jacobian, const RattleOptions& o = {}) {
  using MatS = Eigen::Matrix<typename Vec::Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const MatS minv_gt = minv * MatS(jacobian(q)).transpose();
  int iterations = 0;
  for (Vec r = phi(q); detail::max_abs_value(r) > o.tol; r = phi(q)) {
    if (++iterations > o.max_iterations) {
      std::ostringstream os;
      os << "constraint projection did not converge in " << o.max_iterations
         << " iterations (|phi| = " << detail::max_abs_value(r) << ")";
      throw NumericalError(os.str());
    }
    q -= minv_gt * (MatS(MatS(jacobian(q)) * minv_gt).partialPivLu().solve(r));
  }
  const MatS g = jacobian(q);
  const MatS minv_g1t = minv * g.transpose();
  p -= g.transpose() * (MatS(g * minv_g1t).partialPivLu().solve(Vec(g * (minv * p))));
  return iterations;
}

}  // namespace noether::integrators
