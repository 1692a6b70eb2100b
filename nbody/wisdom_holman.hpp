// nbody/wisdom_holman.hpp: the Wisdom-Holman symplectic map (WHFast-style) for planetary systems.
//
//   auto sys = noether::nbody::make_planetary_system("outer-solar-system");
//   noether::nbody::WisdomHolmanOptions o;
//   o.dt = 10.0;            // days
//   o.corrector = 11;       // first symplectic corrector of order 11
//   noether::nbody::WisdomHolman wh(sys, o);
//   if (auto r = wh.integrate(100000); !r.ok()) std::cerr << r.message << "\n";
//   noether::nbody::PlanetarySystem now = wh.state();   // synchronized copy; the run is not perturbed
//
// Scheme: drift-kick-drift, second order, symplectic; the drift is the exact Kepler flow of each
// body in the chosen coordinates (one universal-variable solve per body), the kick the
// interaction term (InteractionKick, Newtonian by default) with one force evaluation per step.
// Options:
//  - coordinates: Jacobi (default; the only ones with correctors and the non-standard kernels),
//    democratic heliocentric, WHDS (both with the jump step of the linear momentum);
//  - corrector: Wisdom's first symplectic correctors of order 3, 5, 7, 11 or 17 (applied when
//    leaving and entering a synchronized state, so they cost nothing per step in fast mode);
//  - kernel: standard, modified kick (adds dt^2/12 times the derivative of the interaction
//    acceleration along itself: removes the eps^2 dt^2 error term; Newtonian kick only) or lazy
//    implementer (the same to leading order with a second force evaluation at positions shifted
//    by dt^2/12 a; any kick term);
//  - fast (default): unsynchronized mode, the two half drifts of consecutive steps merge; state()
//    synchronizes a copy so output never perturbs the trajectory. fast = false synchronizes in
//    place after every step.
// Massless test particles are advanced after the massive bodies by replaying the recorded drift /
// kick / jump operations of a block of steps, spread over OpenMP threads (`threads`), several
// particles at a time in SIMD lanes (`simd`, nbody/detail/kepler_lanes.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nbody/coordinates.hpp"
#include "nbody/interaction.hpp"
#include "nbody/system.hpp"
#include "integrators/result.hpp"

namespace noether::nbody {

enum class Kernel { standard, modified_kick, lazy };
/// "standard", "modified-kick", "lazy".
std::string to_string(Kernel k);
/// Parses the names above; throws InvalidInput listing them.
Kernel kernel_from_string(const std::string& name);

/// Orders of the first symplectic correctors available (0 = none).
inline constexpr int kCorrectorOrders[] = {0, 3, 5, 7, 11, 17};

struct WisdomHolmanOptions {
  double dt = 0.0;  ///< time step (time units of the system), > 0
  Coordinates coordinates = Coordinates::jacobi;
  int corrector = 0;  ///< 0, 3, 5, 7, 11 or 17
  Kernel kernel = Kernel::standard;
  bool fast = true;  ///< unsynchronized mode (merged half drifts)
  int threads = 0;   ///< OpenMP threads for the test particles; 0: OpenMP's default
  /// Test particles advanced detail::kLanes at a time in SIMD lanes (vectorised Kepler drift and
  /// kick, the scalar solver as fallback per lane); false: one at a time, the scalar reference
  /// path. Both give the same results to round-off.
  bool simd = true;
  /// Throws InvalidInput naming the first bad field (dt, corrector, a kernel or corrector with
  /// coordinates other than Jacobi).
  void validate() const;
};

class WisdomHolman {
 public:
  /// Throws InvalidInput for bad options or system, or for a combination not supported: test
  /// particles with a non-standard kernel, the modified kick with a non-Newtonian term.
  WisdomHolman(const PlanetarySystem& system, const WisdomHolmanOptions& options,
               std::shared_ptr<const InteractionKick> kick = newtonian_kick());

  /// Advances `steps` steps of dt. A breakdown (a Kepler drift that cannot be solved, bodies at
  /// zero distance, a non-finite state) is an outcome, not an exception, as for every integrator
  /// of noether (integrators/result.hpp): status kNonFinite, `steps` the steps completed and
  /// `message` naming the step, time, body and orbit; the state is then unspecified.
  /// InvalidInput for a negative count.
  [[nodiscard]] integrators::Result integrate(long steps);
  [[nodiscard]] integrators::Result step() { return integrate(1); }

  /// The inertial state at time(), synchronized on a copy (with the inverse corrector applied).
  /// Synchronizing drifts every orbit by a half step that integrate() has not taken yet, so it
  /// can break down after integrate() succeeded (an orbit the Kepler solver cannot follow over
  /// that half step): then it throws NumericalError naming the body or test particle.
  PlanetarySystem state() const;
  /// Time of the state: system time + steps * dt (a product, so no rounding accumulates).
  double time() const { return t0_ + static_cast<double>(steps_) * opt_.dt; }
  long steps_done() const { return steps_; }
  const WisdomHolmanOptions& options() const { return opt_; }
  std::size_t body_count() const { return n_; }
  std::size_t test_particle_count() const { return tx_.size(); }

 private:
  struct TapeOp {
    enum Kind : int { kDrift, kKick, kJump } kind;
    double h;
    std::size_t offset;  ///< kick: first of the n positions in tape_pos_
    Vec3 shift;          ///< jump: the displacement per unit time
  };

  void one_step();
  void synchronize_in_place();
  void drift(double h, bool move_com);
  void kick(double h, bool main_kick);
  void jump(double h);
  void apply_corrector(double inv);
  void corrector_z(double a, double b);
  void positions_to_inertial(const Vec3* x, Vec3* X) const;
  /// Jacobi accelerations of the interaction Hamiltonian at Jacobi positions x (a[0] = 0);
  /// leaves the inertial positions in X_.
  void jacobi_interaction(const Vec3* x, Vec3* a);
  void massive_accelerations(const Vec3* X, SkippedPairs skip, Vec3* A) const;
  void record_kick_positions();
  void flush_test_particles();
  void flush_test_particles_scalar();
  void flush_test_particles_lanes();
  PlanetarySystem to_inertial() const;

  PlanetarySystem meta_;  ///< name, names, G, description (bodies are not kept up to date)
  WisdomHolmanOptions opt_;
  std::shared_ptr<const InteractionKick> kick_;
  bool newtonian_ = true;
  double G_ = 1.0;
  std::size_t n_ = 0;
  std::vector<double> m_, eta_;
  std::vector<Vec3> x_, v_;    ///< massive bodies in the chosen coordinates (index 0: centre of mass)
  std::vector<Vec3> tx_, tv_;  ///< test particles (Jacobi: barycentric; else heliocentric r, barycentric v)
  std::vector<Vec3> X_, A_, a_, w1_, w2_, w3_;  ///< scratch
  double mu_tp_ = 0.0;
  /// The centre of mass moves uniformly: x_[0] stays at its initial value and the elapsed time
  /// of its drift is summed with compensation, so a long run accumulates no rounding bias.
  double com_tau_ = 0.0, com_tau_c_ = 0.0;
  bool synced_ = true;
  double t0_ = 0.0;
  long steps_ = 0;
  std::vector<TapeOp> tape_;
  std::vector<Vec3> tape_pos_;
};

}  // namespace noether::nbody
