#include "physics/systems/systems.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "noether/error.hpp"
#include "physics/systems/constrained.hpp"
#include "physics/systems/detail/sampling.hpp"
#include "physics/systems/generalized.hpp"
#include "physics/systems/noisy.hpp"
#include "physics/systems/rigid_bodies.hpp"

namespace noether::physics {

namespace {

using detail::kPi;
using detail::normal;
using detail::uniform;

std::string fmt_double(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

/// A point in the plane with radius uniform in [r_lo, r_hi] in the direction of a point drawn
/// uniformly from the square [-1, 1]^2 (the HNN code's rule for its 1-D systems, as (q, p)): the
/// directions favour the diagonals a little, unlike a uniform angle.
Vector random_on_annulus(Rng& rng, double r_lo, double r_hi) {
  Vector y(2);
  double norm = 0.0;
  do {
    y << uniform(rng, -1.0, 1.0), uniform(rng, -1.0, 1.0);
    norm = y.norm();
  } while (norm < 1e-12);
  return y * (uniform(rng, r_lo, r_hi) / norm);
}

/// The HNN analysis notebooks' rollout start for the 1-D systems: q and p each uniform on
/// +-[0.2, 1.0] (U[-0.8, 0.8] pushed 0.2 away from zero).
Vector notebook_start(Rng& rng) {
  Vector y(2);
  for (int i = 0; i < 2; ++i) {
    const double u = uniform(rng, -0.8, 0.8);
    y[i] = u + (u < 0.0 ? -0.2 : 0.2);
  }
  return y;
}

}  // namespace

void DataProtocol::validate() const {
  auto bad = [](const std::string& what) { throw InvalidInput("DataProtocol." + what); };
  if (trajectories < 1) bad("trajectories = " + std::to_string(trajectories) + ": must be >= 1");
  if (points < 2) bad("points = " + std::to_string(points) + ": must be >= 2");
  if (!(t1 > t0) || !std::isfinite(t0) || !std::isfinite(t1))
    bad("t1 = " + fmt_double(t1) + ": must be finite and > t0 = " + fmt_double(t0));
  if (!(noise_std >= 0.0) || !std::isfinite(noise_std))
    bad("noise_std = " + fmt_double(noise_std) + ": must be finite and >= 0");
  if (!(test_fraction >= 0.0 && test_fraction < 1.0))
    bad("test_fraction = " + fmt_double(test_fraction) + ": must be in [0, 1)");
}

// ---- System ---------------------------------------------------------------------------------

Vector System::dissipation(const Vector& q, const Vector& p) const {
  return Vector::Zero(q.size() + p.size());
}

double System::energy_at(const Vector& y) const { return energy(q_of(y), p_of(y)); }

Vector System::vector_field(const Vector& y) const {
  const Vector q = q_of(y), p = p_of(y);
  Vector dy(y.size());
  dy.head(dof()) = dH_dp(q, p);
  dy.tail(dof()) = -dH_dq(q, p);
  if (!conservative()) dy += dissipation(q, p);
  return dy;
}

void System::check_state(const Vector& y) const {
  if (y.size() != state_dim()) {
    throw InvalidInput("state for '" + name() + "' has " + std::to_string(y.size()) +
                       " entries; expected " + std::to_string(state_dim()) + (canonical() ? " (q then p)" : ""));
  }
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      throw InvalidInput("state for '" + name() + "' has a non-finite entry y[" +
                         std::to_string(i) + "] = " + fmt_double(y[i]));
    }
  }
}

// ---- Spring ---------------------------------------------------------------------------------

std::string Spring::description() const { return "ideal mass-spring, H = q^2 + p^2"; }
double Spring::energy(const Vector& q, const Vector& p) const { return q[0] * q[0] + p[0] * p[0]; }
Vector Spring::dH_dq(const Vector& q, const Vector&) const { return 2.0 * q; }
Vector Spring::dH_dp(const Vector&, const Vector& p) const { return 2.0 * p; }
Vector Spring::default_state() const { return (Vector(2) << 1.0, 0.0).finished(); }
Vector Spring::random_state(Rng& rng) const { return random_on_annulus(rng, 0.1, 1.0); }
Vector Spring::evaluation_state(Rng& rng) const { return notebook_start(rng); }
DataProtocol Spring::protocol() const { return {50, 30, 0.0, 3.0, 0.1, 0.5}; }

DampedSpring::DampedSpring(double gamma) : gamma_(gamma) {
  if (!(gamma >= 0.0) || !std::isfinite(gamma))
    throw InvalidInput("damped-spring: gamma = " + fmt_double(gamma) + " must be finite and >= 0");
}
std::string DampedSpring::description() const {
  return "damped mass-spring, H = q^2 + p^2, dq/dt = 2p - 2*gamma*q, gamma = " + fmt_double(gamma_);
}
Vector DampedSpring::dissipation(const Vector& q, const Vector&) const {
  return (Vector(2) << -2.0 * gamma_ * q[0], 0.0).finished();
}

// ---- Pendulum -------------------------------------------------------------------------------

std::string Pendulum::description() const { return "ideal pendulum, H = 3(1 - cos q) + p^2"; }
double Pendulum::energy(const Vector& q, const Vector& p) const {
  return 3.0 * (1.0 - std::cos(q[0])) + p[0] * p[0];
}
Vector Pendulum::dH_dq(const Vector& q, const Vector&) const {
  return (Vector(1) << 3.0 * std::sin(q[0])).finished();
}
Vector Pendulum::dH_dp(const Vector&, const Vector& p) const { return 2.0 * p; }
Vector Pendulum::default_state() const { return (Vector(2) << 1.5, 0.0).finished(); }
Vector Pendulum::random_state(Rng& rng) const { return random_on_annulus(rng, 1.3, 2.3); }
Vector Pendulum::evaluation_state(Rng& rng) const { return notebook_start(rng); }
DataProtocol Pendulum::protocol() const { return {50, 45, 0.0, 3.0, 0.1, 0.5}; }

// ---- Damped pendulum (GHNN) -----------------------------------------------------------------

DampedPendulum::DampedPendulum(double g, double gamma) : g_(g), gamma_(gamma) {
  if (!(g > 0.0) || !std::isfinite(g)) throw InvalidInput("damped-pendulum: g = " + fmt_double(g) + " must be > 0");
  if (!(gamma >= 0.0) || !std::isfinite(gamma))
    throw InvalidInput("damped-pendulum: gamma = " + fmt_double(gamma) + " must be finite and >= 0");
}
std::string DampedPendulum::description() const {
  return "damped pendulum (GHNN), H = 2g(1 - cos q) + p^2/2, dp/dt gains -gamma p, g = " + fmt_double(g_) +
         ", gamma = " + fmt_double(gamma_);
}
double DampedPendulum::energy(const Vector& q, const Vector& p) const {
  return 2.0 * g_ * (1.0 - std::cos(q[0])) + 0.5 * p[0] * p[0];
}
Vector DampedPendulum::dH_dq(const Vector& q, const Vector&) const {
  return (Vector(1) << 2.0 * g_ * std::sin(q[0])).finished();
}
Vector DampedPendulum::dH_dp(const Vector&, const Vector& p) const { return p; }
Vector DampedPendulum::dissipation(const Vector&, const Vector& p) const {
  return (Vector(2) << 0.0, -gamma_ * p[0]).finished();
}
Vector DampedPendulum::default_state() const { return (Vector(2) << kPi - kPi / 32.0, 0.0).finished(); }
Vector DampedPendulum::random_state(Rng& rng) const {
  // Below the separatrix (H < 4g): an angle and a momentum that keep the swing from going over.
  const double energy = uniform(rng, 0.2, 3.9) * g_, share = uniform(rng, 0.0, 1.0);
  const double q = std::acos(1.0 - share * energy / (2.0 * g_)) * (uniform(rng, -1.0, 1.0) < 0 ? -1.0 : 1.0);
  const double p = std::sqrt(2.0 * (1.0 - share) * energy) * (uniform(rng, -1.0, 1.0) < 0 ? -1.0 : 1.0);
  return (Vector(2) << q, p).finished();
}
DataProtocol DampedPendulum::protocol() const { return {10, 200, 0.0, 20.0, 0.1, 0.2}; }

// ---- Duffing --------------------------------------------------------------------------------

std::string Duffing::description() const { return "Duffing double well, H = p^2/2 - q^2/2 + q^4/4"; }
double Duffing::energy(const Vector& q, const Vector& p) const {
  const double x = q[0];
  return 0.5 * p[0] * p[0] - 0.5 * x * x + 0.25 * x * x * x * x;
}
Vector Duffing::dH_dq(const Vector& q, const Vector&) const {
  return (Vector(1) << q[0] * q[0] * q[0] - q[0]).finished();
}
Vector Duffing::dH_dp(const Vector&, const Vector& p) const { return p; }
Vector Duffing::default_state() const { return (Vector(2) << -1.5, 3.0).finished(); }
Vector Duffing::random_state(Rng& rng) const {
  return (Vector(2) << uniform(rng, -1.8, 1.8), uniform(rng, -3.0, 3.0)).finished();
}
DataProtocol Duffing::protocol() const { return {20, 100, 0.0, 10.0, 0.1, 0.2}; }

// ---- Double pendulum ------------------------------------------------------------------------

std::string DoublePendulum::description() const {
  return "double pendulum (unit masses, lengths, g), non-separable";
}
double DoublePendulum::energy(const Vector& q, const Vector& p) const {
  const double d = q[0] - q[1], c = std::cos(d), s = std::sin(d);
  const double num = p[0] * p[0] + 2.0 * p[1] * p[1] - 2.0 * p[0] * p[1] * c;
  return num / (2.0 * (1.0 + s * s)) - 2.0 * std::cos(q[0]) - std::cos(q[1]);
}
Vector DoublePendulum::dH_dq(const Vector& q, const Vector& p) const {
  const double d = q[0] - q[1], c = std::cos(d), s = std::sin(d);
  const double m = 1.0 + s * s;
  const double num = p[0] * p[0] + 2.0 * p[1] * p[1] - 2.0 * p[0] * p[1] * c;
  const double dk = p[0] * p[1] * s / m - num * s * c / (m * m);  // dT/d(q1 - q2)
  return (Vector(2) << dk + 2.0 * std::sin(q[0]), -dk + std::sin(q[1])).finished();
}
Vector DoublePendulum::dH_dp(const Vector& q, const Vector& p) const {
  const double d = q[0] - q[1], c = std::cos(d), s = std::sin(d);
  const double m = 1.0 + s * s;
  return (Vector(2) << (p[0] - p[1] * c) / m, (2.0 * p[1] - p[0] * c) / m).finished();
}
Vector DoublePendulum::default_state() const {
  return (Vector(4) << 2.0, 2.5, 0.0, 0.0).finished();  // released from rest, E = 1.63
}
Vector DoublePendulum::random_state(Rng& rng) const {
  Vector y(4);
  y << uniform(rng, -kPi / 2, kPi / 2), uniform(rng, -kPi / 2, kPi / 2), normal(rng, 0.5),
      normal(rng, 0.5);
  return y;
}
DataProtocol DoublePendulum::protocol() const { return {100, 100, 0.0, 10.0, 0.0, 0.2}; }

// ---- Henon-Heiles ---------------------------------------------------------------------------

std::string HenonHeiles::description() const {
  return "Henon-Heiles, H = |p|^2/2 + |q|^2/2 + x^2 y - y^3/3";
}
double HenonHeiles::energy(const Vector& q, const Vector& p) const {
  const double x = q[0], y = q[1];
  return 0.5 * p.squaredNorm() + 0.5 * (x * x + y * y) + x * x * y - y * y * y / 3.0;
}
Vector HenonHeiles::dH_dq(const Vector& q, const Vector&) const {
  const double x = q[0], y = q[1];
  return (Vector(2) << x + 2.0 * x * y, y + x * x - y * y).finished();
}
Vector HenonHeiles::dH_dp(const Vector&, const Vector& p) const { return p; }
Vector HenonHeiles::default_state() const {
  return (Vector(4) << 0.0, 0.1, 0.35, 0.2).finished();
}
Vector HenonHeiles::random_state(Rng& rng) const {
  // Uniform in a box, rejected until the energy lies in [1/24, 1/8] (bound orbits, E < 1/6).
  for (;;) {
    Vector y(4);
    for (int i = 0; i < 4; ++i) y[i] = uniform(rng, -0.5, 0.5);
    const double e = energy(y.head(2), y.tail(2));
    if (e >= 1.0 / 24 && e <= 1.0 / 8) return y;
  }
}
DataProtocol HenonHeiles::protocol() const { return {100, 100, 0.0, 10.0, 0.0, 0.2}; }

// ---- Kepler ---------------------------------------------------------------------------------

Kepler::Kepler(double mu, double eccentricity) : mu_(mu), e_(eccentricity) {
  if (!(mu > 0.0)) throw InvalidInput("kepler: mu = " + fmt_double(mu) + " must be > 0");
  if (!(eccentricity >= 0.0 && eccentricity < 1.0))
    throw InvalidInput("kepler: eccentricity = " + fmt_double(eccentricity) + " must be in [0, 1)");
}
std::string Kepler::description() const {
  return "Kepler problem (relative two-body), H = |p|^2/2 - mu/|q|, mu = " + fmt_double(mu_);
}
double Kepler::energy(const Vector& q, const Vector& p) const {
  return 0.5 * p.squaredNorm() - mu_ / q.norm();
}
Vector Kepler::dH_dq(const Vector& q, const Vector&) const {
  const double r = q.norm();
  return (mu_ / (r * r * r)) * q;
}
Vector Kepler::dH_dp(const Vector&, const Vector& p) const { return p; }
Vector Kepler::default_state() const {
  // Periapsis of an orbit with semi-major axis 1 and eccentricity e.
  return (Vector(4) << 1.0 - e_, 0.0, 0.0, std::sqrt(mu_ * (1.0 + e_) / (1.0 - e_))).finished();
}
Vector Kepler::random_state(Rng& rng) const {
  const double r = uniform(rng, 0.5, 1.5), theta = uniform(rng, 0.0, 2.0 * kPi);
  const double v = std::sqrt(mu_ / r) * (1.0 + normal(rng, 0.1));
  Vector y(4);
  y << r * std::cos(theta), r * std::sin(theta), -v * std::sin(theta), v * std::cos(theta);
  return y;
}
DataProtocol Kepler::protocol() const { return {200, 50, 0.0, 20.0, 0.0, 0.2}; }

Vector Kepler::exact(const Vector& y0, double t) const {
  check_state(y0);
  const Vector q0 = y0.head(2), p0 = y0.tail(2);
  const double r0 = q0.norm(), v2 = p0.squaredNorm(), rv = q0.dot(p0);
  const double eps = 0.5 * v2 - mu_ / r0;
  if (!(eps < 0.0))
    throw InvalidInput("kepler exact solution needs a bound orbit; energy = " + fmt_double(eps));
  const double a = -mu_ / (2.0 * eps), n = std::sqrt(mu_ / (a * a * a));
  const double ecos = 1.0 - r0 / a, esin = rv / std::sqrt(mu_ * a);
  const double e = std::hypot(ecos, esin), e0 = std::atan2(esin, ecos);
  const double m = e0 - esin + n * t;  // mean anomaly at t
  double ea = m + e * std::sin(m);
  for (int it = 0; it < 100; ++it) {
    const double d = (ea - e * std::sin(ea) - m) / (1.0 - e * std::cos(ea));
    ea -= d;
    if (std::abs(d) < 1e-16 * (1.0 + std::abs(ea))) break;
  }
  const double de = ea - e0, r = a * (1.0 - e * std::cos(ea));
  const double f = 1.0 - a / r0 * (1.0 - std::cos(de));
  const double g = t - (de - std::sin(de)) / n;
  const double fdot = -std::sqrt(mu_ * a) / (r * r0) * std::sin(de);
  const double gdot = 1.0 - a / r * (1.0 - std::cos(de));
  Vector y(4);
  y.head(2) = f * q0 + g * p0;
  y.tail(2) = fdot * q0 + gdot * p0;
  return y;
}

// ---- Particles ------------------------------------------------------------------------------

void Particles::Options::validate() const {
  if (count < 2) throw InvalidInput("particles: count = " + std::to_string(count) + " must be >= 2");
  if (dim != 2 && dim != 3) throw InvalidInput("particles: dim = " + std::to_string(dim) + " must be 2 or 3");
  if (!masses.empty() && masses.size() != static_cast<std::size_t>(count))
    throw InvalidInput("particles: " + std::to_string(masses.size()) + " masses for " +
                       std::to_string(count) + " particles");
  for (double m : masses)
    if (!(m > 0.0) || !std::isfinite(m)) throw InvalidInput("particles: mass " + fmt_double(m) + " must be > 0");
  if (!spring_constants.empty() &&
      spring_constants.size() != static_cast<std::size_t>(count * count))
    throw InvalidInput("particles: spring_constants needs count^2 = " +
                       std::to_string(count * count) + " entries");
  if (!(softening >= 0.0)) throw InvalidInput("particles: softening must be >= 0");
  if (!(damping >= 0.0)) throw InvalidInput("particles: damping must be >= 0");
  if (!(gravitational_constant > 0.0)) throw InvalidInput("particles: G must be > 0");
}

Particles::Particles(Options options) : o_(std::move(options)) {
  o_.validate();
  if (o_.masses.empty()) o_.masses.assign(static_cast<std::size_t>(o_.count), 1.0);
  if (o_.spring_constants.empty())
    o_.spring_constants.assign(static_cast<std::size_t>(o_.count * o_.count), 1.0);
}

std::string Particles::name() const {
  if (!o_.name.empty()) return o_.name;
  return o_.interaction == Interaction::kSpring ? "springs" : "gravity";
}

std::string Particles::description() const {
  std::ostringstream os;
  os << o_.count << " particles in " << o_.dim << "-D, "
     << (o_.interaction == Interaction::kSpring ? "pairwise springs (rest length " : "Newtonian gravity (G ")
     << (o_.interaction == Interaction::kSpring ? o_.rest_length : o_.gravitational_constant) << ")";
  if (o_.damping > 0.0) os << ", drag " << o_.damping;
  return os.str();
}

double Particles::energy(const Vector& q, const Vector& p) const {
  const int n = o_.count, d = o_.dim;
  double kinetic = 0.0, potential = 0.0;
  for (int i = 0; i < n; ++i) kinetic += p.segment(i * d, d).squaredNorm() / (2.0 * mass(i));
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const double r2 = (q.segment(i * d, d) - q.segment(j * d, d)).squaredNorm();
      if (o_.interaction == Interaction::kSpring) {
        const double ext = std::sqrt(r2) - o_.rest_length;
        potential += 0.5 * k(i, j) * ext * ext;
      } else {
        potential -= o_.gravitational_constant * mass(i) * mass(j) /
                     std::sqrt(r2 + o_.softening * o_.softening);
      }
    }
  }
  return kinetic + potential;
}

Vector Particles::dH_dq(const Vector& q, const Vector&) const {
  const int n = o_.count, d = o_.dim;
  Vector g = Vector::Zero(q.size());
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const Vector rij = q.segment(i * d, d) - q.segment(j * d, d);
      const double r2 = rij.squaredNorm();
      double coef;  // dV/d(r_i) = coef * r_ij
      if (o_.interaction == Interaction::kSpring) {
        const double r = std::sqrt(r2);
        coef = r > 0.0 ? k(i, j) * (r - o_.rest_length) / r : 0.0;
      } else {
        const double s2 = r2 + o_.softening * o_.softening;
        coef = o_.gravitational_constant * mass(i) * mass(j) / (s2 * std::sqrt(s2));
      }
      g.segment(i * d, d) += coef * rij;
      g.segment(j * d, d) -= coef * rij;
    }
  }
  return g;
}

Vector Particles::dH_dp(const Vector&, const Vector& p) const {
  Vector v(p.size());
  for (int i = 0; i < o_.count; ++i) v.segment(i * o_.dim, o_.dim) = p.segment(i * o_.dim, o_.dim) / mass(i);
  return v;
}

Vector Particles::dissipation(const Vector& q, const Vector& p) const {
  Vector out = Vector::Zero(q.size() + p.size());
  out.tail(p.size()) = -o_.damping * dH_dp(q, p);
  return out;
}

Vector Particles::total_momentum(const Vector& p) const {
  Vector total = Vector::Zero(o_.dim);
  for (int i = 0; i < o_.count; ++i) total += p.segment(i * o_.dim, o_.dim);
  return total;
}

namespace {

/// Speed of each of n equal masses m on a ring of radius r for a circular orbit of the ring.
double ring_speed(int n, double g, double m, double r) {
  double sum = 0.0;
  for (int k = 1; k < n; ++k) sum += 1.0 / std::sin(kPi * k / n);
  return std::sqrt(g * m * sum / (4.0 * r));
}

}  // namespace

Vector Particles::default_state() const {
  const int n = o_.count, d = o_.dim;
  Vector y = Vector::Zero(2 * n * d);
  const double r = o_.interaction == Interaction::kSpring ? o_.rest_length : 1.0;
  const double v = o_.interaction == Interaction::kGravity
                       ? 0.9 * ring_speed(n, o_.gravitational_constant, mass(0), r)
                       : 0.3;
  for (int i = 0; i < n; ++i) {
    const double th = 2.0 * kPi * i / n;
    y[i * d] = r * std::cos(th);
    y[i * d + 1] = r * std::sin(th);
    y[n * d + i * d] = -mass(i) * v * std::sin(th);
    y[n * d + i * d + 1] = mass(i) * v * std::cos(th);
    if (o_.interaction == Interaction::kSpring) {  // a breathing mode on top of the rotation
      y[n * d + i * d] += mass(i) * 0.2 * std::cos(th);
      y[n * d + i * d + 1] += mass(i) * 0.2 * std::sin(th);
    }
  }
  return y;
}

Vector Particles::random_state(Rng& rng) const {
  const int n = o_.count, d = o_.dim;
  Vector y = Vector::Zero(2 * n * d);
  if (o_.interaction == Interaction::kGravity) {
    // A perturbed rotating ring (the HNN paper's rule for its two- and three-body tasks).
    const double r = uniform(rng, 0.5, 1.5), phase = uniform(rng, 0.0, 2.0 * kPi);
    double mean_mass = 0.0;
    for (int i = 0; i < n; ++i) mean_mass += mass(i) / n;
    const double v = ring_speed(n, o_.gravitational_constant, mean_mass, r);
    for (int i = 0; i < n; ++i) {
      const double th = phase + 2.0 * kPi * i / n;
      y[i * d] = r * std::cos(th) + normal(rng, 0.05);
      y[i * d + 1] = r * std::sin(th) + normal(rng, 0.05);
      const double vi = v * (1.0 + normal(rng, 0.1));
      y[n * d + i * d] = -mass(i) * vi * std::sin(th);
      y[n * d + i * d + 1] = mass(i) * vi * std::cos(th);
    }
  } else {
    for (int i = 0; i < n * d; ++i) {
      y[i] = normal(rng, o_.rest_length);
      y[n * d + i] = normal(rng, 0.5) * mass(i / d);
    }
  }
  // Remove the centre-of-mass velocity so the system stays put.
  double total_mass = 0.0;
  for (int i = 0; i < n; ++i) total_mass += mass(i);
  const Vector ptot = total_momentum(y.tail(n * d));
  for (int i = 0; i < n; ++i) y.segment(n * d + i * d, d) -= (mass(i) / total_mass) * ptot;
  return y;
}

DataProtocol Particles::protocol() const {
  if (o_.count == 2 && o_.interaction == Interaction::kGravity) return {1000, 50, 0.0, 20.0, 0.0, 0.2};
  return {100, 100, 0.0, 5.0, 0.0, 0.2};
}

namespace {
/// Unit masses under gravity (G = 1) in the plane, registered as `name`.
Particles::Options planar_gravity(int count, const char* name) {
  Particles::Options o;
  o.interaction = Particles::Interaction::kGravity;
  o.count = count;
  o.name = name;
  return o;
}
}  // namespace

std::unique_ptr<Particles> make_two_body() {
  class TwoBody : public Particles {
   public:
    TwoBody() : Particles(planar_gravity(2, "two-body")) {}
    /// The HNN paper's orbit sampler: body 1 at (x, y) with x, y ~ U[0.5, 1.5], body 2 at
    /// -(x, y); the circular-orbit speed 1 / (2 sqrt(r)) perpendicular to the radius, scaled by
    /// one factor 1 + 0.05 N(0, 1) (slightly elliptical orbits); zero total momentum.
    Vector random_state(Rng& rng) const override {
      const double x = uniform(rng, 0.5, 1.5), y = uniform(rng, 0.5, 1.5);
      const double r = std::hypot(x, y);
      const double s = (1.0 + 0.05 * normal(rng, 1.0)) / (2.0 * r * std::sqrt(r));
      Vector st(8);
      st << x, y, -x, -y, -y * s, x * s, y * s, -x * s;
      return st;
    }
  };
  return std::make_unique<TwoBody>();
}

std::unique_ptr<Particles> make_three_body() {
  class ThreeBody : public Particles {
   public:
    ThreeBody() : Particles(planar_gravity(3, "three-body")) {}
    Vector default_state() const override {
      // Chenciner & Montgomery's figure-eight (unit masses, G = 1).
      Vector y(12);
      const double x1 = 0.97000436, y1 = -0.24308753, vx3 = -0.93240737, vy3 = -0.86473146;
      y << x1, y1, -x1, -y1, 0.0, 0.0, -vx3 / 2, -vy3 / 2, -vx3 / 2, -vy3 / 2, vx3, vy3;
      return y;
    }
  };
  return std::make_unique<ThreeBody>();
}

// ---- Spring chain ---------------------------------------------------------------------------

SpringChain::SpringChain(int count, uint64_t seed) {
  if (count < 1) throw InvalidInput("spring-chain: count = " + std::to_string(count) + " must be >= 1");
  Rng rng(seed);
  for (int i = 0; i < count; ++i) masses_.push_back(uniform(rng, 0.5, 1.5));
  for (int i = 0; i <= count; ++i) springs_.push_back(uniform(rng, 0.5, 1.5));
}
std::string SpringChain::description() const {
  return std::to_string(masses_.size()) + " masses in a chain of springs between walls (SRNN)";
}
double SpringChain::energy(const Vector& q, const Vector& p) const {
  const int n = dof();
  double e = 0.0;
  for (int i = 0; i < n; ++i) e += p[i] * p[i] / (2.0 * masses_[static_cast<std::size_t>(i)]);
  for (int i = 0; i <= n; ++i) {
    const double ext = (i < n ? q[i] : 0.0) - (i > 0 ? q[i - 1] : 0.0);
    e += 0.5 * springs_[static_cast<std::size_t>(i)] * ext * ext;
  }
  return e;
}
Vector SpringChain::dH_dq(const Vector& q, const Vector&) const {
  const int n = dof();
  Vector g = Vector::Zero(n);
  for (int i = 0; i <= n; ++i) {
    const double ext = (i < n ? q[i] : 0.0) - (i > 0 ? q[i - 1] : 0.0);
    const double f = springs_[static_cast<std::size_t>(i)] * ext;
    if (i < n) g[i] += f;
    if (i > 0) g[i - 1] -= f;
  }
  return g;
}
Vector SpringChain::dH_dp(const Vector&, const Vector& p) const {
  Vector v(p.size());
  for (int i = 0; i < dof(); ++i) v[i] = p[i] / masses_[static_cast<std::size_t>(i)];
  return v;
}
Vector SpringChain::default_state() const {
  Vector y = Vector::Zero(2 * dof());
  y[0] = 0.5;  // pluck the first mass
  return y;
}
Vector SpringChain::random_state(Rng& rng) const {
  Vector y(2 * dof());
  for (int i = 0; i < 2 * dof(); ++i) y[i] = normal(rng, 0.5);
  return y;
}
DataProtocol SpringChain::protocol() const { return {50, 101, 0.0, 10.0, 0.2, 0.2}; }

// ---- Registry -------------------------------------------------------------------------------

namespace {

std::unique_ptr<Particles> make_particle_default(Particles::Interaction kind) {
  Particles::Options o;
  o.interaction = kind;
  o.count = 4;
  o.dim = 2;
  return std::make_unique<Particles>(o);
}

const std::vector<std::pair<std::string, std::function<std::unique_ptr<System>()>>>& registry() {
  static const std::vector<std::pair<std::string, std::function<std::unique_ptr<System>()>>> r{
      {"spring", [] { return std::make_unique<Spring>(); }},
      {"damped-spring", [] { return std::make_unique<DampedSpring>(); }},
      {"pendulum", [] { return std::make_unique<Pendulum>(); }},
      {"damped-pendulum", [] { return std::make_unique<DampedPendulum>(); }},
      {"duffing", [] { return std::make_unique<Duffing>(); }},
      {"double-pendulum", [] { return std::make_unique<DoublePendulum>(); }},
      {"henon-heiles", [] { return std::make_unique<HenonHeiles>(); }},
      {"kepler", [] { return std::make_unique<Kepler>(); }},
      {"two-body", [] { return make_two_body(); }},
      {"three-body", [] { return make_three_body(); }},
      {"springs", [] { return make_particle_default(Particles::Interaction::kSpring); }},
      {"gravity", [] { return make_particle_default(Particles::Interaction::kGravity); }},
      {"spring-chain", [] { return std::make_unique<SpringChain>(); }},
      {"lorenz", [] { return std::make_unique<Lorenz>(); }},
      {"gas-container", [] { return std::make_unique<GasContainer>(); }},
      {"two-springs-qv", [] { return std::make_unique<TwoSpringsQv>(); }},
      {"double-pendulum-qv", [] { return std::make_unique<DoublePendulumQv>(); }},
      {"lotka-volterra", [] { return std::make_unique<LotkaVolterra>(); }},
      {"pendulum-control", [] { return std::make_unique<PendulumControl>(); }},
      {"pendulum-embedded", [] { return std::make_unique<PendulumEmbedded>(); }},
      {"chain-pendulum", [] { return std::make_unique<ChainPendulum>(3); }},
      {"spherical-pendulum", [] { return std::make_unique<SphericalPendulum>(); }},
      {"spherical-pendula", [] { return std::make_unique<SphericalPendula>(); }},
      {"gyroscope", [] { return std::make_unique<Gyroscope>(); }},
      {"rotor", [] { return std::make_unique<Rotor>(); }},
      {"magnet-pendulum", [] { return std::make_unique<MagnetPendulum>(); }},
      {"pendulum-noisy", [] { return std::make_unique<NoisyPendulum>(); }},
      {"spring-noisy", [] { return std::make_unique<NoisySpring>(); }},
  };
  return r;
}

}  // namespace

std::vector<std::string> system_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::unique_ptr<System> make_system(const std::string& name) {
  for (const auto& entry : registry())
    if (entry.first == name) return entry.second();
  // chain-pendulum-N: N links (chain-pendulum itself has 3).
  const std::string chain = "chain-pendulum-";
  if (name.rfind(chain, 0) == 0 && name.size() > chain.size() && name.size() <= chain.size() + 2 &&
      name.find_first_not_of("0123456789", chain.size()) == std::string::npos)
    return std::make_unique<ChainPendulum>(std::stoi(name.substr(chain.size())));
  std::string known;
  for (const auto& entry : registry()) known += (known.empty() ? "" : ", ") + entry.first;
  throw InvalidInput("unknown system '" + name + "'; known systems: " + known + " (chain-pendulum-N for N links)");
}

}  // namespace noether::physics
