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

#include "nbody/detail/body.hpp"
#include "nbody/vec3.hpp"

namespace noether::nbody {

namespace detail {

/// Throws NumericalError describing the orbit (mu, r, v, dt) and `why`.
[[noreturn]] void kepler_failure(const char* why, double mu, const Vec3& r, const Vec3& v, double dt);

/// The Stumpff series c_k(z) = sum_j (-z)^j / (2j + k)!, k = 0..3, Horner over 7 terms
/// (remainder < 1e-18 for |z| <= 0.1), written once for every scalar type of the drift: double,
/// the SIMD lanes of the test particles (nbody/detail/kepler_lanes.hpp) and torch tensors (the
/// differentiable drift of nbody/neural_interaction.cpp). Value semantics only.
template <class S>
void stumpff_series(const S& z, S& c0, S& c1, S& c2, S& c3) {
  constexpr double i2 = 1.0 / 2, i3 = 1.0 / 6, i4 = 1.0 / 24, i5 = 1.0 / 120, i6 = 1.0 / 720,
                   i7 = 1.0 / 5040, i8 = 1.0 / 40320, i9 = 1.0 / 362880, i10 = 1.0 / 3628800,
                   i11 = 1.0 / 39916800, i12 = 1.0 / 479001600, i13 = 1.0 / 6227020800.0,
                   i14 = 1.0 / 87178291200.0, i15 = 1.0 / 1307674368000.0;
  S s3 = i13 - z * i15, s2 = i12 - z * i14;
  s3 = i11 - z * s3;  s2 = i10 - z * s2;
  s3 = i9 - z * s3;   s2 = i8 - z * s2;
  s3 = i7 - z * s3;   s2 = i6 - z * s2;
  s3 = i5 - z * s3;   s2 = i4 - z * s2;
  s3 = i3 - z * s3;   s2 = i2 - z * s2;
  c1 = 1.0 - z * s3;
  c0 = 1.0 - z * s2;
  c2 = s2;
  c3 = s3;
}

/// c_k(4z) from c_k(z): the doubling identities that undo one quartering of the argument.
template <class S>
void stumpff_quadruple(S& c0, S& c1, S& c2, S& c3) {
  const S n3 = 0.25 * (c2 + c0 * c3);
  const S n2 = 0.5 * c1 * c1;
  const S n1 = c0 * c1;
  const S n0 = 2.0 * c0 * c0 - 1.0;
  c0 = n0; c1 = n1; c2 = n2; c3 = n3;
}

/// Stumpff functions c0..c3 of z (c0 = cos sqrt z, c1 = sin sqrt z / sqrt z, ...), any finite z;
/// NaN for a non-finite z (quartering an infinite argument would never end), which the solver
/// reports as a failed drift. The series on |z| <= 0.1 with argument quartering (at most ~520
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
  double c0, c1, c2, c3;
  stumpff_series(z, c0, c1, c2, c3);
  for (; quarterings > 0; --quarterings) stumpff_quadruple(c0, c1, c2, c3);
  c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3;
}

/// The orbit's invariants for the universal-variable equation, for any per-body value type
/// P (Vec3, or a torch tensor [B, 3] of B orbits with the scalars [B, 1]).
template <class S>
struct KeplerOrbit {
  S r0;     ///< |r|
  S beta;   ///< 2 mu / r0 - v^2 = mu / a
  S eta0;   ///< r . v
  S zeta0;  ///< mu - beta r0
};

/// The invariants of the orbit of (r, v) about mu (a double, or for tensors of several bodies'
/// orbits one mu per body, broadcasting like the scalars).
template <class P, class Mu>
KeplerOrbit<typename Body<P>::Scalar> kepler_orbit(const P& r, const P& v, const Mu& mu) {
  using B = Body<P>;
  const auto r0 = B::sqrt(B::norm2(r));
  const auto beta = 2.0 * mu / r0 - B::norm2(v);
  return {r0, beta, B::dot(r, v), mu - beta * r0};
}

/// The universal anomaly X at time dt and the G-functions G_k = X^k c_k(beta X^2) there.
template <class S>
struct KeplerRoot {
  S X, G0, G1, G2, G3;
};

/// G0..G3 at X, the series taken at beta X^2 / 4^quarterings (|.| <= 0.1 needed) and quadrupled
/// back.
template <class S>
KeplerRoot<S> g_functions(const S& X, const S& beta, int quarterings = 0) {
  S c0, c1, c2, c3;
  const S X2 = X * X;
  stumpff_series(beta * X2 * std::ldexp(1.0, -2 * quarterings), c0, c1, c2, c3);
  for (int k = 0; k < quarterings; ++k) stumpff_quadruple(c0, c1, c2, c3);
  return {X, c0, X * c1, X2 * c2, X2 * X * c3};
}

/// Residual of the universal Kepler equation r0 X + eta0 G2 + zeta0 G3 - dt and its derivative.
template <class S>
S kepler_equation(const KeplerOrbit<S>& o, const KeplerRoot<S>& g, double dt) {
  return o.r0 * g.X + o.eta0 * g.G2 + o.zeta0 * g.G3 - dt;
}
template <class S>
S kepler_equation_slope(const KeplerOrbit<S>& o, const KeplerRoot<S>& g) {
  return o.r0 + o.eta0 * g.G1 + o.zeta0 * g.G2;
}

/// The Kepler map from (r, v) given the root, in f and g form: radius at the root rn,
///   r += (f - 1) r + g v,  v += fdot r + (gdot - 1) v.
/// g uses the time t(X) of the root rather than dt, so that f gdot - fdot g = 1 holds whatever
/// the residual: the map is the exact (symplectic) Kepler flow for t(X). Increments keep the
/// round-off small. Value semantics (a torch tensor is a handle).
template <class P, class S, class Mu>
void kepler_advance(P& r, P& v, const Mu& mu, const KeplerOrbit<S>& o, const KeplerRoot<S>& g, const S& rn) {
  const S fm1 = -mu * g.G2 / o.r0;
  const S gg = o.r0 * g.X + o.eta0 * g.G2 - o.beta * o.r0 * g.G3;
  const S fd = -mu * g.G1 / (o.r0 * rn);
  const S gdm1 = -mu * g.G2 / rn;
  const P r_0 = r, v_0 = v;
  r = r_0 + (fm1 * r_0 + gg * v_0);
  v = v_0 + (fd * r_0 + gdm1 * v_0);
}

/// kepler_orbit after checking the input: throws NumericalError (naming the orbit) for a
/// non-finite state, r = 0 or mu <= 0.
inline KeplerOrbit<double> checked_orbit(const Vec3& r, const Vec3& v, double mu, double dt) {
  const double r0 = norm(r);
  const double v2 = norm2(v);
  if (!(r0 > 0.0) || !std::isfinite(r0) || !std::isfinite(v2) || !std::isfinite(dt) || !(mu > 0.0) ||
      !std::isfinite(mu))
    kepler_failure(r0 == 0.0 ? "zero distance" : "non-finite or invalid input", mu, r, v, dt);
  return kepler_orbit(r, v, mu);
}

/// Laguerre-Conway solution of the universal Kepler equation from a third-order Taylor guess
/// (doubles); the G-functions at the root carried by a Taylor update of the last correction.
/// Throws NumericalError naming the orbit (r, v) if it does not converge.
inline KeplerRoot<double> universal_root(const KeplerOrbit<double>& o, double mu, double dt, const Vec3& r,
                                         const Vec3& v);

}  // namespace detail

/// Iteration limit of the Kepler solver (Laguerre-Conway converges in a handful from any guess).
inline constexpr int kKeplerMaxIterations = 64;

/// Advances position r (length) and velocity v (length/time) by time dt (may be negative) along
/// the two-body orbit of gravitational parameter mu = G M (length^3/time^2). Exact up to
/// round-off for any conic. Throws NumericalError (naming mu, r, v, dt) for a non-finite state,
/// r = 0, mu <= 0, or an orbit it cannot solve in kKeplerMaxIterations.
inline void kepler_drift(Vec3& r, Vec3& v, double mu, double dt) {
  if (dt == 0.0) return;
  const auto o = detail::checked_orbit(r, v, mu, dt);
  const auto g = detail::universal_root(o, mu, dt, r, v);
  const double rn = detail::kepler_equation_slope(o, g);
  if (!(rn > 0.0) || !std::isfinite(rn)) detail::kepler_failure("non-positive radius at the root", mu, r, v, dt);
  detail::kepler_advance(r, v, mu, o, g, rn);
}

namespace detail {

inline KeplerRoot<double> universal_root(const KeplerOrbit<double>& o, double mu, double dt, const Vec3& r,
                                         const Vec3& v) {
  const double r0 = o.r0, beta = o.beta, eta0 = o.eta0, zeta0 = o.zeta0;
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

  for (int it = 0; it < kKeplerMaxIterations; ++it) {
    double c[4];
    const double X2 = X * X;
    stumpff(beta * X2, c);
    const double G0 = c[0];
    const double G1 = X * c[1];
    const double G2 = X2 * c[2];
    const double G3 = X2 * X * c[3];
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
      return {X,
              G0 - d * beta * G1 - d2 * beta * G0 + d3 * beta * beta * G1,
              G1 + d * G0 - d2 * beta * G1 - d3 * beta * G0,
              G2 + d * G1 + d2 * G0 - d3 * beta * G1,
              G3 + d * G2 + d2 * G1 + d3 * G0};
    }
  }
  kepler_failure("universal-variable iteration did not converge", mu, r, v, dt);
}

}  // namespace detail

}  // namespace noether::nbody
