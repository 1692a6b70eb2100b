// integrators/composition.hpp: raising the order of a symmetric scheme by composition.
//
//   compose(kYoshida4, dt, [&](double h) { leapfrog_step(q, p, h, dH_dq, dH_dp); });
//
// A symmetric method of order 2 applied with sub-steps w_i dt (symmetric weights summing to 1)
// has order 4 or 6 for Yoshida's weights (Yoshida 1990, Phys. Lett. A 150, 262). The composition
// keeps symplecticity and time symmetry of the base method; its cost is the base cost times the
// number of weights.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

namespace noether::integrators {

namespace detail {
inline double yoshida4_outer() { return 1.0 / (2.0 - std::cbrt(2.0)); }
}  // namespace detail

/// Yoshida's 4th-order triple jump: w1, w0, w1 with w1 = 1/(2 - 2^(1/3)), w0 = 1 - 2 w1.
inline const std::array<double, 3>& yoshida4_weights() {
  static const std::array<double, 3> w{detail::yoshida4_outer(), 1.0 - 2.0 * detail::yoshida4_outer(),
                                       detail::yoshida4_outer()};
  return w;
}

/// Yoshida's 6th-order composition (his solution A): w3 w2 w1 w0 w1 w2 w3.
inline const std::array<double, 7>& yoshida6_weights() {
  constexpr double w1 = -1.17767998417887;
  constexpr double w2 = 0.235573213359357;
  constexpr double w3 = 0.784513610477560;
  static const std::array<double, 7> w{w3, w2, w1, 1.0 - 2.0 * (w1 + w2 + w3), w1, w2, w3};
  return w;
}

/// Applies `base(w_i * dt)` for each weight in turn.
template <class Weights, class BaseStep>
void compose(const Weights& weights, double dt, BaseStep&& base) {
  for (double w : weights) base(w * dt);
}

}  // namespace noether::integrators
