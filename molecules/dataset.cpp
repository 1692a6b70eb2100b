// molecules/dataset.cpp: SMILES lists -> ETKDG + MMFF targets, Open Babel fragments, scaffold
// split, SDF cache.
#include "molecules/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <unordered_set>

#include <GraphMol/GraphMol.h>  // before the helpers, which need the complete ROMol
#include <GraphMol/DistGeomHelpers/Embedder.h>
#include <GraphMol/FileParsers/MolSupplier.h>
#include <GraphMol/FileParsers/MolWriters.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/Substruct/SubstructMatch.h>
#include <omp.h>

#include "molecules/mmff.hpp"
#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "noether/progress.hpp"

namespace noether::molecules {

namespace fs = std::filesystem;

void DatasetOptions::validate() const {
  if (min_heavy_atoms < 2) throw InvalidInput("dataset: min_heavy_atoms must be at least 2");
  if (max_heavy_atoms < min_heavy_atoms) throw InvalidInput("dataset: max_heavy_atoms is below min_heavy_atoms");
  if (!(valid_fraction >= 0 && test_fraction > 0 && valid_fraction + test_fraction < 0.9))
    throw InvalidInput("dataset: fractions must satisfy 0 <= valid, 0 < test, valid + test < 0.9");
  if (limit < 0) throw InvalidInput("dataset: limit must be >= 0");
}

std::vector<std::string> default_sources() {
  std::vector<std::string> out;
  for (const char* p : {"/usr/share/RDKit/Data/NCI/first_5K.smi",
                        "/usr/share/RDKit/Contrib/fraggle/data/ChEMBL_11265_actives.smi",
                        "/usr/share/RDKit/Contrib/Fastcluster/cdk2.smi",
                        "/usr/share/RDKit/Projects/DbCLI/testData/bzr.smi"})
    if (fs::exists(p)) out.emplace_back(p);
  return out;
}

std::vector<int> embed_etkdg(RDKit::ROMol& mol, int count, unsigned seed, bool mmff) {
  auto params = RDKit::DGeomHelpers::ETKDGv3;
  params.randomSeed = static_cast<int>(seed);
  params.numThreads = 1;
  std::vector<int> ids;
  if (count == 1) {
    const int id = RDKit::DGeomHelpers::EmbedMolecule(mol, params);
    if (id >= 0) ids.push_back(id);
  } else {
    ids = RDKit::DGeomHelpers::EmbedMultipleConfs(mol, static_cast<unsigned>(count), params);
  }
  if (mmff) mmff_optimize_all(mol);  // the embedding cleared the molecule's conformers: ids are all of them
  return ids;
}

namespace {

struct Candidate {
  std::string name, smiles, source;
  std::unique_ptr<RDKit::RWMol> mol;  // heavy atoms, conformer when source is a fragment
};

int heavy_atoms(const RDKit::ROMol& m) {
  int n = 0;
  for (const auto* a : m.atoms()) n += a->getAtomicNum() > 1;
  return n;
}

bool known_elements(const RDKit::ROMol& m) {
  for (const auto* a : m.atoms())
    if (std::find(kElements.begin(), kElements.end(), a->getAtomicNum()) == kElements.end()) return false;
  return true;
}

std::vector<Candidate> read_smiles_file(const std::string& path, int64_t& failures) {
  std::ifstream in(path);
  if (!in) throw InvalidInput("cannot read SMILES list '" + path + "'");
  std::vector<Candidate> out;
  std::string line;
  int64_t row = 0;
  const std::string stem = fs::path(path).stem().string();
  while (std::getline(in, line)) {
    ++row;
    std::istringstream ls(line);
    std::string smi, name;
    ls >> smi >> name;
    if (smi.empty() || smi[0] == '#' || smi == "SMILES" || smi == "smiles") continue;
    try {
      Candidate c;
      c.mol = parse_smiles(smi);
      c.name = stem + ":" + (name.empty() ? std::to_string(row) : name);
      c.source = "etkdg-mmff";
      out.push_back(std::move(c));
    } catch (const InvalidInput&) {
      ++failures;
    }
  }
  return out;
}

// Open Babel's rigid-fragments.txt: a SMILES line, then one "Z x y z" line per heavy atom in the
// SMILES' atom order.
std::vector<Candidate> read_fragments(const std::string& path, int max_heavy, int64_t& failures) {
  std::ifstream in(path);
  if (!in) throw InvalidInput("cannot read Open Babel fragments '" + path + "'");
  std::vector<Candidate> out;
  std::string line, smi;
  std::vector<RDGeom::Point3D> coords;
  std::vector<int> numbers;
  int index = 0;
  auto flush = [&]() {
    if (smi.empty()) return;
    ++index;
    try {
      if (static_cast<int>(coords.size()) > max_heavy) throw InvalidInput("too large");
      auto mol = parse_smiles(smi);
      if (mol->getNumAtoms() != coords.size()) throw InvalidInput("atom count");
      auto* conf = new RDKit::Conformer(mol->getNumAtoms());
      for (unsigned i = 0; i < coords.size(); ++i) {
        if (mol->getAtomWithIdx(i)->getAtomicNum() != numbers[i]) {
          delete conf;
          throw InvalidInput("element order");
        }
        conf->setAtomPos(i, coords[i]);
      }
      conf->set3D(true);
      mol->addConformer(conf, true);
      Candidate c;
      c.mol = std::move(mol);
      c.name = "openbabel-fragment:" + std::to_string(index);
      c.source = "openbabel-fragment";
      out.push_back(std::move(c));
    } catch (const InvalidInput&) {
      ++failures;
    }
    smi.clear();
    coords.clear();
    numbers.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    int z = 0;
    double x = 0, y = 0, w = 0;
    if (std::isdigit(static_cast<unsigned char>(line[0])) && (ls >> z >> x >> y >> w)) {
      numbers.push_back(z);
      coords.emplace_back(x, y, w);
    } else {
      flush();
      smi = line.substr(0, line.find_first_of(" \t"));
    }
  }
  flush();
  return out;
}

std::string write_sdf(const std::vector<ConformerRecord>& records, const std::string& split) {
  std::ostringstream os;
  {
    RDKit::SDWriter w(&os, false);
    for (const auto& r : records) {
      RDKit::ROMol m(*r.mol);
      m.setProp("_Name", r.name);
      m.setProp("noether_split", split);
      m.setProp("noether_source", r.source);
      m.setProp("noether_smiles", r.smiles);
      w.write(m);
    }
    w.flush();
  }
  return os.str();
}

}  // namespace

// Automorphisms of the heavy-atom graph in canonical order (see ConformerRecord::symmetries).
torch::Tensor symmetries(const RDKit::ROMol& heavy, const MolGraph& g) {
  std::vector<int64_t> position(heavy.getNumAtoms(), -1);
  for (int64_t i = 0; i < g.atoms; ++i) position[g.heavy[static_cast<std::size_t>(i)]] = i;
  std::vector<std::vector<int64_t>> rows;
  rows.emplace_back(static_cast<std::size_t>(g.atoms));
  std::iota(rows[0].begin(), rows[0].end(), int64_t{0});
  RDKit::SubstructMatchParameters params;
  params.useChirality = true;
  params.uniquify = false;
  params.maxMatches = kMaxSymmetries;
  for (const auto& match : RDKit::SubstructMatch(heavy, heavy, params)) {
    std::vector<int64_t> row(static_cast<std::size_t>(g.atoms), -1);
    for (const auto& [query, image] : match)
      if (position[query] >= 0) row[static_cast<std::size_t>(position[query])] = position[image];
    if (std::find(row.begin(), row.end(), -1) == row.end() && std::find(rows.begin(), rows.end(), row) == rows.end() &&
        static_cast<int>(rows.size()) < kMaxSymmetries)
      rows.push_back(std::move(row));
  }
  auto out = torch::empty({static_cast<int64_t>(rows.size()), g.atoms}, torch::kLong);
  for (std::size_t k = 0; k < rows.size(); ++k) std::copy(rows[k].begin(), rows[k].end(), out[k].data_ptr<int64_t>());
  return out;
}

ConformerRecord make_record(std::unique_ptr<RDKit::RWMol> heavy, std::string name, std::string source) {
  ConformerRecord r;
  r.name = std::move(name);
  r.source = std::move(source);
  r.smiles = canonical_smiles(*heavy);
  r.graph = featurize(*heavy, r.name);
  r.target = heavy_coordinates(*heavy, r.graph);
  r.symmetries = symmetries(*heavy, r.graph);
  r.mol = std::shared_ptr<RDKit::ROMol>(heavy.release());
  return r;
}

std::vector<ConformerRecord> read_split(const std::string& path) {
  if (!fs::exists(path)) throw InvalidInput("no data split at '" + path + "'");
  RDKit::SDMolSupplier supplier(path, /*sanitize=*/true, /*removeHs=*/false);
  std::vector<ConformerRecord> out;
  while (!supplier.atEnd()) {
    std::unique_ptr<RDKit::ROMol> m(supplier.next());
    if (!m) throw InvalidInput("'" + path + "': unreadable record " + std::to_string(out.size() + 1));
    std::string name = m->getProp<std::string>("_Name"), source = "unknown", smiles;
    m->getPropIfPresent("noether_source", source);
    if (!m->getPropIfPresent("noether_smiles", smiles))
      throw InvalidInput("'" + path + "': record '" + name + "' has no noether_smiles property");
    // The molecule is rebuilt from its SMILES, exactly as `noether conform` will see it: an SDF
    // read with coordinates carries stereo perceived from 3-D (chiral tags, E/Z) that a SMILES
    // does not, and training on those features would not match inference.
    auto mol = parse_smiles(smiles);
    RDKit::MolOps::removeHs(*mol);
    // A chirality-aware match first: for a molecule with symmetry the plain first match may map
    // the coordinates through a symmetry that swaps a centre's neighbours, leaving targets whose
    // stereo contradicts the SMILES (about 1% of the records).
    RDKit::SubstructMatchParameters params;
    params.useChirality = true;
    params.maxMatches = 1;
    auto matches = RDKit::SubstructMatch(*m, *mol, params);
    if (matches.empty()) matches = RDKit::SubstructMatch(*m, *mol);
    if (matches.empty() || mol->getNumAtoms() != m->getNumAtoms())
      throw InvalidInput("'" + path + "': record '" + name + "' does not match its SMILES " + smiles);
    auto* conf = new RDKit::Conformer(mol->getNumAtoms());
    for (const auto& [qi, mi] : matches.front()) conf->setAtomPos(qi, m->getConformer().getAtomPos(mi));
    conf->set3D(true);
    mol->addConformer(conf, true);
    out.push_back(make_record(std::move(mol), name, source));
  }
  return out;
}

ConformerDataset load_or_build_dataset(const DatasetOptions& options, bool progress) {
  options.validate();
  const fs::path dir(options.cache_dir);
  const auto train_path = (dir / "train.sdf").string(), valid_path = (dir / "valid.sdf").string(),
             test_path = (dir / "test.sdf").string();
  ConformerDataset d;
  const nlohmann::json wanted = options;
  const auto record_path = (dir / "options.json").string();
  if (fs::exists(train_path) && fs::exists(valid_path) && fs::exists(test_path)) {
    // A cache built with other options would silently train on other molecules (issue 14).
    std::ifstream record(record_path);
    if (record) {
      nlohmann::json built;
      try {
        built = nlohmann::json::parse(record);
      } catch (const nlohmann::json::exception& e) {
        throw InvalidInput("data folder '" + dir.string() + "': unreadable options.json: " + e.what());
      }
      if (built != wanted) {
        std::string diff;
        for (const auto& [key, value] : wanted.items())
          if (!built.contains(key) || built.at(key) != value)
            diff += (diff.empty() ? "" : ", ") + key + " " + (built.contains(key) ? built.at(key).dump() : "?") +
                    " (now " + value.dump() + ")";
        throw InvalidInput("data folder '" + dir.string() + "' was built with other options: " + diff +
                           "; use another --data-dir or delete it to rebuild");
      }
    }
    d.train = read_split(train_path);
    d.valid = read_split(valid_path);
    d.test = read_split(test_path);
    std::ifstream meta((dir / "failures.txt").string());
    if (meta) meta >> d.failures;
    return d;
  }
  // The cache folder must be writable before a minute of building, not after (issue 14).
  {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
      throw InvalidInput("cannot create the data folder '" + dir.string() + "': " +
                         (ec ? ec.message() : std::string("a file of that name is in the way")));
  }

  // Gather, filter and de-duplicate by canonical SMILES (first occurrence wins).
  std::vector<Candidate> all;
  const auto files = options.smiles_files.empty() ? default_sources() : options.smiles_files;
  for (const auto& f : files)
    for (auto& c : read_smiles_file(f, d.failures)) all.push_back(std::move(c));
  std::string frag = options.fragments_file;
  if (frag.empty()) frag = "/usr/share/openbabel/3.1.1/rigid-fragments.txt";
  if (frag != "none" && fs::exists(frag))
    for (auto& c : read_fragments(frag, options.max_heavy_atoms, d.failures)) all.push_back(std::move(c));
  if (all.empty()) throw InvalidInput("dataset: no molecules in the sources");
  std::unordered_set<std::string> seen;
  std::vector<Candidate> kept;
  for (auto& c : all) {
    if (c.mol->getNumConformers() == 0) RDKit::MolOps::removeHs(*c.mol);
    const int n = heavy_atoms(*c.mol);
    if (n < options.min_heavy_atoms || n > options.max_heavy_atoms || !known_elements(*c.mol)) {
      ++d.failures;
      continue;
    }
    c.smiles = canonical_smiles(*c.mol);
    if (!seen.insert(c.smiles).second) continue;
    kept.push_back(std::move(c));
  }
  std::mt19937_64 rng(options.seed);
  if (options.limit > 0 && static_cast<int64_t>(kept.size()) > options.limit) {
    std::shuffle(kept.begin(), kept.end(), rng);
    kept.resize(static_cast<std::size_t>(options.limit));
  }

  // Targets: ETKDGv3 + MMFF94 with hydrogens, then the heavy atoms.
  std::vector<std::unique_ptr<RDKit::RWMol>> heavy(kept.size());
  std::atomic<long> done{0};
  Progress bar("embed", static_cast<long>(kept.size()), progress, 1);
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads)
  for (long i = 0; i < static_cast<long>(kept.size()); ++i) {
    auto& c = kept[i];
    try {
      if (c.mol->getNumConformers() > 0) {
        heavy[i] = std::make_unique<RDKit::RWMol>(*c.mol);
      } else {
        RDKit::RWMol h(*c.mol);
        RDKit::MolOps::addHs(h);
        if (!embed_etkdg(h, 1, options.seed, true).empty()) {
          RDKit::MolOps::removeHs(h);
          heavy[i] = std::make_unique<RDKit::RWMol>(h);
        }
      }
    } catch (const std::exception&) {
      heavy[i].reset();
    }
    const long n = ++done;
    if (omp_get_thread_num() == 0) bar.update(n);
  }
  bar.finish();

  // Scaffold split: scaffolds shuffled with the seed, the large ones (more than half the test
  // size) always in train, then validation and test filled from the rest.
  std::map<std::string, std::vector<std::size_t>> by_scaffold;
  std::vector<ConformerRecord> records;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (!heavy[i]) {
      ++d.failures;
      continue;
    }
    try {
      records.push_back(make_record(std::move(heavy[i]), kept[i].name, kept[i].source));
      const std::string scaffold = murcko_scaffold(*records.back().mol);
      by_scaffold[scaffold.empty() ? "acyclic:" + records.back().smiles : scaffold].push_back(records.size() - 1);
    } catch (const InvalidInput&) {
      ++d.failures;
    }
  }
  const auto total = static_cast<double>(records.size());
  const auto n_test = static_cast<std::size_t>(options.test_fraction * total);
  const auto n_valid = static_cast<std::size_t>(options.valid_fraction * total);
  std::vector<std::vector<std::size_t>> big, small;
  for (auto& [s, members] : by_scaffold) (members.size() > n_test / 2 ? big : small).push_back(members);
  std::shuffle(small.begin(), small.end(), rng);
  std::vector<int> split(records.size(), 0);
  std::size_t in_test = 0, in_valid = 0;
  for (const auto& group : small) {
    int where = 0;
    if (in_test + group.size() <= n_test) {
      where = 2;
      in_test += group.size();
    } else if (in_valid + group.size() <= n_valid) {
      where = 1;
      in_valid += group.size();
    }
    for (auto i : group) split[i] = where;
  }
  for (std::size_t i = 0; i < records.size(); ++i)
    (split[i] == 2 ? d.test : split[i] == 1 ? d.valid : d.train).push_back(records[i]);

  write_file_atomically(valid_path, [&](std::ostream& os) { os << write_sdf(d.valid, "valid"); });
  write_file_atomically(test_path, [&](std::ostream& os) { os << write_sdf(d.test, "test"); });
  write_file_atomically((dir / "failures.txt").string(), [&](std::ostream& os) { os << d.failures << "\n"; });
  write_file_atomically(train_path, [&](std::ostream& os) { os << write_sdf(d.train, "train"); });
  write_file_atomically(record_path, [&](std::ostream& os) { os << wanted.dump(2) << "\n"; });
  return d;
}

void attach_reference_ensembles(std::vector<ConformerRecord>& records, int count, unsigned seed,
                                const std::string& cache, int threads, bool progress) {
  if (count < 1) throw InvalidInput("reference ensembles: count must be at least 1");
  // The cache: per molecule a line "smiles conformers atoms", then conformers * atoms lines "x y z".
  std::map<std::string, std::vector<Eigen::MatrixX3d>> cached;
  if (std::ifstream in(cache); in) {
    std::string smiles;
    int64_t confs = 0, atoms = 0;
    while (in >> smiles >> confs >> atoms) {
      auto& list = cached[smiles];
      for (int64_t c = 0; c < confs; ++c) {
        Eigen::MatrixX3d x(atoms, 3);
        for (int64_t i = 0; i < atoms; ++i) in >> x(i, 0) >> x(i, 1) >> x(i, 2);
        list.push_back(std::move(x));
      }
    }
  }
  std::vector<std::size_t> wanted;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i].source == "etkdg-mmff") wanted.push_back(i);
  bool all = true;
  for (auto i : wanted) all = all && cached.count(records[i].smiles);
  if (!all) {
    Progress bar("reference ensembles", static_cast<long>(wanted.size()), progress, 1);
    std::atomic<long> done{0};
    std::vector<std::vector<Eigen::MatrixX3d>> built(wanted.size());
#pragma omp parallel for schedule(dynamic, 4) num_threads(std::max(1, threads))
    for (std::size_t w = 0; w < wanted.size(); ++w) {
      const auto& r = records[wanted[w]];
      try {
        RDKit::RWMol h(*r.mol);
        RDKit::MolOps::addHs(h);
        const auto ids = embed_etkdg(h, count, seed, true);  // hydrogens after the heavy atoms: graph order holds
        for (int id : ids) built[w].push_back(heavy_coordinates(h, r.graph, id));
      } catch (const std::exception&) {
      }
      const long finished = ++done;
      if (omp_get_thread_num() == 0) bar.update(finished);
    }
    bar.finish();
    for (std::size_t w = 0; w < wanted.size(); ++w) cached[records[wanted[w]].smiles] = std::move(built[w]);
    write_file_atomically(cache, [&](std::ostream& os) {
      os.precision(6);
      os << std::fixed;
      for (const auto& [smiles, list] : cached) {
        if (list.empty()) continue;
        os << smiles << ' ' << list.size() << ' ' << list.front().rows() << '\n';
        for (const auto& x : list)
          for (Eigen::Index i = 0; i < x.rows(); ++i) os << x(i, 0) << ' ' << x(i, 1) << ' ' << x(i, 2) << '\n';
      }
    });
  }
  for (auto i : wanted) {
    auto it = cached.find(records[i].smiles);
    if (it != cached.end()) records[i].ensemble = it->second;
  }
}

}  // namespace noether::molecules
