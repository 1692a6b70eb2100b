// graph/particle_data.hpp: graph training data from physics::Particles (issue 5).
//
//   using namespace noether::graph;
//   ParticleDataOptions o; o.count = 3; o.systems = 32; o.samples = 20; o.dt = 0.1; o.seed = 1;
//   ParticleData d = generate_particle_data(o);       // q, p, dq/dt, dp/dt: [T, S, N, D]
//   ParticleSamples train = d.samples(0, 24);           // every time of systems 0..23: [B, N, D]
//   GraphBatch g = particle_batch(train, {/*masses=*/true, /*springs=*/true});
//
// Every system s gets its own random masses (uniform in [mass_min, mass_max]) and, for springs,
// its own symmetric random spring constants (uniform in [spring_min, spring_max]), all drawn
// from `seed`; its initial state comes from Particles::random_state. Trajectories are integrated
// with adaptive DOP853 (rtol = atol = tolerance) and sampled every dt; the targets are the exact
// time derivatives Particles::vector_field at the sampled states (no noise).
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "graph/graph.hpp"
#include "physics/systems/systems.hpp"

namespace noether::graph {

struct ParticleDataOptions {
  physics::Particles::Interaction interaction = physics::Particles::Interaction::kSpring;
  int count = 3;         ///< N particles per system
  int dim = 2;           ///< D: 2 or 3
  int systems = 16;      ///< S random systems (initial states, masses, spring constants)
  int samples = 20;      ///< T states per trajectory, at t = 0, dt, ..., (T - 1) dt
  double dt = 0.1;       ///< sampling interval (> 0)
  double mass_min = 0.5, mass_max = 2.0;
  bool random_springs = true;  ///< draw k_ij per system (springs only); else all 1
  double spring_min = 0.5, spring_max = 2.0;
  double rest_length = 1.0;
  double gravitational_constant = 1.0;
  double softening = 0.0;
  double damping = 0.0;      ///< linear drag of physics::Particles
  double tolerance = 1e-10;  ///< DOP853 rtol and atol
  uint64_t seed = 0;
  /// Throws InvalidInput naming the first bad field.
  void validate() const;
};
// The interaction is not a field of the record: it is the model file's "system".
NOETHER_JSON(ParticleDataOptions, count, dim, systems, samples, dt, mass_min, mass_max, random_springs, spring_min,
             spring_max, rest_length, gravitational_constant, softening, damping, tolerance, seed)

/// A set of B particle systems of N particles each, one state per system (float64, CPU).
struct ParticleSamples {
  torch::Tensor q, p;        ///< [B, N, D]
  torch::Tensor dqdt, dpdt;  ///< [B, N, D] exact time derivatives
  torch::Tensor masses;      ///< [B, N]
  torch::Tensor springs;     ///< [B, N, N] spring constants, or undefined (gravity)
  torch::Tensor q_next, p_next;  ///< [B, N, D] the state one sampling interval later (pairs() only)
  int64_t size() const { return q.size(0); }
  int64_t count() const { return q.size(1); }
  int64_t dim() const { return q.size(2); }
  /// The samples at rows `index` ([K] long).
  ParticleSamples select(const torch::Tensor& index) const;
  /// The samples moved to `options` (dtype and device).
  ParticleSamples to(const torch::TensorOptions& options) const;
};

/// Sampled trajectories of S random particle systems. All tensors float64 on the CPU.
struct ParticleData {
  torch::Tensor t;           ///< [T] sample times
  torch::Tensor q, p;        ///< [T, S, N, D]
  torch::Tensor dqdt, dpdt;  ///< [T, S, N, D] exact time derivatives (Particles::vector_field)
  torch::Tensor masses;      ///< [S, N]
  torch::Tensor springs;     ///< [S, N, N] (springs), undefined for gravity
  std::vector<physics::Particles::Options> systems;  ///< the S systems, to rebuild the truth

  int64_t num_times() const { return q.size(0); }
  int64_t num_systems() const { return q.size(1); }
  /// The S systems at time index k: B = S.
  ParticleSamples at(int64_t k) const;
  /// Every time of systems [s0, s1): B = T (s1 - s0), time-major.
  ParticleSamples samples(int64_t s0, int64_t s1) const;
  /// Like samples() over times 0 ... T - 2, with q_next, p_next the states at the next time:
  /// B = (T - 1) (s1 - s0), for one-step losses (DeltaGN). Needs T >= 2.
  ParticleSamples pairs(int64_t s0, int64_t s1) const;
};

/// Draws the systems and integrates their trajectories; see the file comment. Throws
/// InvalidInput for bad options and NumericalError when an integration fails.
ParticleData generate_particle_data(const ParticleDataOptions& options);

/// Which per-particle and per-pair quantities become graph features.
struct ParticleFeatures {
  bool masses = false;   ///< node features [N, 1] = masses (else [N, 0])
  bool springs = false;  ///< edge features [E, 1] = k_ij (needs ParticleSamples::springs)
};

/// The B systems of `samples` as one GraphBatch of B fully connected graphs (N nodes, N (N - 1)
/// directed edges each, graph b's nodes at rows b N ... b N + N - 1, globals [B, 0]). Tensors on
/// samples' device, features in its dtype. Flatten q, p as reshape({-1, D}) and masses as
/// reshape({-1}) to match.
GraphBatch particle_batch(const ParticleSamples& samples, const ParticleFeatures& features = {});

}  // namespace noether::graph
