// nbody/learned_interaction.hpp: a learned interaction Hamiltonian H_theta(q) of positions only,
// evaluated on plain doubles inside the Wisdom-Holman kick (no torch here; training and
// checkpoints live in nbody/neural_interaction.hpp).
//
//   noether::nbody::PairMlp mlp = ...;                       // weights copied from a trained model
//   auto kick = std::make_shared<noether::nbody::LearnedInteraction>(ResidualMode::residual, mlp);
//   noether::nbody::WisdomHolman wh(system, options, kick);   // Newtonian kick + learned correction
//
// The learned term is a sum over pairs of bodies,
//   H_theta = sum_{i<j} energy_scale * G m_i m_j / L * f(L / r_ij, (m_i + m_j) / M),
// with f a tanh MLP, L a length scale and M the total mass. Pairwise distances make it invariant
// under translations and rotations, and the symmetric pair features under any permutation of
// bodies of equal mass. Because H_theta depends on positions only, the kick
//   p_i -= dt dH_theta/dq_i
// is the exact flow of H_theta: the Wisdom-Holman map stays symplectic and conserves a modified
// total energy (kinetic + Newtonian + learned) with no secular drift.
// Modes:
//  - residual: Newtonian kick plus the learned correction over every pair (the pair the Kepler
//    drift holds included: its Kepler flow is Newtonian only);
//  - replacement: the learned pair sum stands in for the Newtonian pairs that the kick sums (all
//    but the ones the Kepler drift holds); the Kepler part removed from the kick stays analytic.
//    Training (nbody/neural_interaction.hpp) fits it for Jacobi coordinates, whose drift holds
//    the pair (0, 1); `noether simulate` refuses a replacement model in other coordinates.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nbody/coordinates.hpp"
#include "nbody/interaction.hpp"
#include "nbody/system.hpp"
#include "nbody/vec3.hpp"
#include "physics/models/eigen_mlp.hpp"

namespace noether::nbody {

enum class ResidualMode { residual, replacement };
/// "residual", "replacement".
std::string to_string(ResidualMode m);
/// Parses the names above; throws InvalidInput listing them.
ResidualMode residual_mode_from_string(const std::string& name);

/// A small tanh MLP f: R^k -> R on doubles with its analytic gradient (physics/models/eigen_mlp.hpp),
/// k = 2 inputs (inverse scaled distance, mass feature) or 3 (plus the scaled squared relative
/// speed: the momentum-dependent form of the NIH paper, kept for comparison only).
struct PairMlp {
  int inputs = 2;
  int hidden = 0;
  int layers = 0;  ///< hidden layers
  /// weights[l]: row-major [out x in]; biases[l] per hidden layer (the output layer has none).
  std::vector<std::vector<double>> weights, biases;
  double length_scale = 1.0;    ///< L (length)
  double energy_scale = 1.0;    ///< dimensionless factor in front of G m_i m_j / L
  double velocity_scale = 1.0;  ///< (length/time) for the third input |v_i - v_j|^2 / scale^2

  /// Throws InvalidInput naming the first inconsistent field (shapes, scales).
  void validate() const;
  /// validate(), then build the network evaluate() and evaluate_batch() run (they build a
  /// temporary one each call without it).
  void prepare();
  /// The network of these weights.
  physics::EigenMlp<double> network() const;
  /// f(in) (in: `inputs` values); if grad is given, writes df/din[0..inputs). One sample, the
  /// reference for evaluate_batch.
  double evaluate(const double* in, double* grad = nullptr) const;
  /// P samples at once (in: column-major [inputs x P], i.e. sample after sample): f[0..P) and,
  /// if df0 is given, df/din[0] per sample. The same values as evaluate() to round-off.
  void evaluate_batch(const double* in, int P, double* f, double* df0 = nullptr) const;

 private:
  PairMlp network_copy() const;  ///< a prepared copy (for calls on an unprepared one)
  physics::EigenMlp<double> net_;
  bool prepared_ = false;
};

/// Adds the accelerations (length/time^2) of H_theta over the selected pairs to acc[0..n)
/// (positions X, velocities V needed only when mlp.inputs == 3). `skip` selects the pairs as in
/// InteractionKick.
void add_learned_accelerations(const PairMlp& mlp, double G, const double* m, const Vec3* X,
                               const Vec3* V, std::size_t n, SkippedPairs skip, Vec3* acc);
/// H_theta over the selected pairs (mass length^2/time^2).
double learned_energy(const PairMlp& mlp, double G, const double* m, const Vec3* X, const Vec3* V,
                      std::size_t n, SkippedPairs skip);

/// Newtonian gravity plus / replaced by a learned pair potential (see the file comment).
class LearnedInteraction final : public InteractionKick {
 public:
  /// Throws InvalidInput for an invalid mlp or one with velocity inputs (a positions-only kick).
  LearnedInteraction(ResidualMode mode, PairMlp mlp);
  std::string name() const override { return "learned-" + to_string(mode_); }
  void massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                             SkippedPairs skip, Vec3* acc) const override;
  Vec3 test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                  const Vec3& at, bool skip_central) const override;
  /// Potential energy of the model (mass length^2/time^2): residual: Newtonian over all pairs +
  /// H_theta over all pairs; replacement: Newtonian over the pairs `skip` names + H_theta over
  /// the rest (use the SkippedPairs of the coordinates: first_pair for Jacobi).
  double potential(double G, const double* m, const Vec3* X, std::size_t n, SkippedPairs skip) const;
  /// Kinetic + potential() of the massive bodies of s: the energy the integrator conserves.
  double total_energy(const PlanetarySystem& s, SkippedPairs skip = SkippedPairs::first_pair) const;
  ResidualMode mode() const { return mode_; }
  const PairMlp& mlp() const { return mlp_; }

 private:
  ResidualMode mode_;
  PairMlp mlp_;
};

/// The SkippedPairs of a coordinate choice: first_pair for Jacobi, central otherwise.
SkippedPairs skipped_pairs_of(Coordinates c);

/// Newtonian gravity plus the Nobili-Roxburgh potential that mimics the general-relativistic
/// pericentre precession around body 0: U = -3 (G m_0)^2 m_i / (c^2 r_0i^2) for every other body
/// and test particle. Position-dependent physics the Newtonian model lacks (the truth of the
/// worked case, bench/residual_case.sh).
class GrPotentialKick final : public InteractionKick {
 public:
  /// c: speed of light in the system's units (173.144632674 AU/day); throws InvalidInput if <= 0.
  explicit GrPotentialKick(double c);
  std::string name() const override { return "newtonian+gr-potential"; }
  void massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                             SkippedPairs skip, Vec3* acc) const override;
  Vec3 test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                  const Vec3& at, bool skip_central) const override;
  /// Newtonian potential over all pairs + U (mass length^2/time^2).
  double potential(double G, const double* m, const Vec3* X, std::size_t n) const;
  double speed_of_light() const { return c_; }

 private:
  double c_;
};

/// Speed of light in AU/day.
inline constexpr double kSpeedOfLightAuPerDay = 173.1446326742403;

}  // namespace noether::nbody
