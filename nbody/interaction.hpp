// nbody/interaction.hpp: the interaction kick of the Wisdom-Holman splitting as a pluggable term.
//
//   auto kick = noether::nbody::newtonian_kick();          // the default
//   noether::nbody::WisdomHolman wh(system, options, kick);
//
// A term returns inertial-frame accelerations from positions only. The integrator removes the
// part that its Kepler drift already holds by asking the term to leave out some pairs
// (SkippedPairs) and adding the Jacobi corrections itself, so a new term (a learned residual,
// say) only implements the two methods below; positions may come in any translated frame, so a
// term must be translation invariant. The Newtonian term is recognised by is_newtonian() and then
// inlined by the integrator.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "nbody/vec3.hpp"

namespace noether::nbody {

/// Pairs of massive bodies left out of the sum because the Kepler drift already holds them.
enum class SkippedPairs {
  none,        ///< every pair
  first_pair,  ///< the pair (0, 1): Jacobi coordinates
  central,     ///< every pair involving body 0: (democratic) heliocentric coordinates
};

class InteractionKick {
 public:
  virtual ~InteractionKick() = default;
  virtual std::string name() const = 0;
  /// Overwrites acc[0..n) with the accelerations (length/time^2) of the n massive bodies with
  /// masses m (mass) at positions x (length), gravitational constant G, leaving out `skip`.
  virtual void massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                                     SkippedPairs skip, Vec3* acc) const = 0;
  /// Acceleration of a massless particle at `at` from the n massive bodies at x (same frame);
  /// skip_central leaves out body 0.
  virtual Vec3 test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                          const Vec3& at, bool skip_central) const = 0;
  /// True only for the plain Newtonian term (lets the integrator use inlined loops and the
  /// modified-kick kernel, which needs the derivative of the acceleration).
  virtual bool is_newtonian() const { return false; }
};

/// Pairwise Newtonian gravity.
class NewtonianKick final : public InteractionKick {
 public:
  std::string name() const override { return "newtonian"; }
  void massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                             SkippedPairs skip, Vec3* acc) const override;
  Vec3 test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                  const Vec3& at, bool skip_central) const override;
  bool is_newtonian() const override { return true; }
};

/// The shared Newtonian term.
std::shared_ptr<const InteractionKick> newtonian_kick();

}  // namespace noether::nbody
