// fuzz/fuzz_smiles.cpp: the SMILES reader (molecules::parse_smiles, RDKit's SmilesToMol behind
// it) and the molecular graph built from what it accepts (molecules::featurize), which every
// SMILES a user gives `noether conform` or a data set's SMILES file goes through.
//
// Properties: parse_smiles returns a molecule with atoms or throws noether::InvalidInput (RDKit's
// null molecule and its exceptions become InvalidInput; anything else escaping fails); featurize
// either refuses with InvalidInput (an element without features) or returns a graph whose tensors
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
  torch::set_num_threads(1);
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
  NOETHER_FUZZ_CHECK(g.atom_features.sizes() == torch::IntArrayRef({n, nm::kAtomFeatures}), "atom features shape");
  const int64_t e = g.edge_index.size(1);
  NOETHER_FUZZ_CHECK(g.edge_index.size(0) == 2 && g.edge_features.sizes() == torch::IntArrayRef({e, nm::kBondFeatures}),
                     "edge shapes");
  if (e > 0)
    NOETHER_FUZZ_CHECK(g.edge_index.min().item<int64_t>() >= 0 && g.edge_index.max().item<int64_t>() < n,
                       "an edge outside the atoms");
  NOETHER_FUZZ_CHECK(g.topological.rows() == n && g.topological.cols() == n, "distance matrix shape");
  NOETHER_FUZZ_CHECK(g.embedding.sizes() == torch::IntArrayRef({n, 3}) && torch::isfinite(g.embedding).all().item<bool>(),
                     "embedding shape or a non-finite coordinate");
  NOETHER_FUZZ_CHECK(g.chiral.size(1) == 4 && g.chiral.size(0) == g.chiral_sign.size(0), "chiral shapes");
  if (g.chiral.size(0) > 0)
    NOETHER_FUZZ_CHECK(g.chiral.min().item<int64_t>() >= 0 && g.chiral.max().item<int64_t>() < n,
                       "a chiral centre outside the atoms");
  NOETHER_FUZZ_CHECK(g.cis_trans.size(1) == 4 && g.cis_trans.size(0) == g.cis_sign.size(0), "cis/trans shapes");
  if (g.cis_trans.size(0) > 0)
    NOETHER_FUZZ_CHECK(g.cis_trans.min().item<int64_t>() >= 0 && g.cis_trans.max().item<int64_t>() < n,
                       "a double bond's atom outside the atoms");
  return 0;
}
