// A library user's conformer from SMILES with noether::conform (no LibTorch; the shipped model,
// its path as the first argument, or found beside the program / in the installation).
#include <cmath>
#include <iostream>

#include <GraphMol/GraphMol.h>

#include "molecules/conform.hpp"
#include "noether/error.hpp"

namespace nm = noether::molecules;

int main(int argc, char** argv) try {
  nm::ConformOptions o;
  if (argc > 1) o.model = argv[1];
  o.num_confs = 2;
  const nm::Conformation c = nm::conform("CC(=O)Nc1ccc(O)cc1", o);  // paracetamol
  const Eigen::MatrixX3d& xyz = c.coordinates.at(0);
  // Every bond between heavy atoms should come out near its usual length (1.2-1.6 Å).
  double shortest = 1e9, longest = 0.0;
  for (const auto* b : c.mol->bonds()) {
    const auto i = b->getBeginAtomIdx(), j = b->getEndAtomIdx();
    if (c.mol->getAtomWithIdx(i)->getAtomicNum() == 1 || c.mol->getAtomWithIdx(j)->getAtomicNum() == 1) continue;
    const double d = (xyz.row(i) - xyz.row(j)).norm();
    shortest = std::min(shortest, d);
    longest = std::max(longest, d);
  }
  std::cout << "paracetamol: " << c.mol->getNumAtoms() << " atoms, " << c.coordinates.size()
            << " conformers, heavy-atom bonds " << shortest << " to " << longest << " A\n";
  return shortest > 1.0 && longest < 1.8 ? 0 : 1;
} catch (const noether::Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 2;
}
