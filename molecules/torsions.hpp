// molecules/torsions.hpp: the torsion preferences ETKDG uses (RDKit's library of torsion
// potentials fitted to crystal structures, E(phi) = sum_m V_m (1 + s_m cos(m phi))) for the
// rotatable bonds of a MolGraph, and conformers set into their minima.
//
//   const auto prefs = torsion_preferences(heavy_mol, graph);   // once per molecule
//   set_preferred_torsions(x, graph, prefs, seed);               // x [N, 3], canonical order
//
// The engine learns one rest distance per atom pair, so every sample of a molecule relaxes towards
// the same torsions whatever its start (an aryl sulfonamide's C-S-N-C ends anti in all of them,
// where crystal structures and MMFF94 put it near +-70 to +-110 degrees). Turning each rotatable
// bond a relaxed sample left in an unlikely torsion into a minimum of the library's potential,
// drawn at random by its Boltzmann weight, gives those torsions the values ETKDG would draw and
// keeps the engine's bond lengths and angles: a turn is a rigid rotation of the bond's moving side.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "molecules/molecule.hpp"

namespace RDKit {
class ROMol;
}

namespace noether::molecules {

/// One rotatable bond's preference: the library's potential for the torsion a-b-c-d, b-c the bond.
struct TorsionPreference {
  std::size_t bond = 0;              ///< index into MolGraph::rotatable (and ::moving)
  std::array<int64_t, 4> atoms{};    ///< a, b, c, d, canonical indices
  std::vector<double> minima;        ///< radians in (-pi, pi]: the potential's local minima
  std::vector<double> weights;       ///< exp(-(E - E_lowest)) of each minimum (> 0)
  std::vector<double> v;             ///< the library's V_1..V_6
  std::vector<int> signs;            ///< and s_1..s_6
  double lowest = 0.0;               ///< E at the lowest minimum
  double energy(double phi) const;   ///< E(phi)
};

/// The library's preferences (ETKDGv3's: experimental torsions, version 2, with the basic
/// knowledge terms) for the rotatable bonds of g; `heavy` is the molecule g was featurised from
/// (g.heavy indexes it). Bonds the library has no potential for are left out.
std::vector<TorsionPreference> torsion_preferences(const RDKit::ROMol& heavy, const MolGraph& g);

/// The dihedral angle a-b-c-d of x, radians in (-pi, pi] (IUPAC sign).
double dihedral(const Eigen::MatrixX3d& x, const std::array<int64_t, 4>& t);

/// Rotates the moving side of t's bond so that its dihedral becomes `target` (radians).
void set_dihedral(Eigen::MatrixX3d& x, const MolGraph& g, const TorsionPreference& t, double target);

/// Sets each of `prefs` whose torsion in x is an unlikely one (more than 2 above the potential's
/// lowest, in the library's units of kT) to one of its minima, drawn by weight from `seed` and the
/// bond's atoms (so a molecule's result does not depend on its batch), trying the others by weight
/// where the draw would bring more atoms four or more bonds apart within kClashDistance than
/// before, and leaving the torsion as it was where every minimum would. Returns how many were set.
int set_preferred_torsions(Eigen::MatrixX3d& x, const MolGraph& g, const std::vector<TorsionPreference>& prefs,
                           uint64_t seed);

/// Å: heavy atoms four or more bonds apart nearer than this clash.
inline constexpr double kClashDistance = 2.5;

}  // namespace noether::molecules
