#include "physics/systems/generalized.hpp"

#include <cmath>

#include "noether/error.hpp"
#include "physics/systems/detail/sampling.hpp"

namespace noether::physics {

using detail::kPi;
using detail::normal;
using detail::uniform;

double GeneralizedSystem::entropy_at(const Vector&) const {
  throw InvalidInput("system '" + name() + "' has no entropy");
}

double GeneralizedSystem::energy(const Vector& q, const Vector& p) const {
  Vector x(q.size() + p.size());
  x << q, p;
  return energy_at(x);
}

Vector GeneralizedSystem::dH_dq(const Vector&, const Vector&) const {
  throw InvalidInput("system '" + name() + "' has no canonical coordinates (dH/dq); use its vector field");
}

Vector GeneralizedSystem::dH_dp(const Vector&, const Vector&) const {
  throw InvalidInput("system '" + name() + "' has no canonical coordinates (dH/dp); use its vector field");
}

// ---- Lorenz-63 --------------------------------------------------------------------------------

std::string Lorenz::description() const {
  return "Lorenz-63 (sigma 10, rho 28, beta 8/3) as (J + R) grad E + forcing, E = (x^2 + y^2 + (z - 38)^2)/2";
}
double Lorenz::energy_at(const Vector& x) const {
  const double w = x[2] - kSigma - kRho;
  return 0.5 * (x[0] * x[0] + x[1] * x[1] + w * w);
}
Vector Lorenz::vector_field(const Vector& x) const {
  return (Vector(3) << kSigma * (x[1] - x[0]), x[0] * (kRho - x[2]) - x[1], x[0] * x[1] - kBeta * x[2]).finished();
}
Vector Lorenz::default_state() const { return (Vector(3) << 1.0, 1.0, 1.0).finished(); }
Vector Lorenz::random_state(Rng& rng) const {
  return (Vector(3) << uniform(rng, -15.0, 15.0), uniform(rng, -15.0, 15.0), uniform(rng, 5.0, 40.0)).finished();
}
DataProtocol Lorenz::protocol() const { return {20, 200, 0.0, 2.0, 0.1, 0.2}; }

// ---- Two-gas container (GENERIC) ------------------------------------------------------------

GasContainer::GasContainer(double alpha) : alpha_(alpha) {
  if (!(alpha > 0.0) || !std::isfinite(alpha))
    throw InvalidInput("gas-container: alpha must be finite and > 0");
}
std::string GasContainer::description() const {
  return "two gases split by a free piston (GENERIC), x = (q, p, S1, S2), E = p^2/2 + E1 + E2, S = S1 + S2";
}
double GasContainer::energy_at(const Vector& x) const {
  const double e1 = std::pow(std::exp(x[2]) / x[0], 2.0 / 3.0), e2 = std::pow(std::exp(x[3]) / (2.0 - x[0]), 2.0 / 3.0);
  return 0.5 * x[1] * x[1] + e1 + e2;
}
Vector GasContainer::vector_field(const Vector& x) const {
  const double q = x[0], p = x[1];
  const double e1 = std::pow(std::exp(x[2]) / q, 2.0 / 3.0), e2 = std::pow(std::exp(x[3]) / (2.0 - q), 2.0 / 3.0);
  const double ds1 = 9.0 * alpha_ / (4.0 * e1) * (1.0 / e1 - 1.0 / e2);
  return (Vector(4) << p, 2.0 / 3.0 * (e1 / q - e2 / (2.0 - q)), ds1, -(e1 / e2) * ds1).finished();
}
Vector GasContainer::default_state() const { return (Vector(4) << 1.0, 0.0, 2.0, 2.0).finished(); }
Vector GasContainer::random_state(Rng& rng) const {
  Vector x = default_state();
  const double scale[4] = {0.8, 1.0, 1.0, 1.0};
  for (int i = 0; i < 4; ++i) x[i] += uniform(rng, -1.0, 1.0) * scale[i];
  return x;
}
DataProtocol GasContainer::protocol() const { return {100, 401, 0.0, 8.0, 0.0, 0.2}; }

// ---- Non-canonical coordinates (neural symplectic form) --------------------------------------

namespace {
constexpr double kK1 = 3.0, kK2 = 5.0, kMass1 = 1.0, kMass2 = 2.0;
}  // namespace

std::string TwoSpringsQv::description() const {
  return "two masses (1, 2) on springs (3, 5, rest 1) in positions and velocities (x1, x2, v1, v2)";
}
double TwoSpringsQv::energy_at(const Vector& x) const {
  const double s1 = x[0] - 1.0, s2 = x[1] - x[0] - 1.0;
  return 0.5 * (kMass1 * x[2] * x[2] + kMass2 * x[3] * x[3] + kK1 * s1 * s1 + kK2 * s2 * s2);
}
Vector TwoSpringsQv::vector_field(const Vector& x) const {
  const double s1 = x[0] - 1.0, s2 = x[1] - x[0] - 1.0;
  return (Vector(4) << x[2], x[3], (-kK1 * s1 + kK2 * s2) / kMass1, -kK2 * s2 / kMass2).finished();
}
Vector TwoSpringsQv::default_state() const { return (Vector(4) << 1.2, 2.0, 0.0, 0.0).finished(); }
Vector TwoSpringsQv::random_state(Rng& rng) const {
  Vector x(4);
  for (int i = 0; i < 4; ++i) x[i] = normal(rng, 1.0);
  return x;
}
DataProtocol TwoSpringsQv::protocol() const { return {1000, 100, 0.0, 5.0, 0.0, 0.2}; }

std::string DoublePendulumQv::description() const {
  return "double pendulum (g 9.8, masses 1 and 2, unit lengths) in angles and angular velocities";
}
double DoublePendulumQv::energy_at(const Vector& x) const {
  const double c = std::cos(x[0] - x[1]);
  const double kinetic = 0.5 * (kM1 + kM2) * x[2] * x[2] + 0.5 * kM2 * x[3] * x[3] + kM2 * x[2] * x[3] * c;
  return kinetic - (kM1 + kM2) * kG * std::cos(x[0]) - kM2 * kG * std::cos(x[1]);
}
Vector DoublePendulumQv::vector_field(const Vector& x) const {
  // The Euler-Lagrange equations solved for the angular accelerations (unit lengths).
  const double d = x[0] - x[1], c = std::cos(d), s = std::sin(d), w1 = x[2], w2 = x[3];
  const double a11 = kM1 + kM2, a12 = kM2 * c, a22 = kM2;
  const double b1 = -kM2 * w2 * w2 * s - (kM1 + kM2) * kG * std::sin(x[0]);
  const double b2 = kM2 * w1 * w1 * s - kM2 * kG * std::sin(x[1]);
  const double det = a11 * a22 - a12 * a12;
  return (Vector(4) << w1, w2, (a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det).finished();
}
Vector DoublePendulumQv::default_state() const { return (Vector(4) << 1.0, 0.5, 0.0, 0.0).finished(); }
Vector DoublePendulumQv::random_state(Rng& rng) const {
  Vector x(4);
  for (int i = 0; i < 4; ++i) x[i] = normal(rng, 1.0);
  return x;
}
DataProtocol DoublePendulumQv::protocol() const { return {2000, 100, 0.0, 5.0, 0.0, 0.2}; }

std::string LotkaVolterra::description() const {
  return "Lotka-Volterra, dx/dt = x - xy, dy/dt = xy - y, E = x - ln x + y - ln y conserved";
}
double LotkaVolterra::energy_at(const Vector& x) const {
  return x[0] - std::log(x[0]) + x[1] - std::log(x[1]);
}
Vector LotkaVolterra::vector_field(const Vector& x) const {
  return (Vector(2) << x[0] - x[0] * x[1], x[0] * x[1] - x[1]).finished();
}
Vector LotkaVolterra::default_state() const { return (Vector(2) << 2.0, 0.5).finished(); }
Vector LotkaVolterra::random_state(Rng& rng) const {
  return (Vector(2) << uniform(rng, 0.3, 2.5), uniform(rng, 0.3, 2.5)).finished();
}
DataProtocol LotkaVolterra::protocol() const { return {1000, 100, 0.0, 5.0, 0.0, 0.2}; }

// ---- Pendulum with a constant torque (SymODEN task 1) -------------------------------------------

std::string PendulumControl::description() const {
  return "pendulum driven by a constant torque u, H = 5(1 - cos q) + 1.5 p^2, x = (q, p, u), du/dt = 0";
}
double PendulumControl::energy_at(const Vector& x) const { return 5.0 * (1.0 - std::cos(x[0])) + 1.5 * x[1] * x[1]; }
Vector PendulumControl::vector_field(const Vector& x) const {
  return (Vector(3) << 3.0 * x[1], -5.0 * std::sin(x[0]) + x[2], 0.0).finished();
}
Vector PendulumControl::default_state() const { return (Vector(3) << 1.0, 0.0, 0.0).finished(); }
Vector PendulumControl::random_state(Rng& rng) const {
  const double q = uniform(rng, -kPi, 2.0 * kPi), p = uniform(rng, -kPi, 2.0 * kPi);
  const double u = static_cast<double>(std::uniform_int_distribution<int>(-2, 2)(rng));
  return (Vector(3) << q, p, u).finished();
}
DataProtocol PendulumControl::protocol() const { return {500, 45, 0.0, 2.2, 0.0, 0.5}; }

// ---- The gym pendulum in embedded angles (SymODEN task 2) ---------------------------------------

std::string PendulumEmbedded::description() const {
  return "gym pendulum seen as x = (cos th, sin th, dth/dt, u), th'' = 15 sin th + 3u, H = (dth/dt)^2/6 + 5(1 + cos th)";
}
double PendulumEmbedded::energy_at(const Vector& x) const { return x[2] * x[2] / 6.0 + 5.0 * (1.0 + x[0]); }
Vector PendulumEmbedded::vector_field(const Vector& x) const {
  return (Vector(4) << -x[1] * x[2], x[0] * x[2], 15.0 * x[1] + 3.0 * x[3], 0.0).finished();
}
Vector PendulumEmbedded::default_state() const {
  const double theta = kPi - 0.5;
  return (Vector(4) << std::cos(theta), std::sin(theta), 0.0, 0.0).finished();
}
Vector PendulumEmbedded::random_state(Rng& rng) const {
  const double theta = uniform(rng, -kPi, kPi), omega = uniform(rng, -1.0, 1.0);
  const double u = static_cast<double>(std::uniform_int_distribution<int>(-2, 2)(rng));
  return (Vector(4) << std::cos(theta), std::sin(theta), omega, u).finished();
}
DataProtocol PendulumEmbedded::protocol() const { return {640, 20, 0.0, 0.95, 0.0, 0.5}; }

}  // namespace noether::physics
