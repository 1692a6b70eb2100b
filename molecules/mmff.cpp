// molecules/mmff.cpp: the one translation unit that includes RDKit's MMFF helpers.
#include "molecules/mmff.hpp"

#include <GraphMol/GraphMol.h>  // before the helpers, which need the complete ROMol
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>
#include <ForceField/ForceField.h>

#include <memory>

#include "noether/error.hpp"

namespace noether::molecules {

void mmff_optimize(RDKit::ROMol& mol, int conf_id) {
  RDKit::MMFF::MMFFOptimizeMolecule(mol, 2000, "MMFF94", 100.0, conf_id);
}

double mmff_energy(RDKit::ROMol& mol, int conf_id) {
  RDKit::MMFF::MMFFMolProperties props(mol, "MMFF94");
  if (!props.isValid()) throw InvalidInput("MMFF94 has no parameters for this molecule (energies need them)");
  std::unique_ptr<ForceFields::ForceField> ff(RDKit::MMFF::constructForceField(mol, &props, 100.0, conf_id));
  ff->initialize();
  return ff->calcEnergy();
}

bool has_mmff_parameters(const RDKit::ROMol& mol) {
  RDKit::ROMol copy(mol);  // MMFFMolProperties sets the atom types on the molecule it is given
  return RDKit::MMFF::MMFFMolProperties(copy, "MMFF94").isValid();
}

}  // namespace noether::molecules
