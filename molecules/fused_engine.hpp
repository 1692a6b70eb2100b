// molecules/fused_engine.hpp: the conformation engine's inference path on plain arrays, without
// LibTorch: the encoder as Eigen products on weights read by name (the module's, or a weights
// file's: engine_weights.hpp), the seeded starts, and the damped leapfrog relaxation as loops.
// ConformerEngineImpl (engine.hpp) takes this path for inference (no autograd, CPU, float32) and
// its tensor formulas for training; the two agree to round-off (tested).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "molecules/engine_weights.hpp"
#include "molecules/molecule.hpp"

namespace noether::molecules {

/// `count` standard normal draws of `seed` into out, as LibTorch's CPU randn draws them for a
/// float32 tensor of 16 or more entries (up to round-off), without LibTorch: the samples' starts
/// (the shipped model was trained on that table for sample 0).
void seeded_normals(uint64_t seed, int64_t count, float* out);

namespace detail {

constexpr double kSpeedLimit = 2.0;    // Å per unit time
constexpr double kChiralMargin = 1.0;  // Å^3: a tetrahedral carbon's heavy neighbours span ~2.7
constexpr double kCisMargin = 0.5;     // Å^2: |(a - b).(d - c)| is ~1.1 (cis) to ~2.2 (trans)

// A batch's arrays (a MolBatch's, read in place): N atoms, E directed bonds, P pairs, G molecules.
struct BatchView {
  int64_t atoms = 0, bonds = 0, pairs = 0, molecules = 0, chirals = 0, double_bonds = 0;
  int64_t atom_features = 0, bond_features = 0;
  const float *nodes = nullptr, *edges = nullptr, *init = nullptr;  // [N, F], [E, Fe], [N, 3]
  const int64_t *senders = nullptr, *receivers = nullptr;          // [E]
  const int64_t *pi = nullptr, *pj = nullptr, *hops = nullptr;     // [P]
  const int64_t *local = nullptr, *node_graph = nullptr;           // [N]
  const int64_t *chiral = nullptr, *chiral_graph = nullptr;        // [C, 4], [C]
  const float* chiral_sign = nullptr;                              // [C]
  const int64_t* cis_trans = nullptr;                              // [D, 4]
  const float* cis_sign = nullptr;                                 // [D]
  const std::vector<std::array<int64_t, 2>>* rotatable = nullptr;
  const std::vector<std::vector<int64_t>>* moving = nullptr;
  const std::vector<uint64_t>* rotatable_key = nullptr;
};

struct FusedParameters {
  std::vector<float> mass, inv_mass, damping;          // [N]
  std::vector<float> rest, stiffness, contact, repulsion;  // [P]
  std::vector<float> q0, p0;                           // [N x 3]
};

/// The weights of a layer by module name ("edge_mlps.0.0.weight") and shape.
using WeightLookup = std::function<const float*(const std::string&, const std::vector<int64_t>&)>;

/// ConformerEngineImpl::encode: masses, frictions, pair terms and the shifted start.
FusedParameters encode_fused(const BatchView& b, const EngineOptions& o, const WeightLookup& get);

/// The seed of sample `sample`'s draws (its start's noise; its momenta's is the next one).
constexpr uint64_t sample_seed(int64_t sample) { return static_cast<uint64_t>(7919 + 104729 * sample); }

/// ConformerEngineImpl::perturb: the start (q, p) of sample `sample`, each [N x 3].
std::pair<std::vector<float>, std::vector<float>> perturb_fused(const BatchView& b, const FusedParameters& learned,
                                                                int64_t sample, const EngineOptions& o,
                                                                bool torsion_starts);

/// ConformerEngineImpl::relax from (q, p): the final positions [N x 3].
std::vector<float> relax_fused(const BatchView& b, const FusedParameters& in, std::vector<float> q, std::vector<float> p,
                               const EngineOptions& o);

/// The starts' standard normal draws for atoms with canonical indices local[0..n), three each,
/// into out [n x 3]: atom a's are entries 3 local[a] .. 3 local[a] + 2 of seeded_normals(seed),
/// so a molecule's draws are the same in any batch and any input order.
void normal_draws(uint64_t seed, const int64_t* local, int64_t n, float* out);

/// Turns each rotatable bond of the start q [N x 3] by 0, 120 or 240 degrees (drawn from the seed
/// and the bond's key), rotating the atoms of its moving side about the bond's axis, in place.
void turn_torsions(const std::vector<std::array<int64_t, 2>>& rotatable, const std::vector<std::vector<int64_t>>& moving,
                   const std::vector<uint64_t>& keys, float* q, uint64_t seed);
void turn_torsions(const std::vector<std::array<int64_t, 2>>& rotatable, const std::vector<std::vector<int64_t>>& moving,
                   const std::vector<uint64_t>& keys, double* q, uint64_t seed);

}  // namespace detail

/// Graphs batched as plain arrays (a MolBatch without tensors): the molecules' atoms, bonds, pairs
/// and stereo rows one after another, atom indices offset into the batch.
struct PlainBatch {
  int64_t molecules = 0, atoms = 0;
  FloatRows nodes, edges, init;                  ///< [N, kAtomFeatures], [E, kBondFeatures], [N, 3]
  std::vector<int64_t> senders, receivers;       ///< [E]
  std::vector<int64_t> local, node_graph;        ///< [N] canonical index within its graph, graph
  std::vector<int64_t> pi, pj, pair_graph, hops; ///< [P] every pair i < j inside a graph, bonds between
                                                 ///< (kMaxHops for none or more)
  IndexRows chiral, cis_trans;                   ///< [C, 4], [D, 4]
  std::vector<float> chiral_sign, cis_sign;      ///< [C], [D]
  std::vector<int64_t> chiral_graph, cis_graph;  ///< [C], [D]
  std::vector<std::array<int64_t, 2>> rotatable; ///< MolGraph::rotatable and ::moving, batch indices,
  std::vector<std::vector<int64_t>> moving;      ///< and a key per bond from its canonical atoms
  std::vector<uint64_t> rotatable_key;
  detail::BatchView view() const;
};

/// Batches graphs (see MolBatch); throws InvalidInput for an empty list.
PlainBatch make_plain_batch(const std::vector<const MolGraph*>& graphs);

/// The engine's inference path on its weights alone (no LibTorch): ConformerEngineImpl::forward
/// and forward_samples without autograd, to round-off.
class FusedEngine {
 public:
  explicit FusedEngine(EngineWeights weights);
  const EngineOptions& options() const { return weights_.options; }
  /// As ConformerEngineImpl's setters.
  void set_torsion_starts(bool on) { torsion_starts_ = on; }
  void set_temperature(double temperature);
  /// Final positions of each sample, [N x 3] row-major over the batch's atoms (Å), with the
  /// encoder run once for all samples.
  std::vector<std::vector<float>> forward_samples(const PlainBatch& b, const std::vector<int64_t>& samples) const;

 private:
  EngineWeights weights_;
  bool torsion_starts_ = false;
};

}  // namespace noether::molecules
