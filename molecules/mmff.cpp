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

void mmff_optimize_all(RDKit::ROMol& mol) {
  if (mol.getNumConformers() == 0) return;  // RDKit would build the force field from a missing conformer
  std::vector<std::pair<int, double>> converged_energy;
  RDKit::MMFF::MMFFOptimizeMoleculeConfs(mol, converged_energy, 1, 2000, "MMFF94", 100.0);
}

namespace {

// The energy of conformer conf_id under already typed parameters.
double energy_with(RDKit::ROMol& mol, RDKit::MMFF::MMFFMolProperties& props, int conf_id) {
  std::unique_ptr<ForceFields::ForceField> ff(RDKit::MMFF::constructForceField(mol, &props, 100.0, conf_id));
  ff->initialize();
  return ff->calcEnergy();
}

}  // namespace

double mmff_energy(RDKit::ROMol& mol, int conf_id) {
  RDKit::MMFF::MMFFMolProperties props(mol, "MMFF94");
  if (!props.isValid()) throw InvalidInput("MMFF94 has no parameters for this molecule (energies need them)");
  return energy_with(mol, props, conf_id);
}

std::vector<double> mmff_energies(RDKit::ROMol& mol) {
  RDKit::MMFF::MMFFMolProperties props(mol, "MMFF94");
  std::vector<double> energies;
  if (!props.isValid()) return energies;
  for (auto c = mol.beginConformers(); c != mol.endConformers(); ++c)
    energies.push_back(energy_with(mol, props, static_cast<int>((*c)->getId())));
  return energies;
}

}  // namespace noether::molecules
