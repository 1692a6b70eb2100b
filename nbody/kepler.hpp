// nbody/kepler.hpp: the analytic Kepler drift in universal variables (Stumpff / Stiefel
// G-functions), for elliptic, parabolic and hyperbolic orbits alike.
//
//   Vec3 r{1, 0, 0}, v{0, 1, 0};
//   noether::nbody::kepler_drift(r, v, /*mu=*/1.0, /*dt=*/0.1);  // r, v advanced by 0.1
//
// The universal anomaly X solves  r0 X + eta0 G2(X) + zeta0 G3(X) = dt  (eta0 = r0.v0,
// zeta0 = mu - beta r0, beta = 2 mu / r0 - v0^2) by Laguerre-Conway iteration from a third-order
// Taylor guess, which converges cubically; for the small steps of a planetary integration one
// Stumpff evaluation is enough, the G-functions at the root being carried by a Taylor update of
// the last correction. A state that is not finite, or an orbit the iteration cannot solve,
// throws noether::NumericalError naming the orbit: never a silent NaN.
#pragma once

#include <cmath>
#include <limits>

#include "nbody/vec3.hpp"

namespace noether::nbody {

namespace detail {

/// Throws NumericalError describing the orbit (mu, r, v, dt) and `why`.
[[noreturn]] void kepler_failure(const char* why, double mu, const Vec3& r, const Vec3& v, double dt);

/// Stumpff functions c0..c3 of z (c0 = cos sqrt z, c1 = sin sqrt z / sqrt z, ...), any finite z;
/// NaN for a non-finite z (quartering an infinite argument would never end), which the solver
/// reports as a failed drift. Series in z on |z| <= 0.1 with argument quartering (at most ~520
/// for the largest double) and the doubling identities above it.
inline void stumpff(double z, double c[4]) {
  if (!std::isfinite(z)) {
    c[0] = c[1] = c[2] = c[3] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  int quarterings = 0;
  while (std::abs(z) > 0.1) {
    z *= 0.25;
    ++quarterings;
  }
  // c2 = sum_j (-z)^j / (2j+2)!, c3 = sum_j (-z)^j / (2j+3)!, j = 0..6 (remainder < 1e-18).
  constexpr double i2 = 1.0 / 2, i3 = 1.0 / 6, i4 = 1.0 / 24, i5 = 1.0 / 120, i6 = 1.0 / 720,
                   i7 = 1.0 / 5040, i8 = 1.0 / 40320, i9 = 1.0 / 362880, i10 = 1.0 / 3628800,
                   i11 = 1.0 / 39916800, i12 = 1.0 / 479001600, i13 = 1.0 / 6227020800.0,
                   i14 = 1.0 / 87178291200.0, i15 = 1.0 / 1307674368000.0;
  double c3 = i15, c2 = i14;
  c3 = i13 - z * c3;  c2 = i12 - z * c2;
  c3 = i11 - z * c3;  c2 = i10 - z * c2;
  c3 = i9 - z * c3;   c2 = i8 - z * c2;
  c3 = i7 - z * c3;   c2 = i6 - z * c2;
  c3 = i5 - z * c3;   c2 = i4 - z * c2;
  c3 = i3 - z * c3;   c2 = i2 - z * c2;
  double c1 = 1.0 - z * c3, c0 = 1.0 - z * c2;
  for (; quarterings > 0; --quarterings) {  // c_k(4z) from c_k(z)
    const double n3 = 0.25 * (c2 + c0 * c3);
    const double n2 = 0.5 * c1 * c1;
    const double n1 = c0 * c1;
    const double n0 = 2.0 * c0 * c0 - 1.0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
  }
  c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3;
}

}  // namespace detail

/// Iteration limit of the Kepler solver (Laguerre-Conway converges in a handful from any guess).
inline constexpr int kKeplerMaxIterations = 64;

/// Advances position r (length) and velocity v (length/time) by time dt (may be negative) along
/// the two-body orbit of gravitational parameter mu = G M (length^3/time^2). Exact up to
/// round-off for any conic. Throws NumericalError (naming mu, r, v, dt) for a non-finite state,
/// r = 0, mu <= 0, or an orbit it cannot solve in kKeplerMaxIterations.
inline void kepler_drift(Vec3& r, Vec3& v, double mu, double dt) {
  if (dt == 0.0) return;
  const double r0 = norm(r);
  const double v2 = norm2(v);
  if (!(r0 > 0.0) || !std::isfinite(r0) || !std::isfinite(v2) || !std::isfinite(dt) ||
      !(mu > 0.0) || !std::isfinite(mu))
    detail::kepler_failure(r0 == 0.0 ? "zero distance" : "non-finite or invalid input", mu, r, v, dt);
  const double beta = 2.0 * mu / r0 - v2;  // mu / a
  const double eta0 = dot(r, v);
  const double zeta0 = mu - beta * r0;

  // Initial guess: third-order Taylor series of X(dt) for a step short compared to the orbit,
  // else the orbit-averaged rate (elliptic) or dt / r0 (hyperbolic).
  const double u = dt / r0;
  const double corr = 0.5 * u / r0 * (eta0 - u * (eta0 * eta0 / r0 - zeta0 / 3.0));
  double X;
  if (std::abs(corr) < 0.25)
    X = u * (1.0 - corr);
  else if (beta > 0.0)
    X = beta * dt / mu;
  else
    X = u;

  double G0 = 0, G1 = 0, G2 = 0, G3 = 0;
  bool converged = false;
  for (int it = 0; it < kKeplerMaxIterations; ++it) {
    double c[4];
    const double X2 = X * X;
    detail::stumpff(beta * X2, c);
    G0 = c[0];
    G1 = X * c[1];
    G2 = X2 * c[2];
    G3 = X2 * X * c[3];
    const double f = r0 * X + eta0 * G2 + zeta0 * G3 - dt;
    const double fp = r0 + eta0 * G1 + zeta0 * G2;
    const double fpp = eta0 * G0 + zeta0 * G1;
    // Laguerre-Conway step (n = 5): converges from any guess, cubically near the root.
    const double disc = std::sqrt(std::abs(16.0 * fp * fp - 20.0 * f * fpp));
    const double denom = fp + (fp >= 0.0 ? disc : -disc);
    const double d = -5.0 * f / denom;
    if (!std::isfinite(d) || !std::isfinite(X)) break;
    X += d;
    if (std::abs(d) <= 1e-6 * std::abs(X)) {
      // The root is X to round-off (cubic convergence); carry the G-functions to it by Taylor.
      const double d2 = 0.5 * d * d, d3 = d * d * d / 6.0;
      const double nG3 = G3 + d * G2 + d2 * G1 + d3 * G0;
      const double nG2 = G2 + d * G1 + d2 * G0 - d3 * beta * G1;
      const double nG1 = G1 + d * G0 - d2 * beta * G1 - d3 * beta * G0;
      const double nG0 = G0 - d * beta * G1 - d2 * beta * G0 + d3 * beta * beta * G1;
      G0 = nG0; G1 = nG1; G2 = nG2; G3 = nG3;
      converged = true;
      break;
    }
  }
  if (!converged) detail::kepler_failure("universal-variable iteration did not converge", mu, r, v, dt);

  const double rn = r0 + eta0 * G1 + zeta0 * G2;
  if (!(rn > 0.0) || !std::isfinite(rn)) detail::kepler_failure("non-positive radius at the root", mu, r, v, dt);
  // f - 1, g, fdot, gdot - 1 (increments keep the round-off small). g uses the time t(X) of the
  // root rather than dt, so that f gdot - fdot g = 1 holds whatever the residual: the map is
  // the exact (symplectic) Kepler flow for t(X).
  const double fm1 = -mu * G2 / r0;
  const double g = r0 * X + eta0 * G2 - beta * r0 * G3;
  const double fd = -mu * G1 / (r0 * rn);
  const double gdm1 = -mu * G2 / rn;
  const Vec3 r_0 = r, v_0 = v;
  r.x += fm1 * r_0.x + g * v_0.x;
  r.y += fm1 * r_0.y + g * v_0.y;
  r.z += fm1 * r_0.z + g * v_0.z;
  v.x += fd * r_0.x + gdm1 * v_0.x;
  v.y += fd * r_0.y + gdm1 * v_0.y;
  v.z += fd * r_0.z + gdm1 * v_0.z;
}

}  // namespace noether::nbody
