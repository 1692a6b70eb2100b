// Kepler drift, Stumpff functions, orbital elements and coordinate transforms.
#include "tests/support/test_common_core.hpp"

#include <cmath>
#include <vector>

#include "nbody/coordinates.hpp"
#include "nbody/detail/kepler_lanes.hpp"
#include "nbody/elements.hpp"
#include "nbody/kepler.hpp"
#include "noether/error.hpp"

using namespace noether::nbody;

namespace {
double rel(const Vec3& a, const Vec3& b) { return norm(a - b) / norm(b); }
}  // namespace

TEST_CASE("Stumpff functions match their closed forms", "[nbody][kepler]") {
  for (double z : {-400.0, -30.0, -1.0, -0.05, -1e-6, 0.0, 1e-6, 0.05, 1.0, 30.0, 400.0}) {
    double c[4];
    noether::nbody::detail::stumpff(z, c);
    double c0, c1, c2, c3;
    if (z > 0) {
      const double s = std::sqrt(z);
      c0 = std::cos(s); c1 = std::sin(s) / s; c2 = (1 - c0) / z; c3 = (s - std::sin(s)) / (z * s);
    } else if (z < 0) {
      const double s = std::sqrt(-z);
      c0 = std::cosh(s); c1 = std::sinh(s) / s; c2 = (c0 - 1) / -z; c3 = (std::sinh(s) - s) / (-z * s);
    } else {
      c0 = 1; c1 = 1; c2 = 0.5; c3 = 1.0 / 6.0;
    }
    if (std::abs(z) < 0.01) continue;  // closed forms cancel badly there; series exact
    INFO("z = " << z);
    const double tol = std::abs(z) > 100 ? 1e-11 : 1e-13;  // closed forms lose digits too
    CHECK(c[0] == Approx(c0).epsilon(tol).margin(1e-14));
    CHECK(c[1] == Approx(c1).epsilon(tol).margin(1e-14));
    CHECK(c[2] == Approx(c2).epsilon(tol));
    CHECK(c[3] == Approx(c3).epsilon(tol));
  }
}

TEST_CASE("Kepler drift: elliptic orbit returns after one period and matches elements", "[nbody][kepler]") {
  const double mu = 1.3;
  OrbitalElements el{2.0, 0.7, 0.4, 1.0, 2.0, 0.5};
  auto [r, v] = to_cartesian(mu, el);
  const double n = std::sqrt(mu / (el.a * el.a * el.a));
  for (double dt : {0.01, 0.7, 5.0, 2 * M_PI / n, 37.3, -3.0}) {
    Vec3 rr = r, vv = v;
    kepler_drift(rr, vv, mu, dt);
    OrbitalElements e2 = el;
    e2.M = el.M + n * dt;
    auto [re, ve] = to_cartesian(mu, e2);
    INFO("dt = " << dt);
    CHECK(rel(rr, re) < 1e-12);
    CHECK(rel(vv, ve) < 1e-12);
  }
}

TEST_CASE("Kepler drift: near-radial hyperbolic orbit correct to 1e-12", "[nbody][kepler]") {
  const double mu = 1.0;
  // Outward, angular momentum 1e-6: reference by RK4 with tiny steps (smooth, r >= 1).
  const Vec3 r0{1.0, 0.0, 0.0}, v0{3.0, 1e-6, 0.0};
  Vec3 r = r0, v = v0;
  const double T = 2.0;
  kepler_drift(r, v, mu, T);
  Vec3 R = r0, V = v0;
  const int steps = 20000;
  const double h = T / steps;
  auto acc = [&](const Vec3& x) { const double d = norm(x); return (-mu / (d * d * d)) * x; };
  for (int i = 0; i < steps; ++i) {
    const Vec3 k1x = V, k1v = acc(R);
    const Vec3 k2x = V + 0.5 * h * k1v, k2v = acc(R + 0.5 * h * k1x);
    const Vec3 k3x = V + 0.5 * h * k2v, k3v = acc(R + 0.5 * h * k2x);
    const Vec3 k4x = V + h * k3v, k4v = acc(R + h * k3x);
    R += (h / 6) * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
    V += (h / 6) * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
  }
  CHECK(rel(r, R) < 1e-12);
  CHECK(rel(v, V) < 1e-12);
  // Inward through a pericentre at ~5e-7: one drift equals two half drifts and reverses.
  const Vec3 r1{1.0, 0.0, 0.0}, v1{-3.0, 1e-3, 0.0};
  Vec3 a = r1, b = v1, c = r1, d = v1;
  kepler_drift(a, b, mu, 1.0);
  kepler_drift(c, d, mu, 0.5);
  kepler_drift(c, d, mu, 0.5);
  CHECK(rel(a, c) < 1e-12);
  CHECK(rel(b, d) < 1e-12);
  const double e0 = 0.5 * norm2(v1) - mu / norm(r1);
  CHECK(std::abs((0.5 * norm2(b) - mu / norm(a)) / e0 - 1) < 1e-12);
  // Back through the pericentre: that passage amplifies round-off (measured 2e-12).
  kepler_drift(a, b, mu, -1.0);
  CHECK(rel(a, r1) < 1e-11);
  CHECK(rel(b, v1) < 1e-11);
}

TEST_CASE("Kepler drift: parabolic orbit", "[nbody][kepler]") {
  const double mu = 1.0;
  const Vec3 r0{1.0, 0.0, 0.0}, v0{0.0, std::sqrt(2.0), 0.0};  // parabola, pericentre q = 1
  Vec3 r = r0, v = v0;
  kepler_drift(r, v, mu, 3.0);
  // Barker's equation: t = sqrt(p^3/mu)/2 (D + D^3/3), D = tan(f/2), p = 2 q = 2.
  const double f = std::atan2(r.y, r.x);
  const double D = std::tan(0.5 * f);
  CHECK(std::sqrt(8.0) / 2.0 * (D + D * D * D / 3.0) == Approx(3.0).epsilon(1e-12));
  CHECK(0.5 * norm2(v) - mu / norm(r) == Approx(0.0).margin(1e-14));
}

TEST_CASE("Kepler drift: bad input throws NumericalError naming the orbit", "[nbody][kepler]") {
  Vec3 r{0, 0, 0}, v{1, 0, 0};
  CHECK_THROWS_AS(kepler_drift(r, v, 1.0, 0.1), noether::NumericalError);
  Vec3 r2{1, 0, 0}, v2{std::nan(""), 0, 0};
  CHECK_THROWS_WITH(kepler_drift(r2, v2, 1.0, 0.1), Catch::Contains("mu = 1") && Catch::Contains("dt = 0.1"));
  Vec3 r3{1, 0, 0}, v3{0, 1, 0};
  CHECK_THROWS_AS(kepler_drift(r3, v3, -1.0, 0.1), noether::NumericalError);
  CHECK_THROWS_AS(kepler_drift(r3, v3, 1.0, INFINITY), noether::NumericalError);
}

TEST_CASE("Kepler drift in SIMD lanes agrees with the scalar solver", "[nbody][kepler]") {
  // 480 orbits: elliptic (e up to 0.99), hyperbolic (e up to 3), steps from 1e-4 of an orbit to
  // several orbits, forward and backward, plus lanes the vector path must decline (r = 0, NaN).
  // Tolerance: 1e-13 relative for the lanes the vector path handles, whose arithmetic is the
  // scalar solver's with at most a different FMA contraction (round-off, ~1e-15 here); declined
  // lanes must come back bit-for-bit unchanged; the usual planetary steps must not be declined.
  namespace d = noether::nbody::detail;
  constexpr int W = d::kLanes;
  const double mu = 2.9591220828559115e-4;
  auto frac = [](double x) { return x - std::floor(x); };
  std::vector<Vec3> r0, v0;
  std::vector<double> dts;
  for (int k = 0; k < 480; ++k) {
    OrbitalElements el;
    const int kind = k % 4;
    el.e = kind == 0 ? 0.1 * frac(0.618 * k) : kind == 1 ? 0.5 + 0.49 * frac(0.414 * k) : kind == 2 ? 1.05 + 1.95 * frac(0.732 * k) : 0.3 * frac(0.236 * k);
    el.a = (el.e > 1 ? -1.0 : 1.0) * (0.5 + 5.0 * frac(0.3166 * k));
    el.inc = 3.0 * frac(0.1415 * k);
    el.Omega = 6.28 * frac(0.577 * k);
    el.omega = 6.28 * frac(0.693 * k);
    el.M = el.e > 1 ? 4.0 * frac(0.271 * k) - 2.0 : 6.28 * frac(0.161 * k);
    const auto [r, v] = to_cartesian(mu, el);
    r0.push_back(r);
    v0.push_back(v);
    const double period = 2 * M_PI * std::sqrt(std::pow(std::abs(el.a), 3) / mu);
    const double frac_of_orbit = std::pow(10.0, -4.0 + 4.5 * frac(0.8 * k));  // 1e-4 .. 3 orbits
    dts.push_back((k % 3 == 0 ? -1.0 : 1.0) * frac_of_orbit * period);
  }
  r0[37] = Vec3{};                    // r = 0: declined, the scalar solver throws
  v0[101].y = std::nan("");           // non-finite: declined
  int declined = 0, small_declined = 0, small = 0;
  for (std::size_t g = 0; g < r0.size(); g += W) {
    // Each group of lanes shares one dt (as a tape operation does): use the group's first.
    const double dt = dts[g];
    d::LaneD rx, ry, rz, vx, vy, vz;
    for (int l = 0; l < W; ++l) {
      rx[l] = r0[g + l].x; ry[l] = r0[g + l].y; rz[l] = r0[g + l].z;
      vx[l] = v0[g + l].x; vy[l] = v0[g + l].y; vz[l] = v0[g + l].z;
    }
    const d::LaneM bad = d::kepler_drift_lanes(rx, ry, rz, vx, vy, vz, mu, dt);
    for (int l = 0; l < W; ++l) {
      const std::size_t k = g + l;
      const Vec3 r{rx[l], ry[l], rz[l]}, v{vx[l], vy[l], vz[l]};
      INFO("orbit " << k << ", dt = " << dt);
      const bool small_step = std::abs(dt) * norm(v0[k]) < 0.05 * norm(r0[k]);  // moves < 5% of r
      if (bad[l]) {
        ++declined;
        if (small_step && k != 37 && k != 101) ++small_declined;
        CHECK((r.x == r0[k].x && r.y == r0[k].y && r.z == r0[k].z && v.z == v0[k].z));
        if (k == 37 || k == 101) {
          Vec3 rs = r0[k], vs = v0[k];
          CHECK_THROWS_AS(kepler_drift(rs, vs, mu, dt), noether::NumericalError);
        }
        continue;
      }
      CHECK(k != 37);
      CHECK(k != 101);
      if (small_step) ++small;
      Vec3 rs = r0[k], vs = v0[k];
      kepler_drift(rs, vs, mu, dt);
      CHECK(rel(r, rs) < 1e-13);
      CHECK(rel(v, vs) < 1e-13);
    }
  }
  CHECK(small_declined == 0);
  CHECK(small > 30);
  CHECK(declined > 10);  // the wide steps go to the scalar solver
  // dt = 0 leaves every lane as it is; a bad mu or dt sends every lane to the scalar solver.
  d::LaneD x = d::lane_splat(1.0), y = d::lane_splat(0.0), z = y, vx = y, vy = x, vz = y;
  CHECK(!d::lane_any(d::kepler_drift_lanes(x, y, z, vx, vy, vz, 1.0, 0.0)));
  CHECK(x[0] == 1.0);
  const d::LaneM all_bad = d::kepler_drift_lanes(x, y, z, vx, vy, vz, -1.0, 0.1);
  for (int l = 0; l < W; ++l) CHECK(all_bad[l] != 0);
}

TEST_CASE("Orbital elements round-trip", "[nbody][elements]") {
  const double mu = 2.5;
  for (const OrbitalElements& el : {OrbitalElements{1.0, 0.1, 0.3, 1.0, 2.0, 3.0},
                                    OrbitalElements{3.0, 0.9, 2.5, 5.0, 0.5, 0.1},
                                    OrbitalElements{-2.0, 1.5, 0.7, 0.3, 1.2, -0.8},
                                    OrbitalElements{-0.5, 4.0, 0.1, 4.0, 3.0, 2.0}}) {
    auto [r, v] = to_cartesian(mu, el);
    const OrbitalElements back = to_elements(mu, r, v);
    CHECK(back.a == Approx(el.a).epsilon(1e-12));
    CHECK(back.e == Approx(el.e).epsilon(1e-12));
    CHECK(back.inc == Approx(el.inc).epsilon(1e-12));
    CHECK(back.Omega == Approx(el.Omega).epsilon(1e-12));
    CHECK(back.omega == Approx(el.omega).epsilon(1e-12));
    const double M = el.e < 1 ? std::fmod(el.M + 2 * M_PI, 2 * M_PI) : el.M;
    CHECK(back.M == Approx(M).epsilon(1e-11));
    auto [r2, v2] = to_cartesian(mu, back);
    CHECK(rel(r2, r) < 1e-13);
    CHECK(rel(v2, v) < 1e-13);
  }
  // Circular equatorial: undefined angles are zero, the state still round-trips.
  auto [r, v] = to_cartesian(1.0, OrbitalElements{1.0, 0.0, 0.0, 0.0, 0.0, 1.0});
  const auto el = to_elements(1.0, r, v);
  CHECK(el.e == Approx(0.0).margin(1e-15));
  auto [r2, v2] = to_cartesian(1.0, el);
  CHECK(rel(r2, r) < 1e-14);
  CHECK_THROWS_AS(to_cartesian(1.0, OrbitalElements{1.0, 1.0, 0, 0, 0, 0}), noether::InvalidInput);
  CHECK_THROWS_AS(to_cartesian(1.0, OrbitalElements{1.0, 1.5, 0, 0, 0, 0}), noether::InvalidInput);
  CHECK_THROWS_AS(to_cartesian(-1.0, OrbitalElements{}), noether::InvalidInput);
}

TEST_CASE("Coordinate transforms round-trip", "[nbody][coordinates]") {
  const std::size_t n = 5;
  const double m[n] = {1.0, 1e-3, 3e-4, 5e-5, 2e-8};
  double eta[n];
  cumulative_masses(m, n, eta);
  Vec3 X[n], V[n], x[n], v[n], X2[n], V2[n];
  for (std::size_t i = 0; i < n; ++i) {
    X[i] = Vec3{0.3 * i + 0.1, -0.7 * i * i, 0.05 * i};
    V[i] = Vec3{0.01 * i, 0.02 - 0.003 * i, 0.001};
  }
  inertial_to_jacobi(m, X, V, x, v, n);
  jacobi_to_inertial(m, eta, x, v, X2, V2, n);
  for (std::size_t i = 0; i < n; ++i) CHECK(norm(X2[i] - X[i]) < 1e-14);
  for (std::size_t i = 0; i < n; ++i) CHECK(norm(V2[i] - V[i]) < 1e-15);
  inertial_to_democratic_heliocentric(m, X, V, x, v, n);
  democratic_heliocentric_to_inertial(m, eta[n - 1], x, v, X2, V2, n);
  for (std::size_t i = 0; i < n; ++i) CHECK(norm(X2[i] - X[i]) < 1e-14);
  for (std::size_t i = 0; i < n; ++i) CHECK(norm(V2[i] - V[i]) < 1e-15);
  inertial_to_whds(m, X, V, x, v, n);
  whds_to_inertial(m, eta[n - 1], x, v, X2, V2, n);
  for (std::size_t i = 0; i < n; ++i) CHECK(norm(X2[i] - X[i]) < 1e-14);
  for (std::size_t i = 0; i < n; ++i) CHECK(norm(V2[i] - V[i]) < 1e-15);
  CHECK(coordinates_from_string("whds") == Coordinates::whds);
  CHECK_THROWS_AS(coordinates_from_string("polar"), noether::InvalidInput);
}
