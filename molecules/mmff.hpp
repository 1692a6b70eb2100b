// molecules/mmff.hpp: MMFF94 relaxation of one conformer (RDKit's force field), shared by
// conform's refinement and the data set's targets.
//
//   RDKit::MolOps::addHs(*mol, false, /*addCoords=*/true);
//   mmff_optimize(*mol, conf_id);     // in place, up to 2000 iterations
//   mmff_optimize_all(*mol);          // every conformer, typed once
#pragma once

#include <vector>

namespace RDKit {
class ROMol;
}

namespace noether::molecules {

/// Relaxes conformer conf_id of a molecule with explicit hydrogens with MMFF94 (up to 2000
/// iterations, in place). RDKit's force-field helper header defines functions outside any inline
/// scope, so only mmff.cpp may include it.
void mmff_optimize(RDKit::ROMol& mol_with_hs, int conf_id);

/// mmff_optimize for every conformer of the molecule, with the atoms typed and the force field
/// built once (RDKit's MMFFOptimizeMoleculeConfs): the same minima as one conformer at a time,
/// without typing the molecule again for each. A molecule MMFF94 has no parameters for, or one
/// without conformers, is left as it is.
void mmff_optimize_all(RDKit::ROMol& mol_with_hs);

/// MMFF94 energy (kcal/mol) of conformer conf_id of a molecule with explicit hydrogens, as it
/// stands. Throws InvalidInput when MMFF94 has no parameters for the molecule.
double mmff_energy(RDKit::ROMol& mol_with_hs, int conf_id);

/// MMFF94 energies (kcal/mol) of every conformer of a molecule with explicit hydrogens, in
/// conformer order, with one set of force-field parameters; empty when MMFF94 has no parameters
/// for the molecule.
std::vector<double> mmff_energies(RDKit::ROMol& mol_with_hs);

}  // namespace noether::molecules
