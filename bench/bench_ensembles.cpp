// bench_ensembles: conformer ensembles against reference ensembles (issue 15), as the GeoMol and
// torsional-diffusion benchmarks measure them, for RDKit ETKDGv3, ETKDGv3 + MMFF94, noether and
// noether --refine mmff, with the same thread count in the same run.
//
//   build/bench/bench_ensembles --data-dir conformer-data --model models/conformer.pt
//       [--druglike bench/data/druglike.smi] [--per-group 100] [--confs 50] [--threads 2] [--json]
//       [--noether-only | --noether-refined] [--no-torsion-starts] [--no-torsion-library] [--temperature T] [--seed S]   (sampling experiments)
//       [--oversample F --select first|fps|butina [--select-radius R]]  (noether draws F times the
//       conformers and keeps --confs of them by the rule: see select_samples)
//       [--per-molecule FILE.csv]  (each molecule's scores by method, to see where one falls behind)
//
// Groups (every k-th molecule, k chosen so a group holds at most --per-group of them):
//   test-flexible   the test split's ETKDG+MMFF molecules; target: the split's conformer
//   test-fragments  the test split's Open Babel rigid fragments (half as many); target and only
//                   reference: the fragment's own coordinates
//   druglike        bench/data/druglike.smi (20-40 heavy atoms, never trained on); target: the
//                   lowest-MMFF-energy reference
// References: 50 ETKDGv3 + MMFF94 conformers per flexible or drug-like molecule (seed 42, the seed of
// the data set's targets), built once and kept in DATA_DIR/ensemble-references/GROUP.sdf.
// Each method makes --confs conformers per molecule (ETKDG seed 61453, noether seed 0). RMSD: heavy
// atoms, Kabsch-aligned, minimised over the heavy-atom graph's automorphisms.
// Per molecule: first-conformer RMSD to the target, best of 10 and of all; recall coverage
// COV-R(d) (fraction of references within d of some generated conformer) and AMR-R (mean over
// references of the nearest generated one), precision COV-P(d) and AMR-P (the same from the
// generated side), d = 0.75 and 1.25 Å. Tables: medians of the RMSDs, means of COV and AMR over
// molecules, and molecules per second (all --confs conformers of a molecule, with hydrogens).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <GraphMol/FileParsers/MolSupplier.h>
#include <GraphMol/FileParsers/MolWriters.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/Substruct/SubstructMatch.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "molecules/alignment.hpp"
#include "molecules/conform.hpp"
#include "molecules/dataset.hpp"
#include "molecules/io.hpp"
#include "molecules/mmff.hpp"
#include "molecules/molecule.hpp"

namespace nm = noether::molecules;
namespace fs = std::filesystem;
using nlohmann::json;
using Coords = std::vector<Eigen::MatrixX3d>;

namespace {

// One benchmark molecule: heavy atoms in the order parse_smiles gives them.
struct Item {
  std::string name, smiles;
  int heavy = 0;
  Eigen::MatrixX3d target;
  Coords references;
  std::vector<std::vector<int>> automorphisms;  // automorphisms[k][i]: the atom standing for atom i
};

Eigen::MatrixX3d heavy_coords(const RDKit::ROMol& mol, int conf_id) {
  const auto& conf = mol.getConformer(conf_id);
  std::vector<RDGeom::Point3D> rows;
  for (const auto* a : mol.atoms())
    if (a->getAtomicNum() > 1) rows.push_back(conf.getAtomPos(a->getIdx()));
  Eigen::MatrixX3d x(static_cast<Eigen::Index>(rows.size()), 3);
  for (std::size_t i = 0; i < rows.size(); ++i) x.row(static_cast<Eigen::Index>(i)) << rows[i].x, rows[i].y, rows[i].z;
  return x;
}

Coords all_heavy_coords(const RDKit::ROMol& mol) {
  Coords out;
  for (auto c = mol.beginConformers(); c != mol.endConformers(); ++c)
    out.push_back(heavy_coords(mol, static_cast<int>((*c)->getId())));
  return out;
}

// RMSD of a to b minimised over the automorphisms (a relabelled).
double best_rmsd(const Item& m, const Eigen::MatrixX3d& a, const Eigen::MatrixX3d& b) {
  double best = 1e30;
  Eigen::MatrixX3d p(a.rows(), 3);
  for (const auto& perm : m.automorphisms) {
    for (Eigen::Index i = 0; i < a.rows(); ++i) p.row(i) = a.row(perm[static_cast<std::size_t>(i)]);
    best = std::min(best, nm::kabsch_rmsd(p, b));
  }
  return best;
}

std::vector<std::vector<int>> automorphisms(const RDKit::ROMol& heavy) {
  RDKit::SubstructMatchParameters params;
  params.uniquify = false;
  params.maxMatches = 1000;
  std::vector<std::vector<int>> out;
  for (const auto& match : RDKit::SubstructMatch(heavy, heavy, params)) {
    std::vector<int> perm(heavy.getNumAtoms());
    for (const auto& [q, t] : match) perm[static_cast<std::size_t>(q)] = t;
    out.push_back(perm);
  }
  if (out.empty()) {
    out.emplace_back(heavy.getNumAtoms());
    std::iota(out[0].begin(), out[0].end(), 0);
  }
  return out;
}

// 50 ETKDGv3 + MMFF94 conformers (seed 42), lowest energy first, cached in `cache`.
void build_references(std::vector<Item>& items, const fs::path& cache, int count) {
  std::map<std::string, Coords> cached;
  if (fs::exists(cache)) {
    RDKit::SDMolSupplier in(cache.string(), true, false);
    while (!in.atEnd()) {
      std::unique_ptr<RDKit::ROMol> m(in.next());
      if (m) cached[m->getProp<std::string>("_Name")].push_back(heavy_coords(*m, -1));
    }
  }
  bool all = true;
  for (const auto& it : items) all = all && cached.count(it.name);
  if (all) {
    for (auto& it : items) it.references = cached[it.name];
    return;
  }
  std::fprintf(stderr, "bench_ensembles: building %d ETKDG+MMFF references for %zu molecules (once) -> %s\n",
               count, items.size(), cache.string().c_str());
  std::vector<std::string> blocks(items.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto mol = nm::parse_smiles(items[i].smiles);
    RDKit::MolOps::addHs(*mol);
    const auto ids = nm::embed_etkdg(*mol, count, 42, true);
    const auto energies = nm::mmff_energies(*mol);  // empty without MMFF94 parameters: ETKDG's order
    std::vector<std::pair<double, int>> order;
    for (std::size_t k = 0; k < ids.size(); ++k) order.emplace_back(energies.empty() ? 0.0 : energies[k], ids[k]);
    std::sort(order.begin(), order.end());
    std::unique_ptr<RDKit::RWMol> heavy(new RDKit::RWMol(*mol));
    RDKit::MolOps::removeHs(*heavy);
    heavy->setProp("_Name", items[i].name);
    std::ostringstream os;
    {
      RDKit::SDWriter w(&os, false);
      for (const auto& [energy, id] : order) {
        heavy->setProp("mmff_energy", energy);
        w.write(*heavy, id);
        items[i].references.push_back(heavy_coords(*mol, id));
      }
    }
    blocks[i] = os.str();
  }
  fs::create_directories(cache.parent_path());
  std::ofstream out(cache.string() + ".tmp");
  for (const auto& b : blocks) out << b;
  out.close();
  fs::rename(cache.string() + ".tmp", cache);
}

struct Scores {
  std::vector<double> first, best10, best_all, cov_r75, cov_r125, amr_r, cov_p75, cov_p125, amr_p;
  std::vector<std::size_t> item;  // the item each entry above scores
  double seconds = 0;
  int64_t molecules = 0, failures = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
double mean(const std::vector<double>& v) {
  return v.empty() ? std::nan("") : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Scores each molecule's generated conformers (empty: failed).
Scores score_all(const std::vector<Item>& items, const std::vector<Coords>& generated, double seconds) {
  const std::size_t n = items.size();
  struct Row {
    bool ok = false;
    double first, best10, best_all, cov_r75, cov_r125, amr_r, cov_p75, cov_p125, amr_p;
  };
  std::vector<Row> rows(n);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t i = 0; i < n; ++i) {
    const auto& m = items[i];
    const auto& g = generated[i];
    if (g.empty()) continue;
    Row r;
    r.ok = true;
    std::vector<double> to_target(g.size());
    for (std::size_t k = 0; k < g.size(); ++k) to_target[k] = best_rmsd(m, g[k], m.target);
    r.first = to_target[0];
    r.best10 = *std::min_element(to_target.begin(), to_target.begin() + std::min<std::size_t>(10, g.size()));
    r.best_all = *std::min_element(to_target.begin(), to_target.end());
    const auto& refs = m.references;
    Eigen::MatrixXd d(static_cast<Eigen::Index>(g.size()), static_cast<Eigen::Index>(refs.size()));
    for (std::size_t k = 0; k < g.size(); ++k)
      for (std::size_t j = 0; j < refs.size(); ++j)
        d(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = best_rmsd(m, g[k], refs[j]);
    const Eigen::VectorXd per_ref = d.colwise().minCoeff().transpose(), per_gen = d.rowwise().minCoeff();
    auto covered = [](const Eigen::VectorXd& v, double delta) { return (v.array() < delta).cast<double>().mean(); };
    r.cov_r75 = covered(per_ref, 0.75);
    r.cov_r125 = covered(per_ref, 1.25);
    r.amr_r = per_ref.mean();
    r.cov_p75 = covered(per_gen, 0.75);
    r.cov_p125 = covered(per_gen, 1.25);
    r.amr_p = per_gen.mean();
    rows[i] = r;
  }
  Scores s;
  s.seconds = seconds;
  for (const auto& r : rows) {
    if (!r.ok) {
      ++s.failures;
      continue;
    }
    ++s.molecules;
    s.item.push_back(static_cast<std::size_t>(&r - rows.data()));
    s.first.push_back(r.first), s.best10.push_back(r.best10), s.best_all.push_back(r.best_all);
    s.cov_r75.push_back(r.cov_r75), s.cov_r125.push_back(r.cov_r125), s.amr_r.push_back(r.amr_r);
    s.cov_p75.push_back(r.cov_p75), s.cov_p125.push_back(r.cov_p125), s.amr_p.push_back(r.amr_p);
  }
  return s;
}

json to_json(const Scores& s, std::size_t molecules) {
  return {{"rmsd_first_median", median(s.first)},  {"rmsd_best10_median", median(s.best10)},
          {"rmsd_best_all_median", median(s.best_all)}, {"coverage_recall_075", mean(s.cov_r75)},
          {"coverage_recall_125", mean(s.cov_r125)}, {"amr_recall", mean(s.amr_r)},
          {"coverage_precision_075", mean(s.cov_p75)}, {"coverage_precision_125", mean(s.cov_p125)},
          {"amr_precision", mean(s.amr_p)},        {"failures", s.failures},
          {"seconds", s.seconds},                  {"molecules_per_second", static_cast<double>(molecules) / s.seconds}};
}

/// Sampling experiment (--oversample F --select RULE): `keep` of the samples g (sample order),
/// in the order chosen. "first": the first ones; "fps": greedy farthest-point (each next sample the
/// one farthest, by plain Kabsch RMSD, from all chosen so far, starting from sample 0); "butina":
/// sample 0, then the centres of Butina clusters of `radius` Å by size, then the other samples in
/// sample order.
Coords select_samples(const Coords& g, std::size_t keep, const std::string& rule, double radius) {
  const std::size_t m = g.size();
  if (m <= keep || rule == "first") return Coords(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(std::min(keep, m)));
  std::vector<std::size_t> chosen;
  std::vector<bool> used(m, false);
  if (rule == "fps") {
    std::vector<double> nearest(m, std::numeric_limits<double>::infinity());
    for (std::size_t next = 0; chosen.size() < keep;) {
      used[next] = true;
      chosen.push_back(next);
      double farthest = -1.0;
      for (std::size_t k = 0; k < m; ++k) {
        if (used[k]) continue;
        nearest[k] = std::min(nearest[k], nm::kabsch_rmsd(g[k], g[chosen.back()]));
        if (nearest[k] > farthest) farthest = nearest[k], next = k;
      }
    }
  } else if (rule == "butina") {
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(m));
    for (std::size_t a = 0; a < m; ++a)
      for (std::size_t b = a + 1; b < m; ++b)
        d(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = d(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(a)) =
            nm::kabsch_rmsd(g[a], g[b]);
    std::vector<bool> clustered(m, false);
    auto centre = [&](std::size_t c) {
      chosen.push_back(c);
      used[c] = true;
      for (std::size_t k = 0; k < m; ++k) clustered[k] = clustered[k] || d(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(k)) < radius;
    };
    centre(0);
    while (chosen.size() < keep) {
      std::size_t best = m;
      int most = 0;
      for (std::size_t k = 0; k < m; ++k) {
        if (clustered[k]) continue;
        int members = 0;
        for (std::size_t j = 0; j < m; ++j) members += !clustered[j] && d(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) < radius;
        if (members > most) most = members, best = k;
      }
      if (best == m) break;
      centre(best);
    }
    for (std::size_t k = 0; k < m && chosen.size() < keep; ++k)
      if (!used[k]) chosen.push_back(k);
  } else {
    throw std::invalid_argument("--select: first, fps or butina, not '" + rule + "'");
  }
  Coords out;
  for (const auto k : chosen) out.push_back(g[k]);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "conformer-data", model, druglike = "bench/data/druglike.smi";
  std::size_t per_group = 100;
  int confs = 50, threads = 2;
  bool as_json = false, noether_only = false, noether_refined = false, torsion_starts = true,
       torsion_library = true;
  double temperature = -1;
  int64_t seed = 0;
  int oversample = 1;
  std::string select_rule = "first";
  double select_radius = 0.5;
  std::string per_molecule;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data-dir" && i + 1 < argc) data_dir = argv[++i];
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a == "--druglike" && i + 1 < argc) druglike = argv[++i];
    else if (a == "--per-group" && i + 1 < argc) per_group = std::stoul(argv[++i]);
    else if (a == "--confs" && i + 1 < argc) confs = std::stoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--json") as_json = true;
    else if (a == "--noether-only") noether_only = true;  // sampling experiments: the references are cached
    else if (a == "--noether-refined") noether_only = noether_refined = true;  // both noether rows only
    else if (a == "--no-torsion-starts") torsion_starts = false;
    else if (a == "--no-torsion-library") torsion_library = false;
    else if (a == "--seed" && i + 1 < argc) seed = std::stoll(argv[++i]);  // noether's samples after the first
    else if (a == "--temperature" && i + 1 < argc) temperature = std::stod(argv[++i]);
    else if (a == "--oversample" && i + 1 < argc) oversample = std::stoi(argv[++i]);
    else if (a == "--select" && i + 1 < argc) select_rule = argv[++i];
    else if (a == "--select-radius" && i + 1 < argc) select_radius = std::stod(argv[++i]);
    else if (a == "--per-molecule" && i + 1 < argc) per_molecule = argv[++i];
    else {
      std::cerr << "usage: bench_ensembles [--data-dir DIR] [--model FILE] [--druglike FILE.smi] [--per-group N] "
                   "[--confs K] [--threads T] [--json]\n";
      return 2;
    }
  }
  if (oversample < 1 || !(select_radius > 0.0)) {
    std::cerr << "bench_ensembles: --oversample must be at least 1 and --select-radius above 0\n";
    return 2;
  }
  if (confs < 10) {
    std::cerr << "bench_ensembles: --confs must be at least 10 (best of 10 is reported)\n";
    return 2;
  }
  omp_set_num_threads(threads);

  // The groups, every k-th molecule.
  auto every = [](std::size_t total, std::size_t cap) { return std::max<std::size_t>(1, (total + cap - 1) / cap); };
  auto make_item = [](const std::string& name, const std::string& smiles) {
    Item it;
    it.name = name;
    it.smiles = smiles;
    auto heavy = nm::parse_smiles(smiles);
    RDKit::MolOps::removeHs(*heavy);
    it.heavy = static_cast<int>(heavy->getNumAtoms());
    it.automorphisms = automorphisms(*heavy);
    return it;
  };
  std::map<std::string, std::vector<Item>> groups;
  {
    const auto test = nm::read_split(data_dir + "/test.sdf");
    std::vector<const nm::ConformerRecord*> flexible, fragments;
    for (const auto& r : test) (r.source == "openbabel-fragment" ? fragments : flexible).push_back(&r);
    auto add = [&](const std::string& group, const std::vector<const nm::ConformerRecord*>& records, std::size_t cap) {
      const std::size_t k = every(records.size(), cap);
      for (std::size_t i = 0; i < records.size(); i += k) {
        const auto& r = *records[i];
        Item it = make_item(r.name, r.smiles);
        // The split's target in parse_smiles' heavy-atom order (a chirality-aware match).
        auto heavy = nm::parse_smiles(r.smiles);
        RDKit::MolOps::removeHs(*heavy);
        RDKit::SubstructMatchParameters params;
        params.useChirality = true;
        params.maxMatches = 1;
        const auto match = RDKit::SubstructMatch(*heavy, *r.mol, params);
        if (match.empty()) continue;
        const auto t = heavy_coords(*r.mol, -1);
        it.target.resize(it.heavy, 3);
        for (const auto& [q, m] : match[0]) it.target.row(m) = t.row(q);
        groups[group].push_back(std::move(it));
      }
    };
    add("test-flexible", flexible, per_group);
    add("test-fragments", fragments, per_group / 2);
    for (auto& it : groups["test-fragments"]) it.references = {it.target};
    std::ifstream in(druglike);
    const auto lines = nm::read_smiles_lines(in, druglike);
    const std::size_t k = every(lines.size(), per_group);
    for (std::size_t i = 0; i < lines.size(); i += k) groups["druglike"].push_back(make_item(lines[i].name, lines[i].smiles));
  }
  for (const char* g : {"test-flexible", "druglike"})
    build_references(groups[g], fs::path(data_dir) / "ensemble-references" / (std::string(g) + ".sdf"), 50);
  for (auto& it : groups["druglike"]) it.target = it.references.at(0);

  json out{{"confs", confs}, {"threads", threads}};
  std::ostringstream per_molecule_rows;
  per_molecule_rows << "group,method,name,heavy_atoms,smiles,first,best10,cov_r75,cov_r125,amr_r,cov_p75,amr_p\n";
  for (auto& [group, items] : groups) {
    const std::size_t n = items.size();
    std::map<std::string, std::vector<Coords>> generated;
    std::map<std::string, double> seconds;
    // ETKDGv3, then the same conformers through MMFF94 (its time: embedding plus optimisation).
    std::vector<std::unique_ptr<RDKit::RWMol>> etkdg(n);
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t i = 0; i < n; ++i) {
      if (noether_only) continue;
      auto mol = nm::parse_smiles(items[i].smiles);
      RDKit::MolOps::addHs(*mol);
      nm::embed_etkdg(*mol, confs, 61453, false);
      etkdg[i] = std::move(mol);
    }
    seconds["etkdg"] = seconds_since(t0);
    if (!noether_only) {
      for (const auto& m : etkdg) generated["etkdg"].push_back(all_heavy_coords(*m));
      t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 1)
      for (std::size_t i = 0; i < n; ++i) nm::mmff_optimize_all(*etkdg[i]);  // as RDKit's MMFFOptimizeMoleculeConfs
      seconds["etkdg_mmff"] = seconds["etkdg"] + seconds_since(t0);
      for (const auto& m : etkdg) generated["etkdg_mmff"].push_back(all_heavy_coords(*m));
    }
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& it : items) inputs.emplace_back(it.smiles, it.name);
    for (const auto refine : {nm::Refine::kNone, nm::Refine::kMmff}) {
      if (noether_only && !noether_refined && refine == nm::Refine::kMmff) continue;
      nm::ConformOptions o;
      o.torsion_starts = torsion_starts;
      o.torsion_library = torsion_library;
      o.seed = seed;
      o.temperature = temperature;
      o.model = model;
      o.num_confs = confs * oversample;
      o.refine = refine;
      o.threads = threads;
      const nm::Conformer conformer(o);
      t0 = std::chrono::steady_clock::now();
      const auto results = conformer.conform_all(inputs);
      const std::string key = refine == nm::Refine::kNone ? "noether" : "noether_mmff";
      seconds[key] = seconds_since(t0);
      for (const auto& r : results)
        generated[key].push_back(r.mol ? select_samples(all_heavy_coords(*r.mol), static_cast<std::size_t>(confs),
                                                        select_rule, select_radius)
                                       : Coords{});
      seconds[key] = seconds_since(t0);
    }
    for (const auto& [method, g] : generated) {
      const Scores sc = score_all(items, g, seconds[method]);
      out["groups"][group][method] = to_json(sc, n);
      for (std::size_t k = 0; k < sc.item.size(); ++k) {
        const auto& it = items[sc.item[k]];
        per_molecule_rows << group << ',' << method << ',' << it.name << ',' << it.heavy << ',' << it.smiles << ','
                          << sc.first[k] << ',' << sc.best10[k] << ',' << sc.cov_r75[k] << ',' << sc.cov_r125[k] << ','
                          << sc.amr_r[k] << ',' << sc.cov_p75[k] << ',' << sc.amr_p[k] << '\n';
      }
    }
    out["groups"][group]["molecules"] = n;
  }
  if (!per_molecule.empty()) {
    std::ofstream f(per_molecule + ".tmp");
    f << per_molecule_rows.str();
    f.close();
    if (!f) {
      std::cerr << "bench_ensembles: could not write " << per_molecule << "\n";
      return 1;
    }
    fs::rename(per_molecule + ".tmp", per_molecule);
  }
  if (as_json) {
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::printf("%d conformers per molecule, %d threads; RMSD medians (Å), COV and AMR means over molecules\n", confs,
              threads);
  for (const auto& [group, methods] : out["groups"].items()) {
    std::printf("\n%s (%zu molecules)\n", group.c_str(), methods["molecules"].get<std::size_t>());
    std::printf("%-13s %6s %6s %6s | %6s %6s %6s | %6s %6s %6s | %8s\n", "method", "first", "best10", "best50",
                "COV-R.75", "1.25", "AMR-R", "COV-P.75", "1.25", "AMR-P", "mol/s");
    for (const char* m : {"etkdg", "etkdg_mmff", "noether", "noether_mmff"}) {
      if (!methods.contains(m)) continue;
      const auto& j = methods[m];
      std::printf("%-13s %6.3f %6.3f %6.3f | %8.3f %6.3f %6.3f | %8.3f %6.3f %6.3f | %8.1f\n", m,
                  j["rmsd_first_median"].get<double>(), j["rmsd_best10_median"].get<double>(),
                  j["rmsd_best_all_median"].get<double>(), j["coverage_recall_075"].get<double>(),
                  j["coverage_recall_125"].get<double>(), j["amr_recall"].get<double>(),
                  j["coverage_precision_075"].get<double>(), j["coverage_precision_125"].get<double>(),
                  j["amr_precision"].get<double>(), j["molecules_per_second"].get<double>());
    }
  }
  return 0;
}
