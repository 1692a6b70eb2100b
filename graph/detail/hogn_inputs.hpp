// graph/detail/hogn_inputs.hpp: what a one-block HOGN's edge network reads, for the two paths that
// build it by hand (the torch-free field, graph/eigen_hogn.cpp, and the written-out training
// loss, graph/fused_hogn.cpp), in HognImpl::energy's order.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace noether::graph::detail {

/// The relative position q_s - q_r into col[0, d) and the distance the networks see into col[d]
/// (as the torch path: sqrt(max(|dq|^2, 1e-30))). Returns the distance where its gradient is live,
/// 0 below the clamp (where the torch path's gradient vanishes).
template <class T>
T relative_position(const T* q, int64_t d, int64_t s, int64_t r, T* col) {
  T sq = 0;
  for (int64_t j = 0; j < d; ++j) {
    col[j] = q[s * d + j] - q[r * d + j];
    sq += col[j] * col[j];
  }
  col[d] = std::sqrt(std::max(sq, T(1e-30)));
  return sq > T(1e-30) ? col[d] : T(0);
}

/// Edge k's input to phi_e into col: (dq, |dq|, e_k, m_s, x_s, m_r, x_r), d + 1 + fe + 2 (1 + f)
/// entries; q [N x d], m [N], x [N x f], ef [E x fe] (null when fe = 0). Returns relative_position's
/// live distance.
template <class T>
T edge_input(const T* q, const T* m, const T* x, const T* ef, int64_t d, int64_t f, int64_t fe, int64_t k,
             int64_t s, int64_t r, T* col) {
  const T dist = relative_position(q, d, s, r, col);
  T* c = col + d + 1;
  for (int64_t j = 0; j < fe; ++j) *c++ = ef[k * fe + j];
  for (const int64_t node : {s, r}) {
    *c++ = m[node];
    for (int64_t j = 0; j < f; ++j) *c++ = x[node * f + j];
  }
  return dist;
}

}  // namespace noether::graph::detail
