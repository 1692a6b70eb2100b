// integrators/detail/explicit_rk.hpp: one explicit Runge-Kutta step from a Butcher tableau.
// Shared by the schemes in rk4.hpp's family that are defined by tables (dopri5.hpp, dop853.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace noether::integrators::detail {

/// Computes the stages k_i = f(t + c_i h, y + h sum_j a_ij k_j) of an explicit tableau with
/// S stages whose strictly lower triangular matrix `a` is stored row by row. `k` is resized to S.
/// `k0`, when non-null, is f(t, y) already known (FSAL) and saves one evaluation.
/// Returns the number of evaluations made.
template <std::size_t S, class State, class F>
std::size_t rk_stages(const State& y, double t, double h, F&& f, const std::array<double, S>& c,
                      const std::array<std::array<double, S>, S>& a, std::vector<State>& k,
                      const State* k0 = nullptr) {
  k.clear();
  k.reserve(S);
  std::size_t evals = 0;
  if (k0) {
    k.push_back(*k0);
  } else {
    k.push_back(f(t, y));
    ++evals;
  }
  for (std::size_t i = 1; i < S; ++i) {
    State yi = y;
    for (std::size_t j = 0; j < i; ++j) {
      if (a[i][j] != 0.0) yi = yi + (h * a[i][j]) * k[j];
    }
    k.push_back(f(t + c[i] * h, yi));
    ++evals;
  }
  return evals;
}

/// y + h * sum_i w_i k_i over the first `n` stages, skipping zero weights.
template <class State, class W>
State rk_combine(const State& y, double h, const W& w, const std::vector<State>& k, std::size_t n) {
  State out = y;
  for (std::size_t i = 0; i < n; ++i) {
    if (w[i] != 0.0) out = out + (h * w[i]) * k[i];
  }
  return out;
}

/// h * sum_i w_i k_i over the first `n` stages (a difference of two solutions: an error estimate).
template <class State, class W>
State rk_sum(double h, const W& w, const std::vector<State>& k, std::size_t n) {
  State out = (h * w[0]) * k[0];
  for (std::size_t i = 1; i < n; ++i) {
    if (w[i] != 0.0) out = out + (h * w[i]) * k[i];
  }
  return out;
}

}  // namespace noether::integrators::detail
