// physics/systems/systems.hpp: analytic Hamiltonian systems, the ground truth noether learns from.
//
//   auto sys = noether::physics::make_system("pendulum");
//   Eigen::VectorXd y = sys->default_state();              // y = [q; p], 2 * dof() entries
//   double E = sys->energy_at(y);                              // H(q, p)
//   Eigen::VectorXd dydt = sys->vector_field(y);            // [dH/dp; -dH/dq] + dissipation
//
// Units are the systems' own dimensionless ones (G = 1, unit masses unless stated). All work on
// doubles through Eigen: this is the simulation path, with no autograd overhead.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "noether/json_codec.hpp"

namespace noether::physics {

using Vector = Eigen::VectorXd;
using Rng = std::mt19937_64;

/// How a data set is drawn from a system, after the Hamiltonian Neural Networks paper (Greydanus
/// et al. 2019): `trajectories` random initial states, each sampled at `points` equally spaced
/// times on [t0, t1], Gaussian noise of standard deviation `noise_std` on the observed states,
/// exact time derivatives as targets, the last `test_fraction` of trajectories held out.
struct DataProtocol {
  int trajectories = 50;
  int points = 30;
  double t0 = 0.0;
  double t1 = 3.0;
  double noise_std = 0.1;
  double test_fraction = 0.5;
  /// Every trajectory from the system's default state instead of random ones (the GHNN paper fits
  /// one trajectory from a given start).
  bool fixed_start = false;
  /// Throws InvalidInput naming the first bad field.
  void validate() const;
};
NOETHER_JSON(DataProtocol, trajectories, points, t0, t1, noise_std, test_fraction, fixed_start)

/// An analytic Hamiltonian system in canonical coordinates: q and p have dof() entries each and
/// a state is y = [q; p]. Generalized systems (generalized.hpp: dx/dt = (J(x) + R(x)) grad E(x)
/// in coordinates that are not canonical, of any dimension) override state_dim(), energy_at()
/// and vector_field() and report canonical() false; their dof() is 0.
class System {
 public:
  virtual ~System() = default;
  virtual std::string name() const = 0;
  /// One line: what it is and its Hamiltonian.
  virtual std::string description() const = 0;
  /// Degrees of freedom D: q and p each have D entries.
  virtual int dof() const = 0;
  /// True when H = T(p) + V(q), so dH/dq depends on q only and dH/dp on p only.
  virtual bool separable() const = 0;
  /// False when a dissipation term drains energy (then energy() is not conserved).
  virtual bool conservative() const { return true; }
  /// False for states that are not (q, p) pairs: only the vector-field schemes apply.
  virtual bool canonical() const { return true; }
  /// Entries of a state: 2 dof() for canonical systems.
  virtual int state_dim() const { return 2 * dof(); }
  /// Coordinates that are angles (2 pi-periodic): the first this many q of a (q, p, u) state, or
  /// angles observed as (cos q, sin q) pairs when embedded_angles() (the state is then
  /// (cos q, sin q, dq/dt, u), SymODEN's embedded observations); 0 for the others.
  virtual int angle_coordinates() const { return 0; }
  virtual bool embedded_angles() const { return false; }
  /// Entries at the end of the state that are constant drives u (du/dt = 0); 0 for none.
  virtual int control_dim() const { return 0; }

  virtual double energy(const Vector& q, const Vector& p) const = 0;
  virtual Vector dH_dq(const Vector& q, const Vector& p) const = 0;
  virtual Vector dH_dp(const Vector& q, const Vector& p) const = 0;
  /// The non-Hamiltonian part of dy/dt (zero for conservative systems); 2D entries.
  virtual Vector dissipation(const Vector& q, const Vector& p) const;

  /// A representative initial state y = [q; p].
  virtual Vector default_state() const = 0;
  /// A random initial state following the HNN paper's protocol for this system.
  virtual Vector random_state(Rng& rng) const = 0;
  /// A start for the energy-MSE rollouts of `evaluate`: the HNN paper's analysis notebooks draw
  /// these differently from the training data for some systems (default: random_state).
  virtual Vector evaluation_state(Rng& rng) const { return random_state(rng); }
  /// The data-set protocol of the HNN paper for this system.
  virtual DataProtocol protocol() const { return {}; }

  // Conveniences on the stacked state y = [q; p] (2D entries).
  virtual double energy_at(const Vector& y) const;  ///< H at the stacked state y = [q; p]
  /// dy/dt = [dH/dp; -dH/dq] + dissipation.
  virtual Vector vector_field(const Vector& y) const;
  Vector q_of(const Vector& y) const { return y.head(dof()); }
  Vector p_of(const Vector& y) const { return y.tail(dof()); }
  /// Throws InvalidInput when y has other than state_dim() entries or a non-finite one.
  void check_state(const Vector& y) const;
};

/// Names accepted by make_system, in a stable order.
std::vector<std::string> system_names();
/// Builds a system by name; throws InvalidInput listing the known names for an unknown one.
std::unique_ptr<System> make_system(const std::string& name);

// ---- The systems ----------------------------------------------------------------------------

/// H = q^2 + p^2 (the HNN paper's ideal mass-spring, k = 2, m = 1/2). Period pi.
class Spring : public System {
 public:
  std::string name() const override { return "spring"; }
  std::string description() const override;
  int dof() const override { return 1; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// The notebook's rollout starts: q and p each uniform on +-[0.2, 1.0].
  Vector evaluation_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

/// H = q^2 + p^2 with dissipation: dq/dt = 2p - 2 gamma q, dp/dt = -2q (the dissipative HNN
/// paper's damped spring for gamma = 1), so dH/dt = -4 gamma q^2 <= 0.
class DampedSpring : public Spring {
 public:
  explicit DampedSpring(double gamma = 1.0);
  std::string name() const override { return "damped-spring"; }
  std::string description() const override;
  bool conservative() const override { return gamma_ == 0.0; }
  Vector dissipation(const Vector& q, const Vector& p) const override;
  /// The D-HNN paper draws its rollout starts like its data.
  Vector evaluation_state(Rng& rng) const override { return random_state(rng); }

 private:
  double gamma_;
};

/// H = 3 (1 - cos q) + p^2 (the HNN paper's ideal pendulum).
class Pendulum : public System {
 public:
  std::string name() const override { return "pendulum"; }
  std::string description() const override;
  int dof() const override { return 1; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  /// The notebook's rollout starts: q and p each uniform on +-[0.2, 1.0] (radius 0.28 to 1.41:
  /// mostly smaller swings than the training annulus of radius 1.3 to 2.3).
  Vector evaluation_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

/// Planar double pendulum, unit masses, lengths and g; q = (theta1, theta2) from the vertical.
/// H = (p1^2 + 2 p2^2 - 2 p1 p2 cos(q1 - q2)) / (2 (1 + sin^2(q1 - q2))) - 2 cos q1 - cos q2.
/// Not separable.
class DoublePendulum : public System {
 public:
  std::string name() const override { return "double-pendulum"; }
  std::string description() const override;
  int dof() const override { return 2; }
  bool separable() const override { return false; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

/// The GHNN paper's damped pendulum (Course et al. 2020): H = 2g (1 - cos q) + p^2 / 2 with
/// g = 1 and friction R = diag(0, -gamma), gamma = 0.35: dq/dt = p, dp/dt = -2g sin q - gamma p.
/// Default state the paper's start (pi - pi/32, 0), near the top; data: 10 swings of random
/// energy below the separatrix, 200 samples each on [0, 20], noise 0.1 (the paper fits one
/// trajectory of 1000 samples from its start).
class DampedPendulum : public System {
 public:
  explicit DampedPendulum(double g = 1.0, double gamma = 0.35);
  std::string name() const override { return "damped-pendulum"; }
  std::string description() const override;
  int dof() const override { return 1; }
  bool separable() const override { return true; }
  bool conservative() const override { return gamma_ == 0.0; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector dissipation(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  /// A swing of energy uniform in [0.2, 3.9] g, shared at random between angle and momentum.
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;

 private:
  double g_, gamma_;
};

/// The Duffing oscillator (double well): H = p^2 / 2 - q^2 / 2 + q^4 / 4; the GHNN paper's start
/// (-1.5, 3) swings over both wells.
class Duffing : public System {
 public:
  std::string name() const override { return "duffing"; }
  std::string description() const override;
  int dof() const override { return 1; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

/// Henon-Heiles: H = (px^2 + py^2)/2 + (x^2 + y^2)/2 + x^2 y - y^3/3. Bounded below E = 1/6.
class HenonHeiles : public System {
 public:
  std::string name() const override { return "henon-heiles"; }
  std::string description() const override;
  int dof() const override { return 2; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

/// The Kepler problem (two-body problem in relative coordinates), planar, mu = G (m1 + m2):
/// H = |p|^2 / 2 - mu / |q|. The default orbit has eccentricity 0.5, semi-major axis 1, period
/// 2 pi.
class Kepler : public System {
 public:
  explicit Kepler(double mu = 1.0, double eccentricity = 0.5);
  std::string name() const override { return "kepler"; }
  std::string description() const override;
  int dof() const override { return 2; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
  /// The exact state at time t from y0 (elliptic orbits only; throws InvalidInput otherwise).
  Vector exact(const Vector& y0, double t) const;

 private:
  double mu_, e_;
};

/// N point masses in 2-D or 3-D with pairwise springs or Newtonian gravity and optional linear
/// drag. q = positions (N * dim, body-major), p = momenta.
///   springs: V = sum_{i<j} k_ij / 2 (|r_ij| - rest_length)^2
///   gravity: V = -sum_{i<j} G m_i m_j / sqrt(|r_ij|^2 + softening^2)
///   drag:    dp_i/dt gains -damping * p_i / m_i (Rayleigh D = damping / 2 sum |v_i|^2)
class Particles : public System {
 public:
  enum class Interaction { kSpring, kGravity };
  struct Options {
    Interaction interaction = Interaction::kGravity;
    int count = 3;  ///< N
    int dim = 2;    ///< 2 or 3
    std::vector<double> masses;                ///< N entries; empty: all 1
    std::vector<double> spring_constants;      ///< N*N symmetric; empty: all 1
    double rest_length = 1.0;
    double gravitational_constant = 1.0;
    double softening = 0.0;
    double damping = 0.0;
    std::string name;  ///< the registry name; empty: derived from the options
    void validate() const;
  };
  explicit Particles(Options options);
  std::string name() const override;
  std::string description() const override;
  int dof() const override { return o_.count * o_.dim; }
  bool separable() const override { return true; }
  bool conservative() const override { return o_.damping == 0.0; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector dissipation(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
  const Options& options() const { return o_; }
  /// Total linear momentum (dim entries) and, in 2-D, angular momentum about the origin.
  Vector total_momentum(const Vector& p) const;

 private:
  double mass(int i) const { return o_.masses[static_cast<std::size_t>(i)]; }
  double k(int i, int j) const {
    return o_.spring_constants[static_cast<std::size_t>(i * o_.count + j)];
  }
  Options o_;
};

/// A chain of N masses on a line joined by springs, both ends tied to walls (the SRNN paper's
/// test system): H = sum_i p_i^2 / (2 m_i) + sum_{i=0}^{N} k_i / 2 (q_i - q_{i-1})^2 with
/// q_{-1} = q_N = 0 (displacements from rest). Masses and the N + 1 spring constants are drawn
/// uniformly from [0.5, 1.5] with `seed`, so "around 1".
class SpringChain : public System {
 public:
  explicit SpringChain(int count = 20, uint64_t seed = 0);
  std::string name() const override { return "spring-chain"; }
  std::string description() const override;
  int dof() const override { return static_cast<int>(masses_.size()); }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
  const std::vector<double>& masses() const { return masses_; }
  const std::vector<double>& spring_constants() const { return springs_; }

 private:
  std::vector<double> masses_, springs_;
};

/// Two equal unit masses under gravity in the plane (the HNN paper's two-body task).
std::unique_ptr<Particles> make_two_body();
/// Three unit masses under gravity in the plane; default state the Chenciner-Montgomery
/// figure-eight.
std::unique_ptr<Particles> make_three_body();

}  // namespace noether::physics
