#include "physics/systems/generalized.hpp"

#include <cmath>

#include "noether/error.hpp"

namespace noether::physics {

namespace {
double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
}  // namespace

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

}  // namespace noether::physics
