// molecules/conform.cpp: batching SMILES through the engine, then hydrogens, stereo and MMFF.
#include "molecules/conform.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <GraphMol/GraphMol.h>
#include <GraphMol/Chirality.h>
#include <GraphMol/Conformer.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <omp.h>

#include "molecules/alignment.hpp"
#include "molecules/engine_weights.hpp"
#include "molecules/mmff.hpp"
#include "molecules/torsions.hpp"
#include "noether/config.hpp"
#include "noether/data_path.hpp"
#include "noether/error.hpp"
#include "noether/progress.hpp"

namespace noether::molecules {

namespace fs = std::filesystem;

Conformation::Conformation() = default;
Conformation::~Conformation() = default;
Conformation::Conformation(Conformation&&) noexcept = default;
Conformation& Conformation::operator=(Conformation&&) noexcept = default;

const std::vector<std::string>& refine_names() {
  static const std::vector<std::string> names{"none", "mmff"};  // in the order of enum Refine
  return names;
}

Refine parse_refine(const std::string& name) {
  const auto& names = refine_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<Refine>(k);
  std::string valid;
  for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
  throw InvalidInput("conform: unknown refinement '" + name + "'; valid names: " + valid);
}

const std::string& refine_name(Refine r) {
  const auto k = static_cast<std::size_t>(r);
  if (k >= refine_names().size()) throw InvalidInput("conform: invalid Refine value " + std::to_string(k));
  return refine_names()[k];
}

void ConformOptions::validate() const {
  if (num_confs < 1) throw InvalidInput("conform: --num-confs must be at least 1, got " + std::to_string(num_confs));
  if (num_confs > kMaxNumConfs)
    throw InvalidInput("conform: --num-confs must be at most " + std::to_string(kMaxNumConfs) + ", got " +
                       std::to_string(num_confs) + " (every conformer is held in memory until the output is written)");
  refine_name(refine);  // a valid enum value
  if (batch_size < 1) throw InvalidInput("conform: batch size must be at least 1");
  if (threads < 0) throw InvalidInput("conform: threads must be >= 0");
  if (seed < 0 || seed > kMaxSeed)
    throw InvalidInput("conform: seed must be in [0, " + std::to_string(kMaxSeed) + "], got " + std::to_string(seed));
  if (sort_by_energy && !add_hydrogens)
    throw InvalidInput("conform: sorting by energy needs hydrogens (MMFF94 energies); drop --no-hydrogens");
  if (!std::isfinite(temperature))
    throw InvalidInput("conform: temperature must be a finite number, got " + std::to_string(temperature));
  if (!(prune_rms >= 0.0) || !std::isfinite(prune_rms))
    throw InvalidInput("conform: prune_rms must be a finite number >= 0, got " + std::to_string(prune_rms));
}

std::string shipped_model_path() {
  try {
    return find_data_file("conformer.pt", "conformer model");
  } catch (const InvalidInput& e) {
    throw InvalidInput(std::string(e.what()) +
                       "; train one with `noether train-conformer` and give its path (ConformOptions::model, "
                       "noether conform --model)");
  }
}

namespace {

// Where RDKit's perception of the 3-D structure disagrees with the SMILES' tetrahedral tags on
// most specified centres, the mirror image is the better answer (the engine sees distances only).
void fix_handedness(RDKit::RWMol& heavy, int conf_id) {
  std::vector<std::pair<unsigned, RDKit::Atom::ChiralType>> specified;
  for (const auto* a : heavy.atoms())
    if (a->getChiralTag() == RDKit::Atom::CHI_TETRAHEDRAL_CW || a->getChiralTag() == RDKit::Atom::CHI_TETRAHEDRAL_CCW)
      specified.emplace_back(a->getIdx(), a->getChiralTag());
  if (specified.empty()) return;
  RDKit::RWMol probe(heavy, /*quickCopy=*/false, conf_id);
  RDKit::MolOps::assignChiralTypesFrom3D(probe, conf_id, /*replaceExistingTags=*/true);
  int wrong = 0;
  for (const auto& [idx, tag] : specified)
    wrong += probe.getAtomWithIdx(idx)->getChiralTag() != tag;
  if (2 * wrong <= static_cast<int>(specified.size())) return;
  auto& conf = heavy.getConformer(conf_id);
  for (unsigned i = 0; i < heavy.getNumAtoms(); ++i) {
    auto pos = conf.getAtomPos(i);
    pos.z = -pos.z;
    conf.setAtomPos(i, pos);
  }
}

}  // namespace

struct Conformer::Prepared {
  std::unique_ptr<RDKit::RWMol> heavy;
  MolGraph graph;
};

namespace {

/// The engine's input from a parsed molecule `heavy` (hydrogens removed).
Conformer::Prepared prepare_heavy(std::unique_ptr<RDKit::RWMol> heavy, const std::string& who) {
  Conformer::Prepared p;
  p.heavy = std::move(heavy);
  if (p.heavy->getNumAtoms() > static_cast<unsigned>(kMaxHeavyAtoms)) {
    throw InvalidInput("molecule '" + who + "' has " + std::to_string(p.heavy->getNumAtoms()) +
                       " heavy atoms, more than the limit of " + std::to_string(kMaxHeavyAtoms) +
                       " (the engine's memory grows with the square of the atom count: about 0.4 GB at 500)");
  }
  p.graph = featurize(*p.heavy, who);
  return p;
}

/// How a molecule is named in messages: its name, else its SMILES (shortened).
std::string who_is(const std::string& smiles, const std::string& name) {
  return !name.empty() ? name : smiles.size() <= 40 ? smiles : smiles.substr(0, 37) + "...";
}

Conformer::Prepared prepare(const std::string& smiles, const std::string& name) {
  auto heavy = parse_smiles(smiles);
  RDKit::MolOps::removeHs(*heavy);
  return prepare_heavy(std::move(heavy), who_is(smiles, name));
}

/// The atom property that carries an input atom's index through hydrogen removal and addition.
constexpr const char* kInputIndex = "noether_input_index";

/// conform_molecules' engine input: every hydrogen removed (they are placed again after, and
/// matched to the input's by the heavy atom they hang on), each heavy atom tagged with its index.
Conformer::Prepared prepare_molecule(const RDKit::ROMol& input, const std::string& who) {
  auto heavy = std::make_unique<RDKit::RWMol>(input, /*quickCopy=*/true);
  for (auto* a : heavy->atoms()) a->setProp<int>(kInputIndex, static_cast<int>(a->getIdx()));
  try {
    RDKit::MolOps::removeAllHs(*heavy);
    RDKit::MolOps::assignStereochemistry(*heavy, /*cleanIt=*/true, /*force=*/true);
  } catch (const std::exception& e) {
    throw InvalidInput("molecule '" + who + "': " + e.what());
  }
  return prepare_heavy(std::move(heavy), who);
}

/// For each atom of `input`, its atom in a placed result (`placed`: the engine's heavy atoms,
/// tagged with their input index, hydrogens appended): heavy atoms by their tag, each input
/// hydrogen onto one placed on the same heavy atom.
std::vector<unsigned> input_order(const RDKit::ROMol& input, const RDKit::ROMol& placed, const std::string& who) {
  const unsigned n = input.getNumAtoms();
  std::vector<int> from(n, -1);                  // input atom -> placed atom
  std::vector<std::vector<unsigned>> free_h(n);  // hydrogens placed on each input heavy atom
  for (const auto* a : placed.atoms()) {
    int k = -1;
    if (a->getPropIfPresent<int>(kInputIndex, k) && k >= 0 && static_cast<unsigned>(k) < n) from[k] = static_cast<int>(a->getIdx());
  }
  for (const auto* a : placed.atoms()) {
    if (a->hasProp(kInputIndex) || a->getDegree() != 1) continue;
    for (const auto* nb : placed.atomNeighbors(a)) {
      int k = -1;
      if (nb->getPropIfPresent<int>(kInputIndex, k)) free_h[static_cast<unsigned>(k)].push_back(a->getIdx());
    }
  }
  for (const auto* a : input.atoms()) {
    const unsigned i = a->getIdx();
    if (from[i] >= 0) continue;
    if (a->getAtomicNum() == 1 && a->getDegree() == 1) {
      const unsigned parent = (*input.atomNeighbors(a).begin())->getIdx();
      if (!free_h[parent].empty()) {
        from[i] = static_cast<int>(free_h[parent].back());
        free_h[parent].pop_back();
        continue;
      }
    }
    throw InvalidInput("molecule '" + who + "': atom " + std::to_string(i) + " (" + a->getSymbol() +
                       ") could not be placed (a hydrogen on more or fewer than one atom, or more hydrogens than "
                       "the atom's valence allows)");
  }
  return {from.begin(), from.end()};
}

/// The placed conformers (`c.coordinates`, placed order) in input order, as RDKit conformers.
std::vector<std::unique_ptr<RDKit::Conformer>> input_conformers(const Conformation& c,
                                                                const std::vector<unsigned>& from) {
  std::vector<std::unique_ptr<RDKit::Conformer>> out;
  const auto n = static_cast<unsigned>(from.size());
  for (const auto& x : c.coordinates) {
    auto conf = std::make_unique<RDKit::Conformer>(n);
    for (unsigned i = 0; i < n; ++i) conf->setAtomPos(i, RDGeom::Point3D(x(from[i], 0), x(from[i], 1), x(from[i], 2)));
    conf->set3D(true);
    out.push_back(std::move(conf));
  }
  return out;
}

/// Moves a placed result onto the atoms of `input`: `c.mol` becomes a copy of the input with the
/// new conformers only, `c.coordinates` follow the input's order.
void onto_input(const RDKit::ROMol& input, Conformation& c, const std::string& who) {
  const auto from = input_order(input, *c.mol, who);
  auto result = std::make_unique<RDKit::RWMol>(input, /*quickCopy=*/false);
  result->clearConformers();
  for (auto& conf : input_conformers(c, from)) result->addConformer(conf.release(), /*assignId=*/true);
  for (auto& x : c.coordinates) {
    Eigen::MatrixX3d y(from.size(), 3);
    for (unsigned i = 0; i < from.size(); ++i) y.row(i) = x.row(from[i]);
    x = std::move(y);
  }
  c.mol = std::move(result);
}

/// The engine of a model's weights file (engine_weights.hpp).
FusedEngine read_model(const std::string& model) {
  const std::string weights = model_weights_path(model);
  if (weights.empty())
    throw InvalidInput("conformer model '" + model + "' has no weights file '" + weights_path(model) +
                       "' beside it (a model saved before noether wrote one): `noether conform --model` still "
                       "reads it, and load_inference_engine (engine_file.hpp) loads it in a program that links "
                       "LibTorch");
  return FusedEngine(read_engine_weights(weights));
}

}  // namespace

Conformer::Conformer(ConformOptions options)
    : Conformer(options, read_model(options.model.empty() ? shipped_model_path() : options.model)) {}

Conformer::Conformer(ConformOptions options, FusedEngine engine)
    : options_(std::move(options)), engine_(std::move(engine)) {
  options_.validate();
  engine_.set_torsion_starts(options_.torsion_starts);
  if (options_.temperature >= 0) engine_.set_temperature(options_.temperature);
}

Conformation conform(const std::string& smiles, const ConformOptions& options) {
  return Conformer(options).conform(smiles);
}

Conformation Conformer::conform(const std::string& smiles, const std::string& name) const {
  auto out = conform_all({{smiles, name}});
  if (!out[0].error.empty()) throw InvalidInput(out[0].error);
  return std::move(out[0]);
}

std::vector<Conformation> Conformer::conform_all(
    const std::vector<std::pair<std::string, std::string>>& inputs, bool progress) const {
  return run_batches(
      inputs.size(),
      [&](std::size_t i, Conformation& c) {
        c.smiles = inputs[i].first;
        c.name = inputs[i].second;
        return prepare(c.smiles, c.name);
      },
      [](std::size_t, Conformation&) {}, progress);
}

namespace {

template <class Molecule>
void check_molecules(const char* what, const std::vector<Molecule*>& molecules, const std::vector<std::string>& names) {
  if (!names.empty() && names.size() != molecules.size())
    throw InvalidInput(std::string(what) + ": " + std::to_string(names.size()) + " names for " +
                       std::to_string(molecules.size()) + " molecules");
  for (std::size_t i = 0; i < molecules.size(); ++i)
    if (!molecules[i]) throw InvalidInput(std::string(what) + ": molecule " + std::to_string(i) + " is null");
}

/// Names molecule i of conform_molecules or add_conformers (names[i], its _Name, else its SMILES)
/// and gives its engine input.
Conformer::Prepared prepare_given(const RDKit::ROMol& m, std::size_t i, const std::vector<std::string>& names,
                                  Conformation& c) {
  c.name = names.empty() ? std::string() : names[i];
  if (c.name.empty()) m.getPropIfPresent<std::string>("_Name", c.name);
  try {
    c.smiles = RDKit::MolToSmiles(m, true);
  } catch (const std::exception& e) {
    c.smiles = "molecule " + std::to_string(i);
  }
  return prepare_molecule(m, who_is(c.smiles, c.name));
}

}  // namespace

std::vector<Conformation> Conformer::conform_molecules(const std::vector<const RDKit::ROMol*>& molecules,
                                                       const std::vector<std::string>& names, bool progress) const {
  check_molecules("conform_molecules", molecules, names);
  return run_batches(
      molecules.size(), [&](std::size_t i, Conformation& c) { return prepare_given(*molecules[i], i, names, c); },
      [&](std::size_t i, Conformation& c) { onto_input(*molecules[i], c, who_is(c.smiles, c.name)); }, progress);
}

std::vector<AddedConformers> Conformer::add_conformers(const std::vector<RDKit::ROMol*>& molecules,
                                                       const std::vector<std::string>& names, bool clear,
                                                       bool progress) const {
  check_molecules("add_conformers", molecules, names);
  const std::size_t n = molecules.size();
  // Each molecule is read and written by one worker. One given again is read from a copy, and
  // gets its conformers after the run, in order.
  std::vector<const RDKit::ROMol*> read(molecules.begin(), molecules.end());
  std::vector<std::unique_ptr<RDKit::ROMol>> copies;
  std::vector<char> again(n, 0);
  std::unordered_set<const RDKit::ROMol*> seen;
  for (std::size_t i = 0; i < n; ++i) {
    if (seen.insert(molecules[i]).second) continue;
    copies.push_back(std::make_unique<RDKit::ROMol>(*molecules[i], /*quickCopy=*/true));
    read[i] = copies.back().get();
    again[i] = 1;
  }
  std::vector<AddedConformers> out(n);
  std::vector<std::vector<std::unique_ptr<RDKit::Conformer>>> later(n);
  auto add = [&](std::size_t i, std::vector<std::unique_ptr<RDKit::Conformer>>& confs) {
    if (clear) molecules[i]->clearConformers();
    for (auto& conf : confs) out[i].ids.push_back(static_cast<int>(molecules[i]->addConformer(conf.release(), true)));
  };
  const auto results = run_batches(
      n, [&](std::size_t i, Conformation& c) { return prepare_given(*read[i], i, names, c); },
      [&](std::size_t i, Conformation& c) {
        auto confs = input_conformers(c, input_order(*read[i], *c.mol, who_is(c.smiles, c.name)));
        c.mol.reset();
        c.coordinates.clear();
        if (again[i]) later[i] = std::move(confs);
        else add(i, confs);
      },
      progress);
  for (std::size_t i = 0; i < n; ++i) {
    if (!results[i].error.empty()) out[i].error = results[i].error;
    else if (again[i]) add(i, later[i]);
  }
  return out;
}

template <class Prepare, class Finish>
std::vector<Conformation> Conformer::run_batches(std::size_t n, Prepare&& prepare_input, Finish&& finish,
                                                 bool progress) const {
  std::vector<Conformation> out(n);
  const auto batch = static_cast<std::size_t>(options_.batch_size);
  const std::size_t batches = (n + batch - 1) / batch;
  const int workers = static_cast<int>(std::min<std::size_t>(
      batches, static_cast<std::size_t>(options_.threads > 0 ? options_.threads : omp_get_max_threads())));
  Progress bar("conform", static_cast<long>(n), progress, 1);
  std::mutex bar_mutex;
  std::atomic<std::size_t> next{0}, done{0};
  std::exception_ptr failure;

  // Each worker takes whole batches: RDKit preparation, one engine call (no autograd), then
  // hydrogens and refinement. Workers are threads of our own (below).
  auto work = [&]() {
    try {
      for (std::size_t b = next++; b < batches; b = next++) {
        const std::size_t lo = b * batch, hi = std::min(n, lo + batch);
        std::vector<Prepared> prepared(hi - lo);
        std::vector<std::size_t> ok;
        for (std::size_t i = lo; i < hi; ++i) {
          try {
            prepared[i - lo] = prepare_input(i, out[i]);
            ok.push_back(i);
          } catch (const std::exception& e) {
            out[i].error = e.what();
          }
        }
        if (!ok.empty()) place(prepared, lo, ok, out);
        for (auto i : ok) {
          if (!out[i].error.empty()) continue;
          try {
            finish(i, out[i]);
          } catch (const std::exception& e) {
            out[i].error = e.what();
            out[i].mol.reset();
            out[i].coordinates.clear();
          }
        }
        const std::size_t finished = (done += hi - lo);
        std::lock_guard<std::mutex> lock(bar_mutex);
        bar.update(static_cast<long>(finished));
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(bar_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  // Workers are threads of our own, even a single one: each gets a malloc arena of its own,
  // holding only the engine's arrays. Run on a caller's thread whose arena is crowded with its
  // own objects (a Python interpreter's main thread), the same work spent 10% more time in
  // glibc's search for free blocks (docs/benchmarks.md, Issue 19).
  // A single worker runs the engine's Eigen products with the caller's OpenMP thread count; two or
  // more with one each (set in each worker thread: nothing process-wide changes). One OpenMP
  // region over the workers instead measured 17% slower on two threads: the worker that finishes
  // first spins at the region's barrier beside the other.
  const int intra_op = workers <= 1 ? omp_get_max_threads() : 1;
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      omp_set_num_threads(intra_op);
      work();  // catches everything
    });
  for (auto& t : pool) t.join();
  bar.finish();
  if (failure) std::rethrow_exception(failure);
  return out;
}

namespace {

constexpr int kStereoRetries = 8;

/// The engine's sample id of sample s under `seed`: sample 0 is the same for every seed, and
/// different seeds never share the ids of their other samples (kMaxNumConfs + kStereoRetries of
/// them at most).
int64_t engine_sample(int64_t s, int64_t seed) {
  return s == 0 ? 0 : s + seed * (kMaxNumConfs + kStereoRetries + 1);
}

/// Re-adds the molecule's conformers in order of MMFF94 energy, lowest first (stable); a molecule
/// MMFF94 has no parameters for keeps the sample order.
void sort_conformers_by_energy(RDKit::RWMol& mol) {
  const auto energies = mmff_energies(mol);
  if (energies.empty()) return;
  std::vector<std::pair<double, RDKit::Conformer>> confs;
  for (auto c = mol.beginConformers(); c != mol.endConformers(); ++c)
    confs.emplace_back(energies[confs.size()], **c);
  std::stable_sort(confs.begin(), confs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  mol.clearConformers();
  for (auto& [energy, conf] : confs) mol.addConformer(new RDKit::Conformer(conf), true);
}

/// Indices of the conformers of `coords` (sample order) whose RMSD to every one kept before is
/// >= threshold (all of them for a threshold of 0).
std::vector<std::size_t> distinct_conformers(const std::vector<Eigen::MatrixX3d>& coords, double threshold) {
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < coords.size(); ++i)
    if (!(threshold > 0.0) ||
        std::none_of(kept.begin(), kept.end(), [&](std::size_t k) { return kabsch_rmsd(coords[i], coords[k]) < threshold; }))
      kept.push_back(i);
  return kept;
}

/// The conformers of `coords` whose RMSD to every one kept before is >= threshold, in order.
void prune_conformers(std::vector<Eigen::MatrixX3d>& coords, double threshold) {
  if (!(threshold > 0.0)) return;
  std::vector<Eigen::MatrixX3d> kept;
  for (const auto i : distinct_conformers(coords, threshold)) kept.push_back(std::move(coords[i]));
  coords = std::move(kept);
}

/// prune_conformers on a molecule's conformers after refinement, comparing the heavy atoms of
/// `g`: the others are removed from the molecule, the survivors keep their order.
void prune_refined(RDKit::RWMol& mol, const MolGraph& g, double threshold) {
  if (!(threshold > 0.0) || mol.getNumConformers() < 2) return;
  std::vector<Eigen::MatrixX3d> coords;
  std::vector<unsigned> ids;
  for (auto c = mol.beginConformers(); c != mol.endConformers(); ++c) {
    ids.push_back((*c)->getId());
    coords.push_back(heavy_coordinates(mol, g, static_cast<int>(ids.back())));
  }
  std::vector<bool> keep(ids.size(), false);
  for (const auto i : distinct_conformers(coords, threshold)) keep[i] = true;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (!keep[i]) mol.removeConformer(ids[i]);
}

/// True when `heavy` has tetrahedral centres whose configuration the input leaves open and none
/// that it sets: its conformers may then be of any configuration, as ETKDG's are (it draws them at
/// random), and the mirror image of a sample is as valid a conformer as the sample.
bool open_stereo_only(const RDKit::ROMol& heavy) {
  bool open = false;
  for (const auto& info : RDKit::Chirality::findPotentialStereo(heavy)) {
    if (info.type != RDKit::Chirality::StereoType::Atom_Tetrahedral) continue;
    if (info.specified == RDKit::Chirality::StereoSpecified::Specified) return false;
    open = true;
  }
  return open;
}

// Rows [offset, offset + atoms) of [N x 3] positions.
Eigen::MatrixX3d rows_of(const std::vector<float>& q, int64_t offset, int64_t atoms) {
  Eigen::MatrixX3d x(atoms, 3);
  const float* p = q.data() + 3 * offset;
  for (int64_t a = 0; a < atoms; ++a) x.row(a) << p[3 * a], p[3 * a + 1], p[3 * a + 2];
  return x;
}

}  // namespace

void Conformer::place(std::vector<Prepared>& prepared, std::size_t lo, const std::vector<std::size_t>& ok,
                      std::vector<Conformation>& out) const {
  std::vector<const MolGraph*> graphs;
  for (auto i : ok) graphs.push_back(&prepared[i - lo].graph);
  const PlainBatch batch = make_plain_batch(graphs);
  // coords[m][s]: molecule m's sample s, heavy atoms in canonical order.
  std::vector<std::vector<Eigen::MatrixX3d>> coords(ok.size());
  // One encoding for all samples: they differ only in their starts and momenta.
  std::vector<int64_t> ids;
  for (int s = 0; s < options_.num_confs; ++s) ids.push_back(engine_sample(s, options_.seed));
  const auto samples = engine_.forward_samples(batch, ids);
  for (const auto& q : samples) {
    int64_t offset = 0;
    for (std::size_t m = 0; m < ok.size(); ++m) {
      coords[m].push_back(rows_of(q, offset, graphs[m]->atoms));
      offset += graphs[m]->atoms;
    }
  }
  // Samples after the first take each rotatable bond's torsion from ETKDG's library (torsions.hpp):
  // the engine relaxes every sample towards one set of torsions, whatever its start. Without the
  // library (or with one conformer) a molecule's preferences stay empty and `prefer` does nothing.
  std::vector<std::vector<TorsionPreference>> preferences(ok.size());
  const auto prefer = [&](std::size_t m, Eigen::MatrixX3d& x, int64_t id) {
    set_preferred_torsions(x, *graphs[m], preferences[m], static_cast<uint64_t>(id));
  };
  if (options_.num_confs > 1 && options_.torsion_library)
    for (std::size_t m = 0; m < ok.size(); ++m) {
      preferences[m] = torsion_preferences(*prepared[ok[m] - lo].heavy, *graphs[m]);
      for (std::size_t s = 1; s < coords[m].size(); ++s) prefer(m, coords[m][s], ids[s]);
    }
  // A molecule whose stereocentres are all left open gets every other sample after the first as
  // its mirror image: the engine keeps one handedness for all samples, so the other configurations
  // (an enantiomer, the other epimer of a symmetric bicycle) were never reached; ETKDG's references
  // hold both. Mirroring keeps E/Z and every distance.
  if (options_.num_confs > 1)
    for (std::size_t m = 0; m < ok.size(); ++m)
      if (open_stereo_only(*prepared[ok[m] - lo].heavy))
        for (std::size_t s = 1; s < coords[m].size(); s += 2) coords[m][s].col(2) *= -1.0;
  // A conformer that contradicts the SMILES' stereo (a centre or E/Z bond the relaxation left on
  // the wrong side; a few percent of the molecules that specify stereo) is replaced by the next
  // of up to kStereoRetries further samples that honours it, as ETKDG retries an embedding.
  std::vector<std::size_t> retry;                  // molecules with a wrong sample
  std::vector<std::vector<std::size_t>> wrong(ok.size());  // their wrong samples, in order
  for (std::size_t m = 0; m < ok.size(); ++m) {
    for (std::size_t s = 0; s < coords[m].size(); ++s)
      if (stereo_violations(*graphs[m], coords[m][s]) > 0) wrong[m].push_back(s);
    if (!wrong[m].empty()) retry.push_back(m);
  }
  if (!retry.empty()) {
    std::vector<const MolGraph*> sub;
    for (auto m : retry) sub.push_back(graphs[m]);
    const PlainBatch retry_batch = make_plain_batch(sub);
    std::size_t left = retry.size();
    for (int k = 0; k < kStereoRetries && left > 0; ++k) {
      const int64_t id = engine_sample(options_.num_confs + k, options_.seed);
      const auto q = engine_.forward_samples(retry_batch, {id}).front();
      int64_t offset = 0;
      for (auto m : retry) {
        const int64_t at = offset;
        offset += graphs[m]->atoms;
        if (wrong[m].empty()) continue;
        auto x = rows_of(q, at, graphs[m]->atoms);
        if (wrong[m].front() > 0) prefer(m, x, id);  // it stands in for a sample after the first
        if (stereo_violations(*graphs[m], x) > 0) continue;
        coords[m][wrong[m].front()] = std::move(x);
        wrong[m].erase(wrong[m].begin());
        left -= wrong[m].empty();
      }
    }
  }
  for (auto& c : coords) prune_conformers(c, options_.prune_rms);
  for (std::size_t m = 0; m < ok.size(); ++m) {
    const std::size_t i = ok[m];
    auto& p = prepared[i - lo];
    try {
      auto mol = std::make_unique<RDKit::RWMol>(*p.heavy);
      for (const auto& x : coords[m]) {
        auto* conf = new RDKit::Conformer(mol->getNumAtoms());
        for (int64_t a = 0; a < p.graph.atoms; ++a)
          conf->setAtomPos(p.graph.heavy[a], RDGeom::Point3D(x(a, 0), x(a, 1), x(a, 2)));
        conf->set3D(true);
        const int id = static_cast<int>(mol->addConformer(conf, true));
        fix_handedness(*mol, id);
      }
      if (options_.add_hydrogens) RDKit::MolOps::addHs(*mol, false, /*addCoords=*/true);
      if (options_.refine == Refine::kMmff) {
        mmff_optimize_all(*mol);
        // Samples that were distinct can relax into the same minimum: prune again, so that the
        // threshold holds for what is written.
        prune_refined(*mol, p.graph, options_.prune_rms);
      }
      if (options_.sort_by_energy) sort_conformers_by_energy(*mol);
      for (auto c = mol->beginConformers(); c != mol->endConformers(); ++c) {
        Eigen::MatrixX3d x(mol->getNumAtoms(), 3);
        for (unsigned a = 0; a < mol->getNumAtoms(); ++a) {
          const auto& pos = (*c)->getAtomPos(a);
          x.row(a) << pos.x, pos.y, pos.z;
        }
        out[i].coordinates.push_back(std::move(x));
      }
      out[i].mol = std::move(mol);
    } catch (const std::exception& e) {
      out[i].error = "molecule '" + out[i].smiles + "': " + e.what();
    }
  }
}

}  // namespace noether::molecules
