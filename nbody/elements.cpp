#include "nbody/elements.hpp"

#include <cmath>
#include <sstream>

#include "noether/error.hpp"

namespace noether::nbody {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;

std::string describe(const OrbitalElements& el) {
  std::ostringstream os;
  os.precision(17);
  os << "a = " << el.a << ", e = " << el.e << ", inc = " << el.inc << ", Omega = " << el.Omega
     << ", omega = " << el.omega << ", M = " << el.M;
  return os.str();
}
}  // namespace

double eccentric_anomaly(double M, double e) {
  if (e < 1.0) {
    double Mr = std::fmod(M, kTwoPi);
    double E = e < 0.8 ? Mr : (Mr >= 0 ? M_PI : -M_PI);
    for (int i = 0; i < 100; ++i) {
      const double d = (E - e * std::sin(E) - Mr) / (1.0 - e * std::cos(E));
      E -= d;
      if (std::abs(d) <= 1e-16 * std::max(1.0, std::abs(E))) break;
    }
    return E + (M - Mr);
  }
  // Hyperbolic: e sinh F - F = M.
  double F = std::asinh(M / e);
  for (int i = 0; i < 200; ++i) {
    const double d = (e * std::sinh(F) - F - M) / (e * std::cosh(F) - 1.0);
    F -= d;
    if (std::abs(d) <= 1e-16 * std::max(1.0, std::abs(F))) break;
  }
  return F;
}

std::pair<Vec3, Vec3> to_cartesian(double mu, const OrbitalElements& el) {
  if (!(mu > 0.0) || !std::isfinite(mu))
    throw InvalidInput("orbital elements: gravitational parameter mu = " + std::to_string(mu) +
                       " must be positive");
  if (!std::isfinite(el.a) || !std::isfinite(el.e) || !std::isfinite(el.inc) ||
      !std::isfinite(el.Omega) || !std::isfinite(el.omega) || !std::isfinite(el.M))
    throw InvalidInput("orbital elements not finite: " + describe(el));
  if (el.e < 0.0) throw InvalidInput("orbital elements: negative eccentricity: " + describe(el));
  if (el.e == 1.0)
    throw InvalidInput("orbital elements: a parabolic orbit (e = 1) has no semi-major axis; give "
                       "it in Cartesian coordinates: " + describe(el));
  if ((el.e < 1.0 && !(el.a > 0.0)) || (el.e > 1.0 && !(el.a < 0.0)))
    throw InvalidInput("orbital elements: an orbit with e < 1 needs a > 0, with e > 1 a < 0: " +
                       describe(el));
  const double e = el.e;
  double nu;  // true anomaly
  if (e < 1.0) {
    const double E = eccentric_anomaly(el.M, e);
    nu = 2.0 * std::atan2(std::sqrt(1.0 + e) * std::sin(0.5 * E), std::sqrt(1.0 - e) * std::cos(0.5 * E));
  } else {
    const double F = eccentric_anomaly(el.M, e);
    nu = 2.0 * std::atan(std::sqrt((e + 1.0) / (e - 1.0)) * std::tanh(0.5 * F));
  }
  const double p = el.a * (1.0 - e * e);  // semi-latus rectum, > 0 in both cases
  const double rad = p / (1.0 + e * std::cos(nu));
  const double sv = std::sqrt(mu / p);
  // Perifocal frame, then rotate by Omega (z), inc (x), omega (z).
  const double xp = rad * std::cos(nu), yp = rad * std::sin(nu);
  const double vxp = -sv * std::sin(nu), vyp = sv * (e + std::cos(nu));
  const double cO = std::cos(el.Omega), sO = std::sin(el.Omega);
  const double ci = std::cos(el.inc), si = std::sin(el.inc);
  const double co = std::cos(el.omega), so = std::sin(el.omega);
  const Vec3 P{cO * co - sO * so * ci, sO * co + cO * so * ci, so * si};
  const Vec3 Q{-cO * so - sO * co * ci, -sO * so + cO * co * ci, co * si};
  return {xp * P + yp * Q, vxp * P + vyp * Q};
}

OrbitalElements to_elements(double mu, const Vec3& r, const Vec3& v) {
  if (!isfinite(r) || !isfinite(v) || !(mu > 0.0) || !std::isfinite(mu))
    throw InvalidInput("orbital elements: non-finite state or mu <= 0");
  const double rn = norm(r);
  if (!(rn > 0.0)) throw InvalidInput("orbital elements: zero distance to the primary");
  const Vec3 h = cross(r, v);
  const double hn = norm(h);
  if (!(hn > 1e-300)) throw InvalidInput("orbital elements: radial orbit (zero angular momentum)");
  const double energy = 0.5 * norm2(v) - mu / rn;
  if (energy == 0.0) throw InvalidInput("orbital elements: parabolic orbit has no semi-major axis");
  OrbitalElements el;
  el.a = -mu / (2.0 * energy);
  const Vec3 evec = cross(v, h) / mu - r / rn;
  el.e = norm(evec);
  const double hxy = std::sqrt(h.x * h.x + h.y * h.y);
  el.inc = std::atan2(hxy, h.z);
  // Basis of the orbital plane: P along the node line (or x for an equatorial orbit), Q = h^ x P.
  Vec3 P{1.0, 0.0, 0.0};
  if (hxy > 1e-15 * hn) {
    el.Omega = std::atan2(h.x, -h.y);
    P = Vec3{std::cos(el.Omega), std::sin(el.Omega), 0.0};
  } else {
    el.Omega = 0.0;
  }
  const Vec3 Q = cross(h / hn, P);
  const double u = std::atan2(dot(r, Q), dot(r, P));  // argument of latitude
  el.omega = el.e > 1e-15 ? std::atan2(dot(evec, Q), dot(evec, P)) : 0.0;
  const double nu = u - el.omega;
  const double e = el.e;
  if (e < 1.0) {
    const double E = 2.0 * std::atan2(std::sqrt(1.0 - e) * std::sin(0.5 * nu), std::sqrt(1.0 + e) * std::cos(0.5 * nu));
    el.M = E - e * std::sin(E);
  } else {
    const double F = 2.0 * std::atanh(std::sqrt((e - 1.0) / (e + 1.0)) * std::tan(0.5 * nu));
    el.M = e * std::sinh(F) - F;
  }
  if (el.omega < 0) el.omega += kTwoPi;
  if (el.Omega < 0) el.Omega += kTwoPi;
  if (e < 1.0 && el.M < 0) el.M += kTwoPi;
  return el;
}

}  // namespace noether::nbody
