// fuzz/fuzz_smiles.cpp: the SMILES reader (molecules::parse_smiles, RDKit's SmilesToMol behind
// it) and the molecular graph built from what it accepts (molecules::featurize), which every
// SMILES a user gives `noether conform` or a data set's SMILES file goes through.
//
// Properties: parse_smiles returns a molecule with atoms or throws noether::InvalidInput (RDKit's
// null molecule and its exceptions become InvalidInput; anything else escaping fails); featurize
// either refuses with InvalidInput (an element without features) or returns a graph whose arrays
// have the documented shapes, whose indices stay inside the atoms, and whose embedding is finite.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <GraphMol/RWMol.h>
#include <RDGeneral/RDLog.h>

#include "fuzz/fuzz_check.hpp"
#include "molecules/molecule.hpp"
#include "noether/error.hpp"

namespace nm = noether::molecules;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  boost::logging::disable_logs("rdApp.*");  // RDKit explains every refused SMILES on stderr
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 200) return 0;  // long inputs only slow the search
  const std::string smiles(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol = nm::parse_smiles(smiles);
  } catch (const noether::InvalidInput&) {
    return 0;
  }
  NOETHER_FUZZ_CHECK(mol && mol->getNumAtoms() > 0, "an accepted SMILES without atoms");
  (void)nm::canonical_smiles(*mol);
  // featurize's shortest paths and embedding are cubic in the atoms: chains of 190 atoms ran at
  // 80 inputs a second, against about 1000 below this size.
  if (mol->getNumAtoms() > 64) return 0;

  nm::MolGraph g;
  try {
    g = nm::featurize(*mol, smiles);
  } catch (const noether::InvalidInput&) {
    return 0;
  }
  const int64_t n = g.atoms;
  NOETHER_FUZZ_CHECK(n > 0 && static_cast<std::size_t>(n) == g.heavy.size(), "atom count");
  NOETHER_FUZZ_CHECK(g.atom_features.rows() == n && g.atom_features.cols() == nm::kAtomFeatures, "atom features shape");
  const int64_t e = g.edge_index.cols();
  NOETHER_FUZZ_CHECK(g.edge_index.rows() == 2 && g.edge_features.rows() == e && g.edge_features.cols() == nm::kBondFeatures,
                     "edge shapes");
  if (e > 0)
    NOETHER_FUZZ_CHECK(g.edge_index.minCoeff() >= 0 && g.edge_index.maxCoeff() < n, "an edge outside the atoms");
  NOETHER_FUZZ_CHECK(g.topological.rows() == n && g.topological.cols() == n, "distance matrix shape");
  NOETHER_FUZZ_CHECK(g.embedding.rows() == n && g.embedding.cols() == 3 && g.embedding.allFinite(),
                     "embedding shape or a non-finite coordinate");
  NOETHER_FUZZ_CHECK(g.chiral.cols() == 4 && g.chiral.rows() == g.chiral_sign.size(), "chiral shapes");
  if (g.chiral.rows() > 0)
    NOETHER_FUZZ_CHECK(g.chiral.minCoeff() >= 0 && g.chiral.maxCoeff() < n, "a chiral centre outside the atoms");
  NOETHER_FUZZ_CHECK(g.cis_trans.cols() == 4 && g.cis_trans.rows() == g.cis_sign.size(), "cis/trans shapes");
  if (g.cis_trans.rows() > 0)
    NOETHER_FUZZ_CHECK(g.cis_trans.minCoeff() >= 0 && g.cis_trans.maxCoeff() < n,
                       "a double bond's atom outside the atoms");
  return 0;
}
