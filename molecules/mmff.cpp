// molecules/mmff.cpp: the one translation unit that includes RDKit's MMFF helpers.
#include "molecules/mmff.hpp"

#include <GraphMol/GraphMol.h>  // before the helpers, which need the complete ROMol
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>

namespace noether::molecules {

void mmff_optimize(RDKit::ROMol& mol, int conf_id) {
  RDKit::MMFF::MMFFOptimizeMolecule(mol, 2000, "MMFF94", 100.0, conf_id);
}

}  // namespace noether::molecules
