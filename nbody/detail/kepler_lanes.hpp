// nbody/detail/kepler_lanes.hpp: the Kepler drift of kLanes independent orbits at once (SIMD
// lanes, GNU vector extensions; AVX2/FMA when built for x86-64-v3), for the test particles.
//
//   detail::LaneD rx, ry, rz, vx, vy, vz;   // one orbit per lane
//   detail::LaneM bad = detail::kepler_drift_lanes(rx, ry, rz, vx, vy, vz, mu, dt);
//   // lanes set in `bad` are unchanged: redo them with the scalar kepler_drift (which throws
//   // the usual NumericalError for an orbit nobody can solve).
//
// The arithmetic is that of kepler_drift (nbody/kepler.hpp), operation for operation, restricted
// to its usual case: the third-order Taylor guess (|corr| < 0.25), Stumpff series without
// argument quartering (|beta X^2| <= 0.1) and convergence within kLaneIterations Laguerre-Conway
// steps. A lane outside that case (wide or eccentric step, hyperbolic escape far from the
// centre, non-finite state, r = 0, ...) is reported in the mask and left untouched, so the
// results agree with the scalar path to round-off (the compiler may contract a*b+c into FMA
// differently in scalar and vector code) and its errors are the scalar path's.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#if defined(__AVX__) || defined(__SSE2__)
#include <immintrin.h>
#endif

#include "nbody/kepler.hpp"

namespace noether::nbody::detail {

/// Orbits per lane group: one vector register of doubles per quantity, 4 with AVX (x86-64-v3
/// builds), else 2 (SSE2, NEON). (8, as two AVX registers, measured 2.8x slower with GCC 12: the
/// wider type goes through memory.)
#if defined(__AVX__)
inline constexpr int kLanes = 4;
#else
inline constexpr int kLanes = 2;
#endif
/// Laguerre-Conway steps tried in the lanes before a lane falls back to the scalar solver.
inline constexpr int kLaneIterations = 3;

typedef double LaneD __attribute__((vector_size(kLanes * sizeof(double))));
typedef std::int64_t LaneM __attribute__((vector_size(kLanes * sizeof(double))));  // all-ones / zero

inline LaneD lane_splat(double x) {
  LaneD v;
  for (int l = 0; l < kLanes; ++l) v[l] = x;
  return v;
}

inline LaneD lane_abs(LaneD a) {
  return (LaneD)((LaneM)a & static_cast<std::int64_t>(0x7fffffffffffffffULL));
}

inline LaneD lane_select(LaneM m, LaneD a, LaneD b) { return (LaneD)((m & (LaneM)a) | (~m & (LaneM)b)); }

/// All-ones where a is finite.
inline LaneM lane_finite(LaneD a) { return lane_abs(a) <= DBL_MAX; }

inline LaneD lane_sqrt(LaneD a) {
#if defined(__AVX__)
  return (LaneD)_mm256_sqrt_pd((__m256d)a);
#elif defined(__SSE2__)
  return (LaneD)_mm_sqrt_pd((__m128d)a);
#else
  for (int l = 0; l < kLanes; ++l) a[l] = std::sqrt(a[l]);
  return a;
#endif
}

/// True if any lane of m is set.
inline bool lane_any(LaneM m) {
#if defined(__AVX__)
  return _mm256_movemask_pd((__m256d)m) != 0;
#elif defined(__SSE2__)
  return _mm_movemask_pd((__m128d)m) != 0;
#else
  std::int64_t any = 0;
  for (int l = 0; l < kLanes; ++l) any |= m[l];
  return any != 0;
#endif
}

/// kepler_drift (nbody/kepler.hpp) on each lane: positions (rx, ry, rz) and velocities
/// (vx, vy, vz) advanced by dt along the orbit of gravitational parameter mu. Returns the lanes
/// it could not handle, which are left unchanged for the scalar solver.
inline LaneM kepler_drift_lanes(LaneD& rx, LaneD& ry, LaneD& rz, LaneD& vx, LaneD& vy, LaneD& vz,
                                double mu, double dt) {
  const LaneM all = lane_splat(0.0) == lane_splat(0.0);
  if (dt == 0.0) return ~all;
  if (!(mu > 0.0) || !std::isfinite(mu) || !std::isfinite(dt)) return all;
  const LaneD r0 = lane_sqrt(rx * rx + ry * ry + rz * rz);
  const LaneD v2 = vx * vx + vy * vy + vz * vz;
  LaneM ok = (r0 > 0.0) & lane_finite(r0) & lane_finite(v2);
  const LaneD beta = 2.0 * mu / r0 - v2;
  const LaneD eta0 = rx * vx + ry * vy + rz * vz;
  const LaneD zeta0 = mu - beta * r0;

  const LaneD u = dt / r0;
  const LaneD corr = 0.5 * u / r0 * (eta0 - u * (eta0 * eta0 / r0 - zeta0 / 3.0));
  ok &= lane_abs(corr) < 0.25;
  LaneD X = u * (1.0 - corr);

  // Per lane, the state at the iteration that converged.
  LaneM done = ~all;
  LaneD Xc = X, dc = X, G0c = X, G1c = X, G2c = X, G3c = X;
  for (int it = 0; it < kLaneIterations; ++it) {
    const LaneD X2 = X * X;
    const LaneD z = beta * X2;
    ok &= done | (lane_abs(z) <= 0.1);
    LaneD c0, c1, c2, c3;
    stumpff_series(z, c0, c1, c2, c3);  // without quartering
    const LaneD G0 = c0;
    const LaneD G1 = X * c1;
    const LaneD G2 = X2 * c2;
    const LaneD G3 = X2 * X * c3;
    const LaneD f = r0 * X + eta0 * G2 + zeta0 * G3 - dt;
    const LaneD fp = r0 + eta0 * G1 + zeta0 * G2;
    const LaneD fpp = eta0 * G0 + zeta0 * G1;
    const LaneD disc = lane_sqrt(lane_abs(16.0 * fp * fp - 20.0 * f * fpp));
    const LaneD denom = fp + lane_select(fp >= 0.0, disc, -disc);
    const LaneD d = -5.0 * f / denom;
    ok &= done | (lane_finite(d) & lane_finite(X));
    X += d;
    const LaneM now = ~done & (lane_abs(d) <= 1e-6 * lane_abs(X));
    Xc = lane_select(now, X, Xc);
    dc = lane_select(now, d, dc);
    G0c = lane_select(now, G0, G0c);
    G1c = lane_select(now, G1, G1c);
    G2c = lane_select(now, G2, G2c);
    G3c = lane_select(now, G3, G3c);
    done |= now;
    if (!lane_any(ok & ~done)) break;
  }
  ok &= done;

  // Carry the G-functions to the root by Taylor (as kepler_drift).
  const LaneD d = dc;
  const LaneD d2 = 0.5 * d * d, d3 = d * d * d / 6.0;
  const LaneD G3 = G3c + d * G2c + d2 * G1c + d3 * G0c;
  const LaneD G2 = G2c + d * G1c + d2 * G0c - d3 * beta * G1c;
  const LaneD G1 = G1c + d * G0c - d2 * beta * G1c - d3 * beta * G0c;

  const LaneD rn = r0 + eta0 * G1 + zeta0 * G2;
  ok &= (rn > 0.0) & lane_finite(rn);
  const LaneD fm1 = -mu * G2 / r0;
  const LaneD g = r0 * Xc + eta0 * G2 - beta * r0 * G3;
  const LaneD fd = -mu * G1 / (r0 * rn);
  const LaneD gdm1 = -mu * G2 / rn;
  const LaneD nrx = rx + (fm1 * rx + g * vx);
  const LaneD nry = ry + (fm1 * ry + g * vy);
  const LaneD nrz = rz + (fm1 * rz + g * vz);
  const LaneD nvx = vx + (fd * rx + gdm1 * vx);
  const LaneD nvy = vy + (fd * ry + gdm1 * vy);
  const LaneD nvz = vz + (fd * rz + gdm1 * vz);
  rx = lane_select(ok, nrx, rx);
  ry = lane_select(ok, nry, ry);
  rz = lane_select(ok, nrz, rz);
  vx = lane_select(ok, nvx, vx);
  vy = lane_select(ok, nvy, vy);
  vz = lane_select(ok, nvz, vz);
  return ~ok;
}

}  // namespace noether::nbody::detail
