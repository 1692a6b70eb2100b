// tests/support/kepler_fixture.hpp: the Kepler problem (eccentricity 0.5) as the integrator
// tests' common test bed, with its vector field and separable gradients as plain functions.
#pragma once

#include <functional>

#include "physics/systems/systems.hpp"

namespace noether::testing {

using Vector = noether::physics::Vector;

inline const noether::physics::Kepler& kepler() {
  static const noether::physics::Kepler k;
  return k;
}
inline Vector kepler_field(double, const Vector& y) { return kepler().vector_field(y); }
inline Vector kepler_grad_q(const Vector& q) { return kepler().dH_dq(q, q); }
inline Vector kepler_grad_p(const Vector& p) { return kepler().dH_dp(p, p); }

/// A separable scheme (leapfrog_step, yoshida4_step, ...) instantiated for the Kepler gradients.
using SeparableScheme = void (*)(Vector&, Vector&, double, Vector (&)(const Vector&),
                                 Vector (&)(const Vector&));

/// One step of `scheme` on the stacked Kepler state y = [q; p].
inline void kepler_separable_step(SeparableScheme scheme, Vector& y, double dt) {
  Vector q = y.head(2), p = y.tail(2);
  scheme(q, p, dt, kepler_grad_q, kepler_grad_p);
  y << q, p;
}

}  // namespace noether::testing
