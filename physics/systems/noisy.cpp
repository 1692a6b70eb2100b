#include "physics/systems/noisy.hpp"

#include <cmath>
#include <random>

namespace noether::physics {

namespace {
constexpr double kPi = 3.14159265358979323846;
// One observed trajectory of 15 s from the system's default state and one more (other noise) held
// out: the VIN paper's setup, whose test forecasts 10 s from the noiseless start.
const DataProtocol kProtocol{2, 151, 0.0, 15.0, 0.33, 0.5, true};

Vector state(double q, double p) { return (Vector(2) << q, p).finished(); }
double sign(Rng& rng) { return std::bernoulli_distribution(0.5)(rng) ? 1.0 : -1.0; }
double uniform(Rng& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
}  // namespace

std::string NoisyPendulum::description() const {
  return "pendulum of the VIN paper, H = p^2/2 + 9.82 (1 - cos q), observed with noise 0.33";
}
double NoisyPendulum::energy(const Vector& q, const Vector& p) const {
  return 0.5 * p[0] * p[0] + kGravity * (1.0 - std::cos(q[0]));
}
Vector NoisyPendulum::dH_dq(const Vector& q, const Vector&) const { return Vector::Constant(1, kGravity * std::sin(q[0])); }
Vector NoisyPendulum::dH_dp(const Vector&, const Vector& p) const { return p; }
Vector NoisyPendulum::default_state() const { return state(2.5, 0.5); }  // a wide, anharmonic swing
Vector NoisyPendulum::random_state(Rng& rng) const {
  const double q = sign(rng) * (kPi - uniform(rng, 0.1, kPi / 2));
  return state(q, uniform(rng, -1.0, 1.0));
}
DataProtocol NoisyPendulum::protocol() const { return kProtocol; }

std::string NoisySpring::description() const {
  return "spring of the VIN paper (m = 1, k = 2), H = p^2/2 + q^2, observed with noise 0.33";
}
double NoisySpring::energy(const Vector& q, const Vector& p) const { return 0.5 * p[0] * p[0] + q[0] * q[0]; }
Vector NoisySpring::dH_dq(const Vector& q, const Vector&) const { return 2.0 * q; }
Vector NoisySpring::dH_dp(const Vector&, const Vector& p) const { return p; }
Vector NoisySpring::default_state() const { return state(1.2, 0.3); }
Vector NoisySpring::random_state(Rng& rng) const {
  const double q = sign(rng) * uniform(rng, 1.0, 1.5);
  return state(q, uniform(rng, -0.5, 0.5));
}
DataProtocol NoisySpring::protocol() const { return kProtocol; }

}  // namespace noether::physics
