// molecules/torsions.cpp: ETKDG's torsion library on the engine's rotatable bonds.
#include "molecules/torsions.hpp"

#include <GraphMol/ForceFieldHelpers/CrystalFF/TorsionPreferences.h>
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <Eigen/Geometry>

#include "noether/splitmix.hpp"

namespace noether::molecules {

namespace {

// Minima further than this above the lowest are left out (the library's potentials are fitted as
// -ln of crystal-structure histograms, so this keeps minima at least e^-4 as likely).
constexpr double kEnergyWindow = 4.0;

// A torsion the engine left within this of the lowest energy is kept as it is: the library turns
// only torsions it finds unlikely (e^-2 of the best or less). Measured on the ensemble benchmark's
// groups against turning every torsion (drug-like best of 10 1.30 Å, here 1.07), 1 (1.17) and 3
// (1.16); nearest minimum instead of a weighted draw: best of 10 1.21.
constexpr double kKeep = 2.0;

// sum_m V_m (1 + s_m cos(m phi)), m = 1..6: the form of RDKit's CrystalFF torsion terms.
double library_energy(const std::vector<double>& v, const std::vector<int>& signs, double phi) {
  double e = 0.0;
  for (std::size_t m = 0; m < v.size() && m < signs.size(); ++m)
    e += v[m] * (1.0 + signs[m] * std::cos(static_cast<double>(m + 1) * phi));
  return e;
}

// The local minima of the potential on a 1-degree grid, with their Boltzmann weights.
void find_minima(const std::vector<double>& v, const std::vector<int>& signs, TorsionPreference& t) {
  constexpr int kGrid = 360;
  std::vector<double> e(kGrid);
  for (int k = 0; k < kGrid; ++k) e[k] = library_energy(v, signs, (k - 179) * M_PI / 180.0);  // (-pi, pi]
  const double lowest = *std::min_element(e.begin(), e.end());
  t.lowest = lowest;
  for (int k = 0; k < kGrid; ++k) {
    const double before = e[(k + kGrid - 1) % kGrid], after = e[(k + 1) % kGrid];
    // A flat stretch counts once, at its first point.
    if (e[k] < before && e[k] <= after && e[k] - lowest <= kEnergyWindow) {
      t.minima.push_back((k - 179) * M_PI / 180.0);
      t.weights.push_back(std::exp(-(e[k] - lowest)));
    }
  }
}

// Pairs of a moving atom and a fixed one, four or more bonds apart, nearer than kClashDistance.
int clashes(const Eigen::MatrixX3d& x, const MolGraph& g, const std::vector<int64_t>& moving,
            const std::vector<char>& is_moving) {
  int n = 0;
  for (const auto a : moving)
    for (int64_t b = 0; b < g.atoms; ++b)
      if (!is_moving[b] && g.topological(a, b) >= 4 && (x.row(a) - x.row(b)).norm() < kClashDistance) ++n;
  return n;
}

}  // namespace

double TorsionPreference::energy(double phi) const { return library_energy(v, signs, phi); }

std::vector<TorsionPreference> torsion_preferences(const RDKit::ROMol& heavy, const MolGraph& g) {
  if (g.rotatable.empty()) return {};  // nothing to turn: skip the library's ~500 patterns
  ForceFields::CrystalFF::CrystalFFDetails details;
  // ETKDGv3's settings: experimental torsions, basic knowledge, version 2; rings are never turned.
  ForceFields::CrystalFF::getExperimentalTorsions(heavy, details, /*useExpTorsions=*/true,
                                                  /*useSmallRingTorsions=*/false, /*useMacrocycleTorsions=*/false,
                                                  /*useBasicKnowledge=*/true, /*version=*/2);
  std::vector<int64_t> canonical(heavy.getNumAtoms(), -1);
  for (int64_t i = 0; i < g.atoms; ++i) canonical[g.heavy[static_cast<std::size_t>(i)]] = i;
  std::vector<TorsionPreference> prefs;
  for (std::size_t k = 0; k < details.expTorsionAtoms.size(); ++k) {
    const auto& atoms = details.expTorsionAtoms[k];
    if (atoms.size() != 4) continue;
    TorsionPreference t;
    bool mapped = true;
    for (int i = 0; i < 4; ++i) {
      const auto a = static_cast<std::size_t>(atoms[static_cast<std::size_t>(i)]);
      mapped = mapped && a < canonical.size() && canonical[a] >= 0;
      if (mapped) t.atoms[static_cast<std::size_t>(i)] = canonical[a];
    }
    if (!mapped) continue;
    const auto bond = std::find_if(g.rotatable.begin(), g.rotatable.end(), [&](const auto& r) {
      return (r[0] == t.atoms[1] && r[1] == t.atoms[2]) || (r[0] == t.atoms[2] && r[1] == t.atoms[1]);
    });
    if (bond == g.rotatable.end()) continue;  // not a bond the engine turns (ring, amide, ...)
    t.bond = static_cast<std::size_t>(bond - g.rotatable.begin());
    const auto& [signs, v] = details.expTorsionAngles[k];
    t.v = v;
    t.signs = signs;
    find_minima(v, signs, t);
    if (!t.minima.empty()) prefs.push_back(std::move(t));
  }
  return prefs;
}

double dihedral(const Eigen::MatrixX3d& x, const std::array<int64_t, 4>& t) {
  const Eigen::Vector3d b1 = (x.row(t[1]) - x.row(t[0])).transpose();
  const Eigen::Vector3d b2 = (x.row(t[2]) - x.row(t[1])).transpose();
  const Eigen::Vector3d b3 = (x.row(t[3]) - x.row(t[2])).transpose();
  const Eigen::Vector3d n1 = b1.cross(b2), n2 = b2.cross(b3);
  return std::atan2(b2.norm() * b1.dot(n2), n1.dot(n2));
}

void set_dihedral(Eigen::MatrixX3d& x, const MolGraph& g, const TorsionPreference& t, double target) {
  const auto& axis_atoms = g.rotatable[t.bond];  // {fixed, moving}: moving[bond] holds the second's side
  const Eigen::Vector3d origin = x.row(axis_atoms[1]).transpose();
  const Eigen::Vector3d axis = origin - x.row(axis_atoms[0]).transpose();
  if (axis.norm() < 1e-9) return;
  // `axis` points from the fixed atom to the moving one. Turning c's side by delta about b -> c
  // adds delta to the dihedral, and so does turning b's side by delta about c -> b.
  const Eigen::AngleAxisd rotation(target - dihedral(x, t.atoms), axis.normalized());
  for (const auto a : g.moving[t.bond]) x.row(a) = (origin + rotation * (x.row(a).transpose() - origin)).transpose();
}

int set_preferred_torsions(Eigen::MatrixX3d& x, const MolGraph& g, const std::vector<TorsionPreference>& prefs,
                           uint64_t seed) {
  int set = 0;
  std::vector<char> is_moving(static_cast<std::size_t>(g.atoms));
  for (const auto& t : prefs) {
    const double was = dihedral(x, t.atoms);
    if (t.energy(was) - t.lowest <= kKeep) continue;  // the engine's torsion is a likely one
    const auto& moving = g.moving[t.bond];
    std::fill(is_moving.begin(), is_moving.end(), 0);
    for (const auto a : moving) is_moving[static_cast<std::size_t>(a)] = 1;
    // The draw: one minimum by weight, then the rest by weight, heaviest first.
    const uint64_t key = (static_cast<uint64_t>(t.atoms[1]) << 32) | static_cast<uint64_t>(t.atoms[2]);
    const double total = std::accumulate(t.weights.begin(), t.weights.end(), 0.0);
    double u = unit_interval(splitmix64(seed ^ splitmix64(key))) * total;
    std::size_t drawn = 0;
    while (drawn + 1 < t.weights.size() && u >= t.weights[drawn]) u -= t.weights[drawn++];
    std::vector<std::size_t> order(t.minima.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t.weights[a] > t.weights[b]; });
    const auto first = std::find(order.begin(), order.end(), drawn);
    std::rotate(order.begin(), first, first + 1);
    const int before = clashes(x, g, moving, is_moving);
    bool placed = false;
    for (const auto m : order) {
      set_dihedral(x, g, t, t.minima[m]);
      if (clashes(x, g, moving, is_moving) <= before) {
        placed = true;
        break;
      }
    }
    if (placed) ++set;
    else set_dihedral(x, g, t, was);
  }
  return set;
}

}  // namespace noether::molecules
