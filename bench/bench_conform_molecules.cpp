// bench/bench_conform_molecules.cpp: the C++ side of noether.conform's timing (issue 19):
// Conformer::add_conformers over RDKit molecules with explicit hydrogens, in-process and warm,
// exactly the call the Python binding makes.
//
//   build/bench/bench_conform_molecules FILE.smi [--repeat 10] [--num-confs K] [--threads T] [--rounds 3]
//
// Prints molecules per second of each round after a warm-up round, and one line of JSON with the best.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "molecules/conform.hpp"
#include "molecules/molecule.hpp"
#include "noether/allocator.hpp"
#include "noether/subnormals.hpp"

int main(int argc, char** argv) {
  namespace nm = noether::molecules;
  noether::flush_subnormals();   // as the noether program does (noether/subnormals.hpp)
  noether::keep_freed_memory();  // as the Python module and the command line do
  if (argc < 2) {
    std::cerr << "usage: bench_conform_molecules FILE.smi [--repeat N] [--num-confs K] [--threads T] [--rounds R]\n";
    return 2;
  }
  int repeat = 10, confs = 1, threads = 1, rounds = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::stoi(argv[i + 1]);
    if (a == "--repeat") repeat = v;
    else if (a == "--num-confs") confs = v;
    else if (a == "--threads") threads = v;
    else if (a == "--rounds") rounds = v;
  }
  std::ifstream in(argv[1]);
  std::vector<std::unique_ptr<RDKit::RWMol>> once;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto m = nm::parse_smiles(line.substr(0, line.find_first_of(" \t")));
    RDKit::MolOps::addHs(*m);
    once.push_back(std::move(m));
  }
  // Distinct molecules, fresh for each round, as the Python benchmark hands over
  // `[Chem.Mol(m) for m in mols]`: the same 210 objects read ten times would stay in cache and
  // would be read by two threads at once.
  auto fresh = [&] {
    std::vector<std::unique_ptr<RDKit::ROMol>> copies;
    for (int k = 0; k < repeat; ++k)
      for (const auto& m : once) copies.push_back(std::make_unique<RDKit::ROMol>(*m));
    return copies;
  };
  nm::ConformOptions o;
  o.num_confs = confs;
  o.threads = threads;
  if (threads == 1) torch::set_num_threads(1);  // what noether.conform(threads=1) does for its call
  const nm::Conformer conformer(o);
  double best = 0.0;
  std::size_t count = 0;
  for (int r = 0; r <= rounds; ++r) {
    const auto copies = fresh();
    std::vector<RDKit::ROMol*> mols;
    for (const auto& m : copies) mols.push_back(m.get());
    count = mols.size();
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = conformer.add_conformers(mols);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = static_cast<double>(mols.size()) / s;
    std::cout << (r == 0 ? "warm-up" : "round " + std::to_string(r)) << ": " << mols.size() << " molecules in " << s
              << " s, " << rate << " mol/s\n";
    if (r > 0) best = std::max(best, rate);
  }
  std::cout << nlohmann::json{{"molecules", count}, {"num_confs", confs}, {"threads", threads},
                              {"molecules_per_second", best}}.dump()
            << std::endl;
  return 0;
}
