// etkdg_conform: the anchor of `noether conform`'s end-to-end timing (issue 15). What an RDKit
// user runs for the same job: a SMILES file in, ETKDGv3 conformers with hydrogens, an SD file
// out, molecules spread over threads. Linked against RDKit only (no LibTorch), so its start-up is
// RDKit's.
//
//   build/bench/etkdg_conform FILE.smi OUT.sdf [--threads T] [--num-confs K] [--mmff] [--seed S]
#include <omp.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <GraphMol/DistGeomHelpers/Embedder.h>
#include <GraphMol/FileParsers/MolWriters.h>
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: etkdg_conform FILE.smi OUT.sdf [--threads T] [--num-confs K] [--mmff] [--seed S]\n";
    return 2;
  }
  int threads = 1, confs = 1, seed = 61453;
  bool mmff = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--num-confs" && i + 1 < argc) confs = std::stoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = std::stoi(argv[++i]);
    else if (a == "--mmff") mmff = true;
    else {
      std::cerr << "etkdg_conform: unknown argument " << a << "\n";
      return 2;
    }
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "etkdg_conform: cannot read " << argv[1] << "\n";
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> records;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string smiles, name;
    if (!(words >> smiles) || smiles[0] == '#') continue;
    words >> name;
    records.emplace_back(smiles, name);
  }
  const auto n = static_cast<long>(records.size());
  std::vector<std::string> blocks(records.size());
  long failures = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : failures)
  for (long i = 0; i < n; ++i) {
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(records[i].first));
    if (!mol) {
      ++failures;
      continue;
    }
    RDKit::MolOps::addHs(*mol);
    auto params = RDKit::DGeomHelpers::ETKDGv3;
    params.randomSeed = seed;
    params.numThreads = 1;
    const auto ids = RDKit::DGeomHelpers::EmbedMultipleConfs(*mol, static_cast<unsigned>(confs), params);
    if (ids.empty()) {
      ++failures;
      continue;
    }
    if (mmff) {
      std::vector<std::pair<int, double>> result;
      RDKit::MMFF::MMFFOptimizeMoleculeConfs(*mol, result, 1);
    }
    mol->setProp("_Name", records[i].second);
    std::ostringstream os;
    {
      RDKit::SDWriter w(&os, false);
      for (int id : ids) w.write(*mol, id);
    }
    blocks[static_cast<std::size_t>(i)] = os.str();
  }
  const std::string tmp = std::string(argv[2]) + ".tmp";
  {
    std::ofstream out(tmp);
    for (const auto& b : blocks) out << b;
    if (!out) {
      std::cerr << "etkdg_conform: cannot write " << argv[2] << "\n";
      return 1;
    }
  }
  std::rename(tmp.c_str(), argv[2]);
  std::cerr << "etkdg_conform: " << n - failures << " molecules, " << failures << " failed\n";
  return failures > 0 ? 1 : 0;
}
