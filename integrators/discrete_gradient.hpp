// integrators/discrete_gradient.hpp: the average-vector-field (AVF) discrete-gradient method for
// generalized Hamiltonian systems dx/dt = S(x) grad H(x), S = J + R with J skew and R negative
// semi-definite (issue 16).
//
//   DiscreteGradientOptions o;   // quadrature nodes, tolerance, iteration cap
//   int evals = avf_step(x, dt,
//                        [](const State& x) { return grad_H(x); },              // grad H
//                        [](const State& x, const State& v) { return S(x) v; },  // S applied to v
//                        o);
//
// One step solves x1 = x0 + dt S(xm) g,  xm = (x0 + x1) / 2,  g = integral_0^1 grad H(x0 + s (x1 - x0)) ds
// (g by Gauss-Legendre quadrature). Because g . (x1 - x0) = H(x1) - H(x0) whenever the quadrature
// is exact, H(x1) - H(x0) = dt g^T S(xm) g: zero for skew S, <= 0 when S's symmetric part is
// negative semi-definite, whatever the step. So H is conserved to round-off (or decays
// monotonically) over any number of steps, where explicit schemes drift; exactness needs
// grad H polynomial of degree <= 2 nodes - 1 along lines (a quartic H: 2 nodes), and for any other
// H the quadrature error is O(dt^(2 nodes)) per step. For S(x) = skew(x) (a rigid body, odd
// dimension) |x|^2 is conserved too: (x1 - x0) . xm = 0. Order 2, time-symmetric for a
// skew S. The state may be an Eigen vector or a torch::Tensor (a batch of states: S and grad H
// act row by row, and each row keeps its own energy). Fixed-point iteration from an explicit
// Euler guess, as implicit_midpoint_step; throws NumericalError when it does not converge.
#pragma once

#include <array>
#include <cmath>
#include <sstream>

#include "integrators/detail/fixed_point.hpp"
#include "integrators/state.hpp"
#include "noether/error.hpp"

namespace noether::integrators {

struct DiscreteGradientOptions {
  int nodes = 3;       ///< Gauss-Legendre nodes of the average (1 to 5): exact for polynomial grad H of degree <= 2 nodes - 1
  double tol = 1e-14;  ///< stop when max|x1_new - x1| <= tol * (1 + max|x1|)
  int max_iterations = 100;
  void validate() const {
    if (nodes < 1 || nodes > 5) throw InvalidInput("DiscreteGradientOptions.nodes must be 1 to 5");
    if (!(tol > 0.0)) throw InvalidInput("DiscreteGradientOptions.tol must be > 0");
    if (max_iterations < 1) throw InvalidInput("DiscreteGradientOptions.max_iterations must be >= 1");
  }
};

namespace detail {

/// Gauss-Legendre nodes on [0, 1] and their weights (summing to 1), for n = 1..5.
struct GaussLegendre01 {
  int n;
  std::array<double, 5> node, weight;
};

inline GaussLegendre01 gauss_legendre01(int n) {
  // Nodes and weights on [-1, 1]; mapped to [0, 1] below.
  static const double x[5][5] = {{0.0},
                                 {-0.5773502691896257645, 0.5773502691896257645},
                                 {-0.7745966692414833770, 0.0, 0.7745966692414833770},
                                 {-0.8611363115940525752, -0.3399810435848562648, 0.3399810435848562648,
                                  0.8611363115940525752},
                                 {-0.9061798459386639928, -0.5384693101056830910, 0.0, 0.5384693101056830910,
                                  0.9061798459386639928}};
  static const double w[5][5] = {{2.0},
                                 {1.0, 1.0},
                                 {0.5555555555555555556, 0.8888888888888888889, 0.5555555555555555556},
                                 {0.3478548451374538574, 0.6521451548625461426, 0.6521451548625461426,
                                  0.3478548451374538574},
                                 {0.2369268850561890875, 0.4786286704993664680, 0.5688888888888888889,
                                  0.4786286704993664680, 0.2369268850561890875}};
  GaussLegendre01 g{n, {}, {}};
  for (int k = 0; k < n; ++k) {
    g.node[static_cast<std::size_t>(k)] = 0.5 * (x[n - 1][k] + 1.0);
    g.weight[static_cast<std::size_t>(k)] = 0.5 * w[n - 1][k];
  }
  return g;
}

}  // namespace detail

/// The average of grad H over the segment from x0 to x1 (Gauss-Legendre, `nodes` points).
template <class State, class GradH>
State average_gradient(const State& x0, const State& x1, GradH&& grad_h, int nodes) {
  const auto q = detail::gauss_legendre01(nodes);
  const State dx = x1 - x0;
  State g = q.weight[0] * grad_h(State(x0 + q.node[0] * dx));
  for (int k = 1; k < q.n; ++k)
    g = g + q.weight[static_cast<std::size_t>(k)] * grad_h(State(x0 + q.node[static_cast<std::size_t>(k)] * dx));
  return g;
}

/// One AVF step of dx/dt = S(x) grad H(x), in place; apply_s(x, v) returns S(x) v. Returns the
/// number of fixed-point iterations.
template <class State, class GradH, class ApplyS>
int avf_step(State& x, double dt, GradH&& grad_h, ApplyS&& apply_s, const DiscreteGradientOptions& o = {}) {
  State x1 = x + dt * apply_s(x, grad_h(x));
  double change = 0.0;
  const int iterations = detail::fixed_point(
      x1,
      [&](const State& z) {
        const State g = average_gradient(x, z, grad_h, o.nodes);
        return State(x + dt * apply_s(State(0.5 * (x + z)), g));
      },
      o.tol, o.max_iterations, change);
  if (iterations > 0) {
    x = std::move(x1);
    return iterations;
  }
  std::ostringstream os;
  os << "discrete-gradient (AVF) step did not converge with dt = " << dt << " (last change " << change
     << "); reduce dt";
  throw NumericalError(os.str());
}

/// The AVF step of a vector field f(t, x), in place: x1 = x0 + dt * integral_0^1 f(t + dt/2,
/// x0 + s (x1 - x0)) ds. For a Hamiltonian field f = J grad H with a constant J this is avf_step
/// with S = J (J J^T = I), so H is kept to round-off; for any other field it is a second-order,
/// time-symmetric method. Returns the evaluations of f. This is the registry's "avf".
template <class State, class F>
long avf_field_step(State& y, double t, double dt, F&& f, const DiscreteGradientOptions& o = {}) {
  const double tm = t + 0.5 * dt;
  const int iterations = avf_step(
      y, dt, [&](const State& x) { return f(tm, x); }, [](const State&, const State& v) { return v; }, o);
  return 1 + static_cast<long>(iterations) * o.nodes;
}

}  // namespace noether::integrators
