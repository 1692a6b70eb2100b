// molecules/molecule.hpp: SMILES in through RDKit, and the molecular graph the engine reads.
//
//   auto mol = noether::molecules::parse_smiles("CC(=O)Nc1ccc(O)cc1");   // sanitised RWMol
//   auto g = noether::molecules::featurize(*mol);                          // heavy atoms only
//   g.atom_features   // [N, kAtomFeatures] floats, canonical atom order
//
// Every failure (RDKit's null molecule on a syntax error, its sanitisation exception, an empty
// string, an element the engine has no features for) is one noether::InvalidInput that names the
// SMILES and the reason.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace RDKit {
class ROMol;
class RWMol;
}  // namespace RDKit

namespace noether::molecules {

/// Elements with features of their own; anything else is refused (see featurize()).
extern const std::vector<int> kElements;
constexpr int64_t kAtomFeatures = 44;  ///< see featurize()
constexpr int64_t kBondFeatures = 10;

/// Parses and sanitises a SMILES. Throws InvalidInput("invalid SMILES '...': reason").
std::unique_ptr<RDKit::RWMol> parse_smiles(const std::string& smiles);

/// RDKit's canonical SMILES (isomeric), used to de-duplicate data sets.
std::string canonical_smiles(const RDKit::ROMol& mol);

/// The Bemis-Murcko scaffold as canonical SMILES ("" for acyclic molecules).
std::string murcko_scaffold(const RDKit::ROMol& mol);

/// Row-major arrays: the graph's tables, laid out as the engine's tensors are (make_batch copies
/// them into tensors; the inference path reads them as they are).
using FloatRows = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using IndexRows = Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The heavy-atom graph of a molecule in canonical atom order, so that everything computed from
/// it is independent of the order in which the input listed the atoms. Plain arrays: building it
/// needs RDKit and Eigen, not LibTorch.
struct MolGraph {
  int64_t atoms = 0;               ///< heavy atoms N
  FloatRows atom_features;         ///< [N, kAtomFeatures]
  IndexRows edge_index;            ///< [2, E], each bond in both directions (senders, receivers)
  FloatRows edge_features;         ///< [E, kBondFeatures]
  Eigen::MatrixXd topological;     ///< [N, N] bonds on the shortest path (large if disconnected)
  FloatRows embedding;             ///< [N, 3] Å: classical MDS of `topological` at 1.3 Å a bond,
                                   ///< the engine's starting geometry (computed once here)
  std::vector<unsigned> heavy;     ///< heavy[i]: index in the input molecule of canonical atom i
  /// Specified tetrahedral centres with three or more heavy neighbours: rows {centre, a, b, c}
  /// (canonical indices), and `chiral_sign` [C] = the sign the chiral volume
  /// (a - centre) . ((b - centre) x (c - centre)) must have (RDKit's CCW: +1, CW: -1, converted to
  /// these three heavy neighbours). [C, 4].
  IndexRows chiral;
  Eigen::VectorXf chiral_sign;
  /// Double bonds with specified E/Z (or cis/trans): rows {a, b, c, d} with b=c the double bond
  /// and a, d RDKit's stereo atoms on b and c; `cis_sign` [D] = +1 where a and d are cis, -1
  /// trans, the sign of (a - b) . (d - c). [D, 4].
  IndexRows cis_trans;
  Eigen::VectorXf cis_sign;
  /// Rotatable bonds, the axes of the samples' torsion-space starts: single, outside rings,
  /// between two atoms that each have another heavy neighbour, not an amide C-N and not next to a
  /// triple bond. Rows {i, j} (canonical indices); moving[r] the atoms on j's side of bond r (j
  /// included; the smaller side).
  std::vector<std::array<int64_t, 2>> rotatable;
  std::vector<std::vector<int64_t>> moving;
};

/// Signed chiral volumes [C] of g.chiral at positions x [N, 3] and the cis/trans products [D] of
/// g.cis_trans; the stereo of the SMILES holds where sign * value > 0 for every entry.
std::pair<Eigen::VectorXd, Eigen::VectorXd> stereo_values(const MolGraph& g, const Eigen::MatrixX3d& x);

/// How many entries of stereo_values have the wrong sign (0: x is the SMILES' stereoisomer).
int stereo_violations(const MolGraph& g, const Eigen::MatrixX3d& x);

/// Features as in HamNet. Atom: element one-hot (13 + other), degree 0-5, formal charge
/// -1/0/+1/other, radical electrons 0/1/2+, hybridisation SP/SP2/SP3/SP3D/SP3D2/other, aromatic,
/// chirality none/CW/CCW/other, attached hydrogens 0-4, in ring. Bond: single/double/triple/
/// aromatic, conjugated, in ring, stereo none/Z-cis/E-trans/any.
/// Throws InvalidInput for an element outside kElements or a molecule without heavy atoms.
MolGraph featurize(const RDKit::ROMol& mol, const std::string& name_for_errors = "");

/// Heavy-atom coordinates of conformer conf_id, in the graph's canonical order: [N, 3] Å.
Eigen::MatrixX3d heavy_coordinates(const RDKit::ROMol& mol, const MolGraph& g, int conf_id = -1);

}  // namespace noether::molecules
