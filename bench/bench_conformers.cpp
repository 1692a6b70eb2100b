// bench_conformers: noether's conformation engine against RDKit ETKDGv3 on the held-out test
// split of the data set (`noether train-conformer` builds it).
//
//   build/bench/bench_conformers --data-dir conformer-data --model models/conformer.pt [--json]
//                                [--per-molecule rmsd.csv]   (each test molecule's first-conformer RMSDs)
//                                [--scaling scaling.csv]     (time per molecule against heavy atoms)
//                                [--scaling-extra bench/data/druglike.smi]  (more molecules for --scaling)
//                                [--noether-only] [--no-torsion-starts] [--no-torsion-library] [--temperature T]
//                                [--refine mmff]
//                                                            (the engine's accuracy alone, for sampling experiments)
//
// Metrics on heavy atoms, against the split's target geometry (ETKDGv3 + MMFF94, seed 42, or
// Open Babel's fragment coordinates):
//   RMSD      Kabsch RMSD minimised over the substructure matches of the target onto the
//             prediction (symmetry-aware, like RDKit's GetBestRMS); first conformer and best of 10
//   dist MSE  mean over heavy-atom pairs of (d_pred - d_target)^2, Å^2, averaged over molecules
//   <1 Å      fraction of molecules whose first-conformer RMSD is below 1 Å
//   mol/s     molecules per second from SMILES to a 3-D structure with hydrogens: for ETKDG parse,
//             add hydrogens, embed one conformer; for noether conform_all() (parse, engine,
//             hydrogens placed); with 1 and 2 threads (OpenMP over molecules for ETKDG; torch and
//             OpenMP threads for noether)
//   scaling   with --scaling: one thread, the test molecules in bins of 5 heavy atoms; per bin the
//             mean milliseconds per molecule of ETKDG (parse, hydrogens, one embedding) and of
//             noether (conform_all over the bin's molecules, as `conform -i` runs them), and their
//             ratio (issue 15: how the time grows with size for both)
// ETKDG runs with seed 61453, not the targets' 42, so it does not reproduce its own targets.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/Substruct/SubstructMatch.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "noether/allocator.hpp"
#include "noether/subnormals.hpp"
#include "molecules/alignment.hpp"
#include "molecules/conform.hpp"
#include "molecules/dataset.hpp"
#include "molecules/io.hpp"

namespace nm = noether::molecules;
using nlohmann::json;

namespace {

struct Score {
  double rmsd = 0, dist_mse = 0;
  bool ok = false;
};

Eigen::MatrixX3d coords(const RDKit::ROMol& m, int conf_id) {
  const auto& c = m.getConformer(conf_id);
  Eigen::MatrixX3d x(m.getNumAtoms(), 3);
  for (unsigned i = 0; i < m.getNumAtoms(); ++i) {
    const auto& p = c.getAtomPos(i);
    x.row(i) << p.x, p.y, p.z;
  }
  return x;
}

// Best RMSD and distance MSE over the symmetry-equivalent atom mappings, heavy atoms only.
Score score(const RDKit::ROMol& pred_with_hs, int conf_id, const RDKit::ROMol& target) {
  Score s;
  std::unique_ptr<RDKit::ROMol> pred(RDKit::MolOps::removeHs(pred_with_hs));
  RDKit::SubstructMatchParameters params;
  params.uniquify = false;
  params.maxMatches = 5000;
  const auto matches = RDKit::SubstructMatch(*pred, target, params);
  if (matches.empty()) return s;
  const auto xp = coords(*pred, conf_id), xt = coords(target, -1);
  const auto n = static_cast<Eigen::Index>(target.getNumAtoms());
  s.rmsd = 1e30;
  s.dist_mse = 1e30;
  for (const auto& match : matches) {
    Eigen::MatrixX3d a(n, 3);
    for (const auto& [qi, mi] : match) a.row(qi) = xp.row(mi);
    s.rmsd = std::min(s.rmsd, nm::kabsch_rmsd(a, xt));
    double d = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = i + 1; j < n; ++j) {
        const double e = (a.row(i) - a.row(j)).norm() - (xt.row(i) - xt.row(j)).norm();
        d += e * e;
      }
    s.dist_mse = std::min(s.dist_mse, n > 1 ? d / (n * (n - 1) / 2.0) : 0.0);
  }
  s.ok = true;
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

struct Summary {
  std::vector<double> first, best, dist;
  int64_t failures = 0;
  void add(double first_rmsd, double best_rmsd, double dist_mse) {
    first.push_back(first_rmsd);
    best.push_back(best_rmsd);
    dist.push_back(dist_mse);
  }
  json to_json() const {
    int64_t under = 0;
    for (double r : first) under += r < 1.0;
    return {{"rmsd_first_median", median(first)}, {"rmsd_first_mean", mean(first)},
            {"rmsd_best10_median", median(best)}, {"rmsd_best10_mean", mean(best)},
            {"distance_mse", mean(dist)},
            {"fraction_under_1a", first.empty() ? 0.0 : static_cast<double>(under) / first.size()},
            {"failures", failures}, {"molecules", first.size()}};
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  noether::flush_subnormals();   // as the noether program does (noether/subnormals.hpp)
  noether::keep_freed_memory();  // as the noether program does (noether/allocator.hpp)
  std::string data_dir = "conformer-data", model, per_molecule, scaling, scaling_extra;
  bool as_json = false, noether_only = false, torsion_starts = true, torsion_library = true;
  double temperature = -1;
  nm::Refine refine = nm::Refine::kNone;
  long limit = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data-dir" && i + 1 < argc) data_dir = argv[++i];
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a == "--limit" && i + 1 < argc) limit = std::stol(argv[++i]);
    else if (a == "--per-molecule" && i + 1 < argc) per_molecule = argv[++i];
    else if (a == "--scaling" && i + 1 < argc) scaling = argv[++i];
    else if (a == "--scaling-extra" && i + 1 < argc) scaling_extra = argv[++i];
    else if (a == "--json") as_json = true;
    else if (a == "--noether-only") noether_only = true;
    else if (a == "--no-torsion-starts") torsion_starts = false;
    else if (a == "--no-torsion-library") torsion_library = false;
    else if (a == "--refine" && i + 1 < argc) refine = nm::parse_refine(argv[++i]);
    else if (a == "--temperature" && i + 1 < argc) temperature = std::stod(argv[++i]);
    else {
      std::cerr << "usage: bench_conformers [--data-dir DIR] [--model FILE] [--limit N] [--per-molecule CSV] [--scaling CSV] [--json]\n";
      return 2;
    }
  }
  const unsigned seed = 61453;
  auto test = nm::read_split(data_dir + "/test.sdf");
  if (limit > 0 && static_cast<long>(test.size()) > limit) test.resize(static_cast<std::size_t>(limit));
  const long n = static_cast<long>(test.size());
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& r : test) inputs.emplace_back(r.smiles, r.name);

  // Accuracy: ETKDG, 10 conformers per molecule (the first is the seeded single conformer).
  Summary etkdg;
  std::vector<Score> first(n), best(n);
#pragma omp parallel for schedule(dynamic, 2)
  for (long i = 0; i < n; ++i) {
    if (noether_only) continue;
    try {
      auto m = nm::parse_smiles(test[i].smiles);
      RDKit::MolOps::addHs(*m);
      const auto ids = nm::embed_etkdg(*m, 10, seed, false);
      if (ids.empty()) continue;
      first[i] = score(*m, ids[0], *test[i].mol);
      best[i] = first[i];
      for (int id : ids) {
        const auto s = score(*m, id, *test[i].mol);
        if (s.ok && s.rmsd < best[i].rmsd) best[i].rmsd = s.rmsd;
      }
    } catch (const std::exception&) {
    }
  }
  std::map<std::string, Summary> etkdg_by, engine_by;
  for (long i = 0; i < n; ++i) {
    if (!first[i].ok) {
      ++etkdg.failures;
      ++etkdg_by[test[i].source].failures;
      continue;
    }
    for (Summary* s : {&etkdg, &etkdg_by[test[i].source]}) s->add(first[i].rmsd, best[i].rmsd, first[i].dist_mse);
  }

  // Accuracy: noether, 10 samples.
  nm::ConformOptions o;
  o.model = model;
  o.num_confs = 10;
  o.torsion_starts = torsion_starts;
  o.torsion_library = torsion_library;
  o.temperature = temperature;
  o.refine = refine;
  o.threads = noether_only ? 2 : 0;
  Summary engine;
  std::vector<double> engine_first(static_cast<std::size_t>(n), std::nan(""));
  {
    nm::Conformer c(o);
    const auto results = c.conform_all(inputs);
    for (long i = 0; i < n; ++i) {
      const auto& r = results[i];
      const auto s0 = r.error.empty() && r.mol ? score(*r.mol, 0, *test[i].mol) : Score{};
      if (!s0.ok) {
        ++engine.failures;
        ++engine_by[test[i].source].failures;
        continue;
      }
      double b = s0.rmsd;
      engine_first[static_cast<std::size_t>(i)] = s0.rmsd;
      for (int k = 1; k < o.num_confs; ++k) b = std::min(b, score(*r.mol, k, *test[i].mol).rmsd);
      for (Summary* s : {&engine, &engine_by[test[i].source]}) s->add(s0.rmsd, b, s0.dist_mse);
    }
  }

  if (!per_molecule.empty()) {
    std::ofstream csv(per_molecule);
    csv << "name,smiles,source,heavy_atoms,etkdg_rmsd_first,noether_rmsd_first\n";
    for (long i = 0; i < n; ++i)
      csv << test[i].name << ',' << test[i].smiles << ',' << test[i].source << ','
          << test[i].graph.atoms << ',' << (first[i].ok ? first[i].rmsd : std::nan("")) << ','
          << engine_first[static_cast<std::size_t>(i)] << '\n';
    if (!csv) {
      std::cerr << "bench_conformers: could not write " << per_molecule << "\n";
      return 1;
    }
  }

  // ETKDG's side of the speed figures: SMILES to one embedded conformer with hydrogens.
  auto etkdg_smiles = [&](const std::string& smiles) {
    try {
      auto m = nm::parse_smiles(smiles);
      RDKit::MolOps::addHs(*m);
      nm::embed_etkdg(*m, 1, seed, false);
    } catch (const std::exception&) {
    }
  };
  auto etkdg_one = [&](long i) { etkdg_smiles(test[i].smiles); };

  // Speed: one conformer per molecule, SMILES to 3-D with hydrogens.
  json speed;
  for (int threads : {1, 2}) {
    if (noether_only) break;
    omp_set_num_threads(threads);
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 2) num_threads(threads)
    for (long i = 0; i < n; ++i) etkdg_one(i);
    const double t_etkdg = seconds_since(t0);
    nm::ConformOptions one;
    one.model = model;
    one.threads = threads;
    nm::Conformer c(one);
    t0 = std::chrono::steady_clock::now();
    const auto results = c.conform_all(inputs);
    const double t_engine = seconds_since(t0);
    const std::string k = std::to_string(threads);
    speed["etkdg_molecules_per_second_" + k] = n / t_etkdg;
    speed["noether_molecules_per_second_" + k] = n / t_engine;
    speed["speedup_" + k] = t_etkdg / t_engine;
  }

  // Time per molecule against size, one thread.
  json scaling_rows = json::array();
  if (!scaling.empty()) {
    omp_set_num_threads(1);
    // The test molecules, and those of --scaling-extra (a SMILES file: drug-sized molecules).
    std::vector<std::pair<std::string, std::string>> pool = inputs;
    std::vector<int> heavy;
    for (const auto& r : test) heavy.push_back(static_cast<int>(r.graph.atoms));
    if (!scaling_extra.empty()) {
      std::ifstream in(scaling_extra);
      for (const auto& r : nm::read_smiles_lines(in, scaling_extra)) {
        auto m = nm::parse_smiles(r.smiles);
        RDKit::MolOps::removeHs(*m);
        pool.emplace_back(r.smiles, r.name);
        heavy.push_back(static_cast<int>(m->getNumAtoms()));
      }
    }
    std::map<int, std::vector<long>> bins;  // first heavy-atom count of the bin -> molecules
    for (std::size_t i = 0; i < pool.size(); ++i) bins[heavy[i] / 5 * 5].push_back(static_cast<long>(i));
    nm::ConformOptions one;
    one.model = model;
    one.threads = 1;
    nm::Conformer c(one);
    std::ofstream csv(scaling);
    csv << "heavy_atoms_from,heavy_atoms_to,molecules,etkdg_ms_per_molecule,noether_ms_per_molecule,ratio\n";
    for (const auto& [lo, members] : bins) {
      auto t0 = std::chrono::steady_clock::now();
      for (long i : members) etkdg_smiles(pool[static_cast<std::size_t>(i)].first);
      const double t_etkdg = seconds_since(t0);
      std::vector<std::pair<std::string, std::string>> bin_inputs;
      for (long i : members) bin_inputs.push_back(pool[static_cast<std::size_t>(i)]);
      t0 = std::chrono::steady_clock::now();
      (void)c.conform_all(bin_inputs);
      const double t_engine = seconds_since(t0);
      const double k = static_cast<double>(members.size());
      const json row{{"heavy_atoms_from", lo}, {"heavy_atoms_to", lo + 4}, {"molecules", members.size()},
                     {"etkdg_ms_per_molecule", 1e3 * t_etkdg / k}, {"noether_ms_per_molecule", 1e3 * t_engine / k},
                     {"ratio", t_etkdg / t_engine}};
      csv << lo << ',' << lo + 4 << ',' << members.size() << ',' << 1e3 * t_etkdg / k << ',' << 1e3 * t_engine / k
          << ',' << t_etkdg / t_engine << '\n';
      scaling_rows.push_back(row);
    }
    if (!csv) {
      std::cerr << "bench_conformers: could not write " << scaling << "\n";
      return 1;
    }
  }

  json by_source;
  for (const auto& [src, sm] : etkdg_by) by_source[src]["etkdg"] = sm.to_json();
  for (const auto& [src, sm] : engine_by) by_source[src]["noether"] = sm.to_json();
  const json out{{"molecules", n}, {"etkdg", etkdg.to_json()}, {"noether", engine.to_json()},
                 {"by_source", by_source}, {"speed", speed}, {"scaling", scaling_rows}};
  if (as_json) {
    std::cout << out.dump() << "\n";
    return 0;
  }
  auto row = [](const char* name, const json& j) {
    std::printf("%-8s  %8.3f  %8.3f  %8.3f  %8.3f  %9.3f  %6.3f  %4lld\n", name,
                j["rmsd_first_median"].get<double>(), j["rmsd_first_mean"].get<double>(),
                j["rmsd_best10_median"].get<double>(), j["rmsd_best10_mean"].get<double>(),
                j["distance_mse"].get<double>(), j["fraction_under_1a"].get<double>(),
                static_cast<long long>(j["failures"].get<int64_t>()));
  };
  std::printf("%ld test molecules (heavy-atom metrics, Å)\n", n);
  if (noether_only) {  // the engine's accuracy alone: sampling experiments
    row("noether", out["noether"]);
    for (const auto& [src, j] : by_source.items()) {
      std::printf("-- %s\n", src.c_str());
      row("noether", j["noether"]);
    }
    return 0;
  }
  std::printf("%-8s  %8s  %8s  %8s  %8s  %9s  %6s  %4s\n", "method", "rmsd1 md", "rmsd1 mu", "best10md",
              "best10mu", "dist MSE", "<1 Å", "fail");
  row("ETKDGv3", out["etkdg"]);
  row("noether", out["noether"]);
  for (const auto& [src, j] : by_source.items()) {
    std::printf("-- %s (%lld molecules)\n", src.c_str(),
                static_cast<long long>(j["etkdg"]["molecules"].get<int64_t>()));
    if (j.contains("etkdg")) row("ETKDGv3", j["etkdg"]);
    if (j.contains("noether")) row("noether", j["noether"]);
  }
  for (const auto& r : scaling_rows)
    std::printf("%2d-%2d heavy atoms (%3lld molecules): ETKDG %6.2f ms, noether %6.2f ms per molecule, ratio %.1fx\n",
                r["heavy_atoms_from"].get<int>(), r["heavy_atoms_to"].get<int>(),
                static_cast<long long>(r["molecules"].get<std::size_t>()), r["etkdg_ms_per_molecule"].get<double>(),
                r["noether_ms_per_molecule"].get<double>(), r["ratio"].get<double>());
  for (int t : {1, 2}) {
    const std::string k = std::to_string(t);
    std::printf("%d thread(s): ETKDG %.1f mol/s, noether %.1f mol/s, ratio %.1fx\n", t,
                speed["etkdg_molecules_per_second_" + k].get<double>(),
                speed["noether_molecules_per_second_" + k].get<double>(), speed["speedup_" + k].get<double>());
  }
  return 0;
}
