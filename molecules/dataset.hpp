// molecules/dataset.hpp: the conformation data set noether builds itself.
//
//   DatasetOptions o;                                  // rdkit-data + Open Babel defaults
//   ConformerDataset d = load_or_build_dataset(o, /*progress=*/true);
//   d.train[0].target                                 // [N, 3] Å, canonical heavy-atom order
//
// Sources: SMILES lists shipped with Debian's rdkit-data (NCI first 5000, ChEMBL actives, CDK2
// ligands), target geometries from RDKit ETKDGv3 + MMFF94 (fixed seed), and the 3-D rigid
// fragments shipped with Open Babel (their own coordinates). De-duplicated by canonical SMILES,
// split by Bemis-Murcko scaffold into train / validation / test, cached as SDF files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "molecules/molecule.hpp"
#include "noether/json_codec.hpp"

namespace noether::molecules {

struct DatasetOptions {
  std::vector<std::string> smiles_files;  ///< default: rdkit-data's lists (see default_sources())
  std::string fragments_file;             ///< Open Babel's rigid-fragments.txt ("" = default, "none" = skip)
  std::string cache_dir = "conformer-data";
  int min_heavy_atoms = 3;
  int max_heavy_atoms = 32;
  int64_t limit = 0;            ///< at most this many molecules (0: all)
  double valid_fraction = 0.1;
  double test_fraction = 0.1;
  unsigned seed = 42;           ///< ETKDG seed and split shuffle
  int threads = 0;              ///< OpenMP threads for the embedding (0: default)
  void validate() const;
};
// What decides a data set's content (recorded in the cache folder's options.json; the folder
// and the thread count do not change it).
NOETHER_JSON(DatasetOptions, smiles_files, fragments_file, min_heavy_atoms, max_heavy_atoms, limit, valid_fraction,
             test_fraction, seed)

/// Existing default SMILES lists of this machine's rdkit-data.
std::vector<std::string> default_sources();

struct ConformerRecord {
  std::string name;
  std::string smiles;      ///< canonical
  std::string source;      ///< "etkdg-mmff" or "openbabel-fragment"
  std::shared_ptr<RDKit::ROMol> mol;  ///< heavy atoms, with the target conformer
  MolGraph graph;
  Eigen::MatrixX3d target; ///< [N, 3] Å in graph order
  /// The molecule's symmetries (graph automorphisms that keep the SMILES' stereo, the identity
  /// first, at most kMaxSymmetries) as [M, N] int64: row k relabels the target as
  /// target[symmetries[k][i]] for atom i, an equally valid answer (a phenyl ring turned over, a
  /// carboxylate's oxygens swapped), which the training loss may use instead.
  torch::Tensor symmetries;
  /// Reference ensemble (attach_reference_ensembles): other low-energy conformers of the
  /// molecule, [N, 3] each in graph order; empty until attached, and for rigid fragments.
  std::vector<Eigen::MatrixX3d> ensemble;
};

constexpr int kMaxSymmetries = 64;

struct ConformerDataset {
  std::vector<ConformerRecord> train, valid, test;
  int64_t failures = 0;  ///< molecules dropped: unparsable, out of range, or not embeddable
};

/// Loads the cache in options.cache_dir, or builds it (and writes it atomically) when absent.
ConformerDataset load_or_build_dataset(const DatasetOptions& options, bool progress);

/// The symmetries of a heavy-atom molecule in g's canonical order (ConformerRecord::symmetries).
torch::Tensor symmetries(const RDKit::ROMol& heavy, const MolGraph& g);

/// A record from a heavy-atom molecule whose default conformer is the target.
ConformerRecord make_record(std::unique_ptr<RDKit::RWMol> heavy, std::string name, std::string source);

/// Reads one split file of the cache (SDF with noether_* properties).
std::vector<ConformerRecord> read_split(const std::string& path);

/// Gives each ETKDG+MMFF record of `records` a reference ensemble of `count` ETKDGv3 + MMFF94
/// conformers (seed `seed`), what the engine's later samples are trained towards; Open Babel
/// fragments (rigid) get none. Read from `cache` (a text file keyed by canonical SMILES) when it
/// holds them all, else built on `threads` threads and written there atomically.
void attach_reference_ensembles(std::vector<ConformerRecord>& records, int count, unsigned seed,
                                const std::string& cache, int threads, bool progress);

/// RDKit ETKDGv3 conformers of a molecule with explicit hydrogens: ids of the conformers made
/// (empty when embedding failed). With mmff, each is then optimised with MMFF94 (mmff.hpp).
std::vector<int> embed_etkdg(RDKit::ROMol& mol_with_hs, int count, unsigned seed, bool mmff);

}  // namespace noether::molecules
