// nbody/elements.hpp: Keplerian orbital elements <-> Cartesian state, both ways.
//
//   using namespace noether::nbody;
//   OrbitalElements el{5.2, 0.048, 0.022, 1.75, 4.78, 0.3};   // a, e, inc, Omega, omega, M (radians)
//   auto [r, v] = to_cartesian(G * (m_sun + m_jup), el);       // relative position and velocity
//   OrbitalElements back = to_elements(G * (m_sun + m_jup), r, v);
//
// Elliptic (0 <= e < 1, a > 0) and hyperbolic (e > 1, a < 0, M the hyperbolic mean anomaly)
// orbits; a parabola (e = 1 exactly) has no semi-major axis and is rejected with InvalidInput.
// Undefined angles are set to zero: Omega for an equatorial orbit, omega for a circular one
// (the anomaly then counts from the node, or from the x axis).
#pragma once

#include <utility>

#include "nbody/vec3.hpp"

namespace noether::nbody {

/// Osculating elements. a: semi-major axis (length; negative for hyperbolic orbits), e:
/// eccentricity, inc: inclination, Omega: longitude of the ascending node, omega: argument of
/// pericentre, M: mean anomaly; angles in radians.
struct OrbitalElements {
  double a = 1.0, e = 0.0, inc = 0.0, Omega = 0.0, omega = 0.0, M = 0.0;
};

/// Position (length) and velocity (length/time) relative to the primary for gravitational
/// parameter mu = G (m_primary + m). Throws InvalidInput for e < 0, e = 1, a of the wrong sign,
/// mu <= 0 or a non-finite element.
std::pair<Vec3, Vec3> to_cartesian(double mu, const OrbitalElements& el);

/// Elements of the relative state (r, v) for mu = G (m_primary + m). Throws InvalidInput for a
/// non-finite state, r = 0, a radial orbit, or a parabolic (zero-energy) one.
OrbitalElements to_elements(double mu, const Vec3& r, const Vec3& v);

/// Solves Kepler's equation M = E - e sin E (e < 1) or M = e sinh F - F (e > 1) for the
/// eccentric (hyperbolic) anomaly; Newton's method to round-off.
double eccentric_anomaly(double M, double e);

}  // namespace noether::nbody
