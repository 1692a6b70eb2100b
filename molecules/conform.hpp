// molecules/conform.hpp: SMILES in, 3-D conformers out, with the engine noether ships.
//
//   noether::molecules::Conformation c = noether::molecules::conform("CC(=O)Nc1ccc(O)cc1");
//   c.coordinates[0]           // Eigen [atoms, 3] Å, in c.mol's atom order (hydrogens included)
//   RDKit::RWMol& m = *c.mol;  // an RDKit molecule with one conformer per sample
//
//   Conformer engine(options);                  // load the model once, then many molecules
//   auto all = engine.conform_all(inputs);      // batched; failures recorded, order kept
//
// A library call reads no environment variable and changes no process-wide setting for longer
// than the call: the model comes from ConformOptions::model or the configured directories
// (shipped_model_path()), the worker threads from ConformOptions::threads.
//
// This part of noether::molecules needs no LibTorch (the library noether::conform): the engine
// runs on plain arrays (fused_engine.hpp) from the model's weights file (engine_weights.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "molecules/fused_engine.hpp"

namespace RDKit {
class ROMol;
class RWMol;
}

namespace noether::molecules {

/// What follows the engine's heavy-atom conformers.
enum class Refine {
  kNone,  ///< the engine's geometry as it is (hydrogens placed on it)
  kMmff,  ///< an MMFF94 relaxation with hydrogens (mmff.hpp)
};

/// The names of Refine, as the command line spells them: "none", "mmff" (in enum order).
const std::vector<std::string>& refine_names();
/// Refine by name (refine_names()); throws InvalidInput naming the bad name and listing the valid ones.
Refine parse_refine(const std::string& name);
/// The name of r, as parse_refine reads it.
const std::string& refine_name(Refine r);

/// The most conformers per molecule: each is one engine pass over its batch, and every molecule's
/// conformers are held in memory until the output is written.
constexpr int kMaxNumConfs = 10000;
/// The largest ConformOptions::seed.
constexpr int64_t kMaxSeed = 2147483647;
/// The largest molecule, in heavy atoms: the engine holds every atom pair, so its memory grows
/// with the square of this (about 0.4 GB for a 500-atom molecule, 6 GB for 2000). A larger
/// molecule fails (its Conformation's `error` names it and the limit); the rest go on.
constexpr int kMaxHeavyAtoms = 500;

struct ConformOptions {
  /// Model file (engine_file.hpp) with its weights file beside it, or the weights file itself
  /// (engine_weights.hpp); "" = shipped_model_path().
  std::string model;
  int num_confs = 1;           ///< conformers per molecule (1 to kMaxNumConfs): sample 0, then samples from turned torsions and random momenta
  Refine refine = Refine::kNone;
  bool add_hydrogens = true;   ///< add hydrogens and place them on the predicted heavy atoms
  /// Molecules per engine call. Small batches are faster: a batch's pair arrays stay in cache
  /// and each worker's memory stays small, and the last batches share out evenly over the
  /// workers (`noether conform` on 2100 drug-like molecules and on the test split: 16 and 24
  /// measured fastest, 128 18-41% slower; docs/benchmarks.md, issue 15).
  int64_t batch_size = 16;
  /// Worker threads of our own, each taking whole batches (0: omp_get_max_threads()). A single
  /// worker runs the engine's products with the caller's OpenMP thread count (omp_set_num_threads,
  /// or torch::set_num_threads, is the caller's to set); two or more with one each.
  int threads = 0;
  /// Seed of the samples after the first (their initial momenta and perturbations), as RDKit's
  /// randomSeed: the same seed gives the same ensemble. Sample 0, the engine's momentum-free
  /// prediction, is the same for every seed. >= 0.
  int64_t seed = 0;
  /// Drop a conformer whose heavy-atom RMSD (Kabsch-aligned, atom labels as given) to one already
  /// kept is below this, Å, as RDKit's pruneRmsThresh; 0: keep all. Conformers are kept in sample
  /// order, so a pruned ensemble may hold fewer than num_confs. With `refine`, pruned again after
  /// refinement (samples can relax into one minimum), so the threshold holds for the output.
  double prune_rms = 0.0;
  /// Order each molecule's conformers by MMFF94 energy, lowest first (after `refine`; ties keep
  /// sample order). Needs add_hydrogens.
  bool sort_by_energy = false;
  /// Samples after the first start from other torsions: each rotatable bond turned by 0, 120 or
  /// 240 degrees (ConformerEngineImpl::set_torsion_starts), as well as other momenta.
  bool torsion_starts = true;
  /// Samples after the first have each rotatable bond turned into a minimum of ETKDG's torsion
  /// potential for it (molecules/torsions.hpp), drawn by its weight, where that brings no clash.
  bool torsion_library = true;
  /// Scale of the random initial momenta of the samples after the first; < 0: the model's own.
  double temperature = -1.0;
  void validate() const;
};

struct Conformation {
  std::string name;
  std::string smiles;                          ///< as given
  std::unique_ptr<RDKit::RWMol> mol;           ///< null when failed
  std::vector<Eigen::MatrixX3d> coordinates;   ///< one [atoms, 3] per conformer
  std::string error;                           ///< why it failed (batch mode), else empty
  Conformation();
  ~Conformation();
  Conformation(Conformation&&) noexcept;
  Conformation& operator=(Conformation&&) noexcept;
};

/// What Conformer::add_conformers did to one molecule.
struct AddedConformers {
  std::vector<int> ids;  ///< the new conformers' ids, in sample (or energy) order
  std::string error;     ///< why it failed (the molecule is left as it was), else empty
};

/// The shipped model: the installed share/noether/conformer.pt, else the source tree's
/// models/conformer.pt (directories fixed at configure time). Throws InvalidInput when neither
/// exists. The command line's $NOETHER_CONFORMER_MODEL is read by the CLI, not here.
std::string shipped_model_path();

class Conformer {
 public:
  /// Reads the weights of options.model (or of the shipped model). Throws InvalidInput for a
  /// model without a weights file (saved before there was one: load it with
  /// load_inference_engine of engine_file.hpp, which needs LibTorch, and use the constructor below).
  explicit Conformer(ConformOptions options = {});
  /// Runs an engine already loaded (read_engine_weights, load_inference_engine, or
  /// ConformerEngineImpl::weights()); its sampling settings (torsion starts, temperature) are set
  /// on this conformer's copy from `options`.
  Conformer(ConformOptions options, FusedEngine engine);
  /// One molecule; throws InvalidInput for bad SMILES, unsupported elements or more than
  /// kMaxHeavyAtoms heavy atoms.
  Conformation conform(const std::string& smiles, const std::string& name = "") const;
  /// Many molecules {smiles, name}, batched; a failure fills `error` and the rest go on.
  std::vector<Conformation> conform_all(const std::vector<std::pair<std::string, std::string>>& inputs,
                                        bool progress = false) const;
  /// Many RDKit molecules, with or without explicit hydrogens, batched as conform_all. Each
  /// result's `mol` is a copy of its input holding only the new conformers, with the input's atoms
  /// in the input's order: the hydrogens it has are placed, none is added (RDKit's
  /// EmbedMultipleConfs does the same); `coordinates` follow that order. Stereo comes from the
  /// input's tags. A failure fills `error`, naming names[i] (when given and not empty) or the
  /// molecule's SMILES; the rest go on.
  std::vector<Conformation> conform_molecules(const std::vector<const RDKit::ROMol*>& molecules,
                                              const std::vector<std::string>& names = {},
                                              bool progress = false) const;
  /// conform_molecules in place, as RDKit's EmbedMultipleConfs: each molecule gets the new
  /// conformers (its old ones removed first when `clear`), nothing else of it changes, and no copy
  /// of it is made. A molecule may be given more than once: each time adds its own conformers, in
  /// order. A molecule that fails is left as it was.
  std::vector<AddedConformers> add_conformers(const std::vector<RDKit::ROMol*>& molecules,
                                              const std::vector<std::string>& names = {}, bool clear = true,
                                              bool progress = false) const;
  const ConformOptions& options() const { return options_; }
  /// The engine's inference path this conformer runs (a copy of the model's weights).
  const FusedEngine& engine() const { return engine_; }
  struct Prepared;

 private:
  /// The batched run behind conform_all and conform_molecules: prepare(i) gives input i's engine
  /// input (throwing for a bad one), finish(i, result) adjusts a placed result.
  template <class Prepare, class Finish>
  std::vector<Conformation> run_batches(std::size_t n, Prepare&& prepare, Finish&& finish, bool progress) const;
  void place(std::vector<Prepared>& prepared, std::size_t lo, const std::vector<std::size_t>& ok,
             std::vector<Conformation>& out) const;
  ConformOptions options_;
  FusedEngine engine_;
};

/// Convenience: one molecule with a freshly loaded model.
Conformation conform(const std::string& smiles, const ConformOptions& options = {});

}  // namespace noether::molecules
