// molecules/molecule.cpp: RDKit parsing, canonical order and HamNet-style features.
#include "molecules/molecule.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/new_canon.h>

#include "noether/error.hpp"

namespace noether::molecules {

const std::vector<int> kElements = {1, 5, 6, 7, 8, 9, 14, 15, 16, 17, 34, 35, 53};

namespace {

std::string describe(const std::string& smiles) { return "'" + smiles + "'"; }

int index_in(int value, const std::vector<int>& values) {
  const auto it = std::find(values.begin(), values.end(), value);
  return it == values.end() ? static_cast<int>(values.size()) : static_cast<int>(it - values.begin());
}

void atom_features(const RDKit::Atom& a, float* f) {
  int o = 0;
  f[o + index_in(a.getAtomicNum(), kElements)] = 1;  // 13 + other
  o += 14;
  f[o + std::min<int>(a.getDegree(), 5)] = 1;
  o += 6;
  f[o + index_in(a.getFormalCharge(), {-1, 0, 1})] = 1;
  o += 4;
  f[o + std::min<int>(a.getNumRadicalElectrons(), 2)] = 1;
  o += 3;
  using H = RDKit::Atom::HybridizationType;
  f[o + index_in(static_cast<int>(a.getHybridization()),
                 {H::SP, H::SP2, H::SP3, H::SP3D, H::SP3D2})] = 1;
  o += 6;
  f[o++] = a.getIsAromatic() ? 1.0f : 0.0f;
  using C = RDKit::Atom::ChiralType;
  f[o + index_in(static_cast<int>(a.getChiralTag()),
                 {C::CHI_UNSPECIFIED, C::CHI_TETRAHEDRAL_CW, C::CHI_TETRAHEDRAL_CCW})] = 1;
  o += 4;
  f[o + std::min<int>(a.getTotalNumHs(/*includeNeighbors=*/true), 4)] = 1;
  o += 5;
  f[o++] = a.getOwningMol().getRingInfo()->numAtomRings(a.getIdx()) > 0 ? 1.0f : 0.0f;
  NOETHER_CHECK(o == kAtomFeatures, "atom feature layout");
}

void bond_features(const RDKit::Bond& b, float* f) {
  using T = RDKit::Bond::BondType;
  int o = 0;
  const int type = index_in(static_cast<int>(b.getBondType()), {T::SINGLE, T::DOUBLE, T::TRIPLE});
  if (b.getIsAromatic() || b.getBondType() == T::AROMATIC)
    f[o + 3] = 1;
  else if (type < 3)
    f[o + type] = 1;
  o += 4;
  f[o++] = b.getIsConjugated() ? 1.0f : 0.0f;
  f[o++] = b.getOwningMol().getRingInfo()->numBondRings(b.getIdx()) > 0 ? 1.0f : 0.0f;
  using S = RDKit::Bond::BondStereo;
  switch (b.getStereo()) {
    case S::STEREONONE: f[o] = 1; break;
    case S::STEREOZ:
    case S::STEREOCIS: f[o + 1] = 1; break;
    case S::STEREOE:
    case S::STEREOTRANS: f[o + 2] = 1; break;
    default: f[o + 3] = 1; break;
  }
  o += 4;
  NOETHER_CHECK(o == kBondFeatures, "bond feature layout");
}

constexpr double kBondLength = 1.3;  // Å

// Classical MDS of the bond-count distances (kBondLength a bond; disconnected pieces two bonds
// beyond the longest path): [N, 3], centred.
FloatRows mds_embedding(const Eigen::MatrixXd& topological) {
  const Eigen::Index n = topological.rows();
  if (n == 1) return FloatRows::Zero(1, 3);
  double far = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (topological(i, j) < 1e3) far = std::max(far, topological(i, j));
  Eigen::MatrixXd d2(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      const double hops = topological(i, j) < 1e3 ? topological(i, j) : far + 2;
      d2(i, j) = std::pow(kBondLength * hops, 2);
    }
  const Eigen::MatrixXd centre = Eigen::MatrixXd::Identity(n, n) - Eigen::MatrixXd::Constant(n, n, 1.0 / n);
  const Eigen::MatrixXd b = -0.5 * centre * d2 * centre;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(b);
  FloatRows out = FloatRows::Zero(n, 3);
  for (int k = 0; k < 3 && k < n; ++k) {
    const Eigen::Index col = n - 1 - k;  // eigenvalues ascend
    const double lambda = std::max(eig.eigenvalues()(col), 0.0);
    Eigen::VectorXd v = eig.eigenvectors().col(col);
    // Fix the sign so that the embedding does not depend on the solver's choice.
    Eigen::Index big = 0;
    v.cwiseAbs().maxCoeff(&big);
    if (v(big) < 0) v = -v;
    for (Eigen::Index i = 0; i < n; ++i) out(i, k) = static_cast<float>(v(i) * std::sqrt(lambda));
  }
  return out;
}

// The SMILES' stereo as signs of 3-D quantities the engine can hold (see MolGraph::chiral).
// RDKit's tetrahedral tag: looking along the atom's bonds in their stored order, the chiral volume
// of the first three neighbours is positive for CCW and negative for CW. Where a hydrogen is among
// the first three of four neighbours, the volume of the three heavy ones is taken instead: around
// a tetrahedron, dropping neighbour k of (0, 1, 2, 3) keeps the sign for k = 1, 3 and flips it for
// k = 0, 2.
// Fills g.rotatable and g.moving (see MolGraph) from the heavy-atom bonds.
void rotatable_bonds(const RDKit::ROMol& mol, const std::vector<int>& position, MolGraph& g) {
  auto heavy_degree = [&](const RDKit::Atom* a) {
    int d = 0;
    for (const auto* n : mol.atomNeighbors(a)) d += n->getAtomicNum() > 1;
    return d;
  };
  auto next_to_triple = [&](const RDKit::Atom* a) {
    for (const auto* b : mol.atomBonds(a))
      if (b->getBondType() == RDKit::Bond::TRIPLE) return true;
    return false;
  };
  auto carbonyl_carbon = [&](const RDKit::Atom* a) {
    if (a->getAtomicNum() != 6) return false;
    for (const auto* b : mol.atomBonds(a))
      if (b->getBondType() == RDKit::Bond::DOUBLE && b->getOtherAtom(a)->getAtomicNum() == 8) return true;
    return false;
  };
  std::vector<std::vector<int64_t>> neighbours(static_cast<std::size_t>(g.atoms));
  for (const auto* b : mol.bonds()) {
    const int i = position[b->getBeginAtomIdx()], j = position[b->getEndAtomIdx()];
    if (i < 0 || j < 0) continue;
    neighbours[i].push_back(j);
    neighbours[j].push_back(i);
  }
  const auto* rings = mol.getRingInfo();
  for (const auto* b : mol.bonds()) {
    const auto *a1 = b->getBeginAtom(), *a2 = b->getEndAtom();
    const int i = position[a1->getIdx()], j = position[a2->getIdx()];
    if (i < 0 || j < 0 || b->getBondType() != RDKit::Bond::SINGLE || rings->numBondRings(b->getIdx()) > 0) continue;
    if (heavy_degree(a1) < 2 || heavy_degree(a2) < 2 || next_to_triple(a1) || next_to_triple(a2)) continue;
    const bool amide = (carbonyl_carbon(a1) && a2->getAtomicNum() == 7) || (carbonyl_carbon(a2) && a1->getAtomicNum() == 7);
    if (amide) continue;
    // The atoms reached from j without crossing the bond.
    std::vector<char> seen(static_cast<std::size_t>(g.atoms), 0);
    std::vector<int64_t> side{j}, stack{j};
    seen[j] = seen[i] = 1;
    while (!stack.empty()) {
      const auto a = stack.back();
      stack.pop_back();
      for (const auto n : neighbours[a])
        if (!seen[n]) {
          seen[n] = 1;
          side.push_back(n);
          stack.push_back(n);
        }
    }
    std::array<int64_t, 2> axis{i, j};
    if (2 * static_cast<int64_t>(side.size()) > g.atoms) {  // move the smaller side: i's
      std::vector<int64_t> other;
      for (int64_t a = 0; a < g.atoms; ++a)
        if (!seen[a] || a == i) other.push_back(a);
      side = std::move(other);
      axis = {j, i};
    }
    std::sort(side.begin(), side.end());
    g.rotatable.push_back(axis);
    g.moving.push_back(std::move(side));
  }
}

void stereo_constraints(const RDKit::ROMol& mol, const std::vector<int>& position, MolGraph& g) {
  std::vector<int64_t> chiral, cis;
  std::vector<float> chiral_sign, cis_sign;
  for (const auto* a : mol.atoms()) {
    const auto tag = a->getChiralTag();
    if (tag != RDKit::Atom::CHI_TETRAHEDRAL_CW && tag != RDKit::Atom::CHI_TETRAHEDRAL_CCW) continue;
    if (position[a->getIdx()] < 0) continue;
    std::vector<int> nbrs;
    int hydrogen = -1, k = 0;
    for (const auto* b : mol.atomBonds(a)) {
      const int other = position[b->getOtherAtomIdx(a->getIdx())];
      if (other < 0)
        hydrogen = k;
      else
        nbrs.push_back(other);
      ++k;
    }
    if (nbrs.size() < 3) continue;
    float sign = tag == RDKit::Atom::CHI_TETRAHEDRAL_CCW ? 1.0f : -1.0f;
    if (k == 4 && nbrs.size() == 3 && hydrogen % 2 == 0) sign = -sign;
    chiral.insert(chiral.end(), {position[a->getIdx()], nbrs[0], nbrs[1], nbrs[2]});
    chiral_sign.push_back(sign);
  }
  for (const auto* b : mol.bonds()) {
    using S = RDKit::Bond::BondStereo;
    const auto st = b->getStereo();
    if (st != S::STEREOZ && st != S::STEREOE && st != S::STEREOCIS && st != S::STEREOTRANS) continue;
    const auto& sa = b->getStereoAtoms();
    if (sa.size() != 2) continue;
    const int a0 = position[sa[0]], b0 = position[b->getBeginAtomIdx()], c0 = position[b->getEndAtomIdx()],
              d0 = position[sa[1]];
    if (a0 < 0 || b0 < 0 || c0 < 0 || d0 < 0) continue;
    cis.insert(cis.end(), {a0, b0, c0, d0});
    cis_sign.push_back(st == S::STEREOZ || st == S::STEREOCIS ? 1.0f : -1.0f);
  }
  auto rows = [](const std::vector<int64_t>& v) {
    return IndexRows(Eigen::Map<const IndexRows>(v.data(), static_cast<Eigen::Index>(v.size() / 4), 4));
  };
  auto values = [](const std::vector<float>& v) {
    return Eigen::VectorXf(Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Eigen::Index>(v.size())));
  };
  g.chiral = rows(chiral);
  g.chiral_sign = values(chiral_sign);
  g.cis_trans = rows(cis);
  g.cis_sign = values(cis_sign);
}

}  // namespace

std::unique_ptr<RDKit::RWMol> parse_smiles(const std::string& smiles) {
  const auto blank = smiles.find_first_not_of(" \t\r\n");
  if (blank == std::string::npos) throw InvalidInput("invalid SMILES '': the string is empty");
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (const RDKit::MolSanitizeException& e) {
    throw InvalidInput("invalid SMILES " + describe(smiles) + ": " + e.what());
  } catch (const std::exception& e) {
    throw InvalidInput("invalid SMILES " + describe(smiles) + ": " + e.what());
  }
  if (!mol) throw InvalidInput("invalid SMILES " + describe(smiles) + ": RDKit could not parse it");
  if (mol->getNumAtoms() == 0) throw InvalidInput("invalid SMILES " + describe(smiles) + ": no atoms");
  return mol;
}

std::string canonical_smiles(const RDKit::ROMol& mol) { return RDKit::MolToSmiles(mol, true); }

std::string murcko_scaffold(const RDKit::ROMol& mol) {
  std::unique_ptr<RDKit::ROMol> core(RDKit::MurckoDecompose(mol));
  if (!core || core->getNumAtoms() == 0) return "";
  return RDKit::MolToSmiles(*core, true);
}

MolGraph featurize(const RDKit::ROMol& mol, const std::string& name_for_errors) {
  const std::string name =
      name_for_errors.empty() ? describe(RDKit::MolToSmiles(mol, true)) : describe(name_for_errors);
  std::vector<unsigned> input_heavy;
  for (const auto* a : mol.atoms()) {
    const int z = a->getAtomicNum();
    if (index_in(z, kElements) == static_cast<int>(kElements.size()))
      throw InvalidInput("molecule " + name + ": element " + a->getSymbol() + " (Z = " +
                         std::to_string(z) + ") is not one the model knows (H B C N O F Si P S Cl Se Br I)");
    if (z > 1) input_heavy.push_back(a->getIdx());
  }
  if (input_heavy.empty()) throw InvalidInput("molecule " + name + ": no heavy atoms");

  // Canonical ranks (ties broken) order the heavy atoms independently of the input order.
  std::vector<unsigned> ranks;
  RDKit::Canon::rankMolAtoms(mol, ranks, /*breakTies=*/true);
  std::sort(input_heavy.begin(), input_heavy.end(),
            [&](unsigned a, unsigned b) { return ranks[a] < ranks[b]; });
  MolGraph g;
  g.atoms = static_cast<int64_t>(input_heavy.size());
  g.heavy = input_heavy;
  std::vector<int> position(mol.getNumAtoms(), -1);
  for (std::size_t i = 0; i < input_heavy.size(); ++i) position[input_heavy[i]] = static_cast<int>(i);

  g.atom_features = FloatRows::Zero(g.atoms, kAtomFeatures);
  float* af = g.atom_features.data();
  for (int64_t i = 0; i < g.atoms; ++i)
    atom_features(*mol.getAtomWithIdx(input_heavy[i]), af + i * kAtomFeatures);

  struct Edge {
    int a, b;
    const RDKit::Bond* bond;
  };
  std::vector<Edge> edges;
  for (const auto* b : mol.bonds()) {
    const int i = position[b->getBeginAtomIdx()], j = position[b->getEndAtomIdx()];
    if (i < 0 || j < 0) continue;  // bonds to hydrogens
    edges.push_back({i, j, b});
    edges.push_back({j, i, b});
  }
  std::sort(edges.begin(), edges.end(),
            [](const Edge& x, const Edge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  const auto e = static_cast<int64_t>(edges.size());
  g.edge_index.resize(2, e);
  g.edge_features = FloatRows::Zero(e, kBondFeatures);
  float* ef = g.edge_features.data();
  for (int64_t k = 0; k < e; ++k) {
    g.edge_index(0, k) = edges[k].a;
    g.edge_index(1, k) = edges[k].b;
    bond_features(*edges[k].bond, ef + k * kBondFeatures);
  }

  stereo_constraints(mol, position, g);
  rotatable_bonds(mol, position, g);

  // Shortest paths in bonds (Floyd-Warshall on the heavy-atom graph).
  const double far = 1e3;
  g.topological = Eigen::MatrixXd::Constant(g.atoms, g.atoms, far);
  for (int64_t i = 0; i < g.atoms; ++i) g.topological(i, i) = 0;
  for (const auto& ed : edges) g.topological(ed.a, ed.b) = 1;
  for (int64_t k = 0; k < g.atoms; ++k)
    for (int64_t i = 0; i < g.atoms; ++i)
      for (int64_t j = 0; j < g.atoms; ++j)
        g.topological(i, j) = std::min(g.topological(i, j), g.topological(i, k) + g.topological(k, j));
  g.embedding = mds_embedding(g.topological);
  return g;
}

std::pair<Eigen::VectorXd, Eigen::VectorXd> stereo_values(const MolGraph& g, const Eigen::MatrixX3d& x) {
  const auto& ch = g.chiral;
  Eigen::VectorXd vol(ch.rows());
  for (Eigen::Index k = 0; k < ch.rows(); ++k) {
    const Eigen::RowVector3d c = x.row(ch(k, 0));
    vol(k) = (x.row(ch(k, 1)) - c).dot((x.row(ch(k, 2)) - c).cross(x.row(ch(k, 3)) - c));
  }
  const auto& ct = g.cis_trans;
  Eigen::VectorXd cis(ct.rows());
  for (Eigen::Index k = 0; k < ct.rows(); ++k)
    cis(k) = (x.row(ct(k, 0)) - x.row(ct(k, 1))).dot(x.row(ct(k, 3)) - x.row(ct(k, 2)));
  return {vol, cis};
}

int stereo_violations(const MolGraph& g, const Eigen::MatrixX3d& x) {
  if (g.chiral.rows() == 0 && g.cis_trans.rows() == 0) return 0;
  const auto [vol, cis] = stereo_values(g, x);
  const float* vs = g.chiral_sign.data();
  const float* cs = g.cis_sign.data();
  int wrong = 0;
  for (Eigen::Index k = 0; k < vol.size(); ++k) wrong += vs[k] * vol(k) <= 0;
  for (Eigen::Index k = 0; k < cis.size(); ++k) wrong += cs[k] * cis(k) <= 0;
  return wrong;
}

Eigen::MatrixX3d heavy_coordinates(const RDKit::ROMol& mol, const MolGraph& g, int conf_id) {
  if (mol.getNumConformers() == 0) throw InvalidInput("molecule has no 3-D coordinates");
  const auto& conf = mol.getConformer(conf_id);
  Eigen::MatrixX3d x(g.atoms, 3);
  for (int64_t i = 0; i < g.atoms; ++i) {
    const auto& pos = conf.getAtomPos(g.heavy[i]);
    x.row(i) << pos.x, pos.y, pos.z;
  }
  return x;
}

}  // namespace noether::molecules
