// physics/systems/generalized.hpp: systems whose state is not a set of canonical (q, p) pairs, the
// ground truth of the generalized Hamiltonian models (issue 16): dx/dt = (J(x) + R(x)) grad E(x)
// (+ M(x) grad S(x) for GENERIC systems), with x of any dimension.
//
//   auto sys = noether::physics::make_system("gas-container");   // a GeneralizedSystem
//   Eigen::VectorXd x = sys->default_state();                     // state_dim() entries
//   double E = sys->energy_at(x);
//   Eigen::VectorXd dxdt = sys->vector_field(x);
//
// Their dof() is 0 and canonical() false: only the vector-field integrators apply, and dH_dq,
// dH_dp throw.
#pragma once

#include "physics/systems/systems.hpp"

namespace noether::physics {

class GeneralizedSystem : public System {
 public:
  int dof() const override { return 0; }
  bool separable() const override { return false; }
  bool canonical() const override { return false; }
  int state_dim() const override = 0;
  double energy_at(const Vector& x) const override = 0;
  Vector vector_field(const Vector& x) const override = 0;
  /// True for systems with a second potential, the entropy S of GENERIC (Ottinger).
  virtual bool has_entropy() const { return false; }
  /// S(x); throws InvalidInput for systems without one.
  virtual double entropy_at(const Vector& x) const;

  /// energy_at of the joined state (q and p are simply its two halves here).
  double energy(const Vector& q, const Vector& p) const override;
  /// Throw InvalidInput: a generalized state has no canonical momenta.
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
};

/// Lorenz-63 (sigma 10, rho 28, beta 8/3) as a generalized Hamiltonian system (Sarasola et al.):
/// with E = (x^2 + y^2 + (z - sigma - rho)^2) / 2,
///   dx/dt = J(x) grad E + R grad E - (0, 0, beta (sigma + rho)),
///   J = [[0, sigma, 0], [-sigma, 0, -x], [0, x, 0]], R = diag(-sigma, -1, -beta),
/// which is the familiar sigma (y - x), x (rho - z) - y, x y - beta z. Odd dimension; E is not
/// conserved.
class Lorenz : public GeneralizedSystem {
 public:
  std::string name() const override { return "lorenz"; }
  std::string description() const override;
  int state_dim() const override { return 3; }
  bool conservative() const override { return false; }
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  Vector default_state() const override;
  /// x, y uniform in [-15, 15], z in [5, 40]: around the attractor.
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
  static constexpr double kSigma = 10.0, kRho = 28.0, kBeta = 8.0 / 3.0;
};

/// Two ideal gases in a container split by a free piston (GENERIC's test problem, Lee, Trask &
/// Stinis 2021): x = (q, p, S1, S2), piston position q in (0, 2), momentum p, the gases'
/// entropies. E_i = (e^{S_i} / q_i)^{2/3} with q_1 = q, q_2 = 2 - q;
///   dq/dt = p, dp/dt = 2/3 (E_1 / q - E_2 / (2 - q)),
///   dS_1/dt = 9 alpha / (4 E_1) (1 / E_1 - 1 / E_2), dS_2/dt = -(E_1 / E_2) dS_1/dt, alpha = 10.
/// The total energy E = p^2 / 2 + E_1 + E_2 is conserved (the piston's work and the heat flow
/// cancel term by term) and S = S_1 + S_2 never decreases: dS/dt = 9 alpha (E_2 - E_1)^2 /
/// (4 E_1^2 E_2^2) >= 0 (tests check both along trajectories).
class GasContainer : public GeneralizedSystem {
 public:
  explicit GasContainer(double alpha = 10.0);
  std::string name() const override { return "gas-container"; }
  std::string description() const override;
  int state_dim() const override { return 4; }
  bool conservative() const override { return true; }
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  bool has_entropy() const override { return true; }
  double entropy_at(const Vector& x) const override { return x[2] + x[3]; }
  Vector default_state() const override;
  /// [1, 0, 2, 2] + U(-1, 1) [0.8, 1, 1, 1] (the paper's starts).
  Vector random_state(Rng& rng) const override;
  /// 100 trajectories on [0, 8], dt 0.02 (401 samples), no noise, 80/20 split.
  DataProtocol protocol() const override;

 private:
  double alpha_;
};

/// Two masses on a line, m = (1, 2), the first tied to a wall at 0 by a spring k1 = 3, the second
/// to the first by k2 = 5, rest lengths 1, in positions and velocities x = (x1, x2, v1, v2) (the
/// neural symplectic form paper's test in coordinates that are not canonical):
/// E = m1 v1^2 / 2 + m2 v2^2 / 2 + k1 (x1 - 1)^2 / 2 + k2 (x2 - x1 - 1)^2 / 2.
class TwoSpringsQv : public GeneralizedSystem {
 public:
  std::string name() const override { return "two-springs-qv"; }
  std::string description() const override;
  int state_dim() const override { return 4; }
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  Vector default_state() const override;
  /// x ~ N(0, 1) in every entry (the paper's starts).
  Vector random_state(Rng& rng) const override;
  /// 1000 trajectories on [0, 5], 100 samples, no noise, 80/20 split.
  DataProtocol protocol() const override;
};

/// A double pendulum in angles and angular velocities x = (th1, th2, w1, w2), g = 9.8, masses
/// (1, 2), unit lengths (the neural symplectic form paper's): not canonical coordinates.
class DoublePendulumQv : public GeneralizedSystem {
 public:
  std::string name() const override { return "double-pendulum-qv"; }
  std::string description() const override;
  int state_dim() const override { return 4; }
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 2000 trajectories on [0, 5], 100 samples, no noise, 80/20 split.
  DataProtocol protocol() const override;
  static constexpr double kG = 9.8, kM1 = 1.0, kM2 = 2.0;
};

/// Lotka-Volterra, dx/dt = x - x y, dy/dt = x y - y, with the conserved
/// E = x - ln x + y - ln y: a Poisson system (J = [[0, -xy], [xy, 0]] applied to grad E) whose
/// natural coordinates are not canonical. Starts in [0.3, 2.5]^2.
class LotkaVolterra : public GeneralizedSystem {
 public:
  std::string name() const override { return "lotka-volterra"; }
  std::string description() const override;
  int state_dim() const override { return 2; }
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// 1000 trajectories on [0, 5], 100 samples, no noise, 80/20 split.
  DataProtocol protocol() const override;
};

/// A pendulum driven by a constant torque u (SymODEN's task 1, Zhong et al. 2019):
/// H = 5 (1 - cos q) + 1.5 p^2, dq/dt = 3p, dp/dt = -5 sin q + u, with u carried in the state
/// x = (q, p, u) as du/dt = 0 (SymODEN's own trick for learning with control).
class PendulumControl : public GeneralizedSystem {
 public:
  std::string name() const override { return "pendulum-control"; }
  std::string description() const override;
  int state_dim() const override { return 3; }
  bool conservative() const override { return false; }
  /// H(q, p), the pendulum's energy without the drive.
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  Vector default_state() const override;
  /// q and p uniform on [-pi, 2 pi], u one of {-2, -1, 0, 1, 2} with equal chances.
  Vector random_state(Rng& rng) const override;
  /// 500 trajectories of 45 samples 0.05 apart (the reference's t_eval), no noise, half held out.
  DataProtocol protocol() const override;
  int control_dim() const override { return 1; }
  int angle_coordinates() const override { return 1; }
};

/// The pendulum of OpenAI gym's Pendulum-v0 as SymODEN observes it (task 2, Zhong et al. 2019):
/// angle theta from upright, d2theta/dt2 = 15 sin theta + 3 u, seen only as
/// x = (cos theta, sin theta, dtheta/dt, u), du/dt = 0. Its energy, with p = (dtheta/dt) / 3:
/// H = 1.5 p^2 + 5 (1 + cos theta), zero hanging at rest.
class PendulumEmbedded : public GeneralizedSystem {
 public:
  std::string name() const override { return "pendulum-embedded"; }
  std::string description() const override;
  int state_dim() const override { return 4; }
  bool conservative() const override { return false; }
  int angle_coordinates() const override { return 1; }
  bool embedded_angles() const override { return true; }
  int control_dim() const override { return 1; }
  double energy_at(const Vector& x) const override;
  Vector vector_field(const Vector& x) const override;
  /// Hanging at rest, nudged: theta = pi - 0.5.
  Vector default_state() const override;
  /// theta uniform on [-pi, pi], dtheta/dt on [-1, 1] (the gym's reset), u one of
  /// {-2, -1, 0, 1, 2}.
  Vector random_state(Rng& rng) const override;
  /// 640 trajectories (128 per drive value on average) of 20 samples 0.05 apart, no noise, half
  /// held out.
  DataProtocol protocol() const override;
};

}  // namespace noether::physics
