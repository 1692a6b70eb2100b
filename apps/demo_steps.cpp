// The later steps of `noether demo`: learning a Hamiltonian, then a planetary system.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/commands.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/config.hpp"
#include "noether/error.hpp"
#include "physics/learning/evaluation.hpp"
#include "physics/learning/training.hpp"

#if NOETHER_HAVE_RDKIT && NOETHER_HAVE_OPENBABEL
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>

#include "molecules/alignment.hpp"
#include "molecules/conform.hpp"
#include "molecules/dataset.hpp"
#include "molecules/io.hpp"
#endif

namespace noether::apps {

using nlohmann::json;

json demo_learning_step(bool quiet) {
  if (!quiet)
    std::cout << "[2] Learning the spring's Hamiltonian from noisy observations (the HNN paper's "
                 "data: 50 trajectories, half held out, noise 0.1),\n    1000 Adam steps each for a plain MLP "
                 "field (baseline) and an HNN, then 15 rollouts over t in [0, 20].\n\n";
  torch::set_num_threads(1);
  const physics::Spring spring;
  const auto data = physics::generate_dataset(spring, spring.protocol(), 0);
  json out = json::array();
  for (const char* kind : {"baseline", "hnn"}) {
    physics::ModelConfig c;
    c.kind = physics::parse_model_kind(kind);
    c.dof = 1;
    physics::TrainOptions o;
    o.steps = 1000;
    o.eval_every = 1000;
    o.progress = !quiet;
    auto run = physics::new_run(c, o, data);
    const auto s = physics::train(run, data, o);
    const auto e = physics::evaluate(*run.model, spring, data, physics::EvaluationOptions{});
    out.push_back({{"model", kind}, {"test_loss", e.test_loss}, {"energy_mse", e.energy_mse},
                   {"seconds_per_step", s.seconds_per_step}});
    if (!quiet)
      std::cout << "    " << std::left << std::setw(9) << kind << std::right << std::scientific
                << std::setprecision(2) << " test loss " << e.test_loss << ", energy MSE "
                << e.energy_mse << std::defaultfloat << "  (" << std::setprecision(3)
                << s.seconds_per_step * 1e3 << " ms per training step)\n";
  }
  if (!quiet)
    std::cout << "\n    Both fit the noisy derivatives equally well; only the HNN conserves a "
                 "learned energy, so its rollouts keep the true energy.\n\n";
  return out;
}

json demo_nbody_step(bool quiet) {
  const double years = 10000.0, dt = 10.0;
  const long steps = static_cast<long>(years * 365.25 / dt);
  if (!quiet)
    std::cout << "[3] The outer solar system (Sun + inner planets, Jupiter ... Pluto; Hairer, "
                 "Lubich & Wanner's data)\n    with Wisdom-Holman, dt = 10 days, "
              << static_cast<long>(years) << " years (" << steps << " steps):\n\n";
  json out = json::array();
  const auto sys = nbody::make_system("outer-solar-system");
  const double e0 = nbody::energy(sys);
  for (int corrector : {0, 11}) {
    nbody::WisdomHolmanOptions o;
    o.dt = dt;
    o.corrector = corrector;
    nbody::WisdomHolman wh(sys, o);
    const auto start = std::chrono::steady_clock::now();
    double worst = 0.0;
    const long chunk = steps / 100;
    for (long done = 0; done < steps; done += chunk) {
      wh.integrate(std::min(chunk, steps - done));
      worst = std::max(worst, std::abs((nbody::energy(wh.state()) - e0) / e0));
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.push_back({{"corrector", corrector}, {"max_rel_energy_error", worst}, {"steps", steps},
                   {"wall_seconds", secs}});
    if (!quiet)
      std::cout << "    corrector " << std::setw(2) << corrector << ": max |dE/E| " << std::scientific
                << std::setprecision(2) << worst << std::defaultfloat << " in " << std::setprecision(3)
                << secs << " s (" << std::setprecision(3) << secs / steps * 1e9 << " ns per step)\n";
  }
  if (!quiet) std::cout << "\n";
  return out;
}

#if NOETHER_HAVE_RDKIT && NOETHER_HAVE_OPENBABEL
json demo_molecules_step(bool quiet) {
  const std::vector<std::pair<std::string, std::string>> inputs{
      {"CC(=O)Oc1ccccc1C(=O)O", "aspirin"},
      {"CC(=O)Nc1ccc(O)cc1", "paracetamol"},
      {"Cn1cnc2c1c(=O)n(C)c(=O)n2C", "caffeine"},
      {"CC(C)Cc1ccc(cc1)C(C)C(=O)O", "ibuprofen"}};
  if (!quiet)
    std::cout << "[4] Molecules from SMILES with the shipped conformation engine (hydrogens placed), "
                 "compared\n    with RDKit ETKDGv3 + MMFF94 (heavy-atom Kabsch RMSD); written to "
                 "demo-molecules.sdf.\n\n";
  json out = json::array();
  molecules::Conformer engine;
  const auto start = std::chrono::steady_clock::now();
  const auto results = engine.conform_all(inputs);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<molecules::OutputRecord> records;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (!r.error.empty()) throw InternalError(r.error);
    records.push_back({r.mol.get(), -1, r.name});
    // Reference: ETKDGv3 + MMFF94 on the same SMILES (same heavy-atom order).
    auto ref = molecules::parse_smiles(r.smiles);
    RDKit::MolOps::addHs(*ref);
    double rmsd = -1;
    if (!molecules::embed_etkdg(*ref, 1, 42, true).empty()) {
      const unsigned heavy = ref->getNumHeavyAtoms();
      Eigen::MatrixX3d a(heavy, 3), b(heavy, 3);
      for (unsigned k = 0; k < heavy; ++k) {
        const auto p = r.mol->getConformer().getAtomPos(k), q = ref->getConformer().getAtomPos(k);
        a.row(k) << p.x, p.y, p.z;
        b.row(k) << q.x, q.y, q.z;
      }
      rmsd = molecules::kabsch_rmsd(a, b);
    }
    out.push_back({{"name", r.name}, {"atoms", r.mol->getNumAtoms()}, {"rmsd_to_etkdg_mmff", rmsd}});
    if (!quiet)
      std::cout << "    " << std::left << std::setw(12) << r.name << std::right << std::setw(3)
                << r.mol->getNumAtoms() << " atoms, RMSD to ETKDG+MMFF " << std::fixed << std::setprecision(2)
                << rmsd << " A\n" << std::defaultfloat;
  }
  molecules::write_molecules("demo-molecules.sdf", records);
  if (!quiet)
    std::cout << "\n    " << results.size() << " molecules in " << std::setprecision(3) << secs * 1e3
              << " ms. More: `noether conform --help`, docs/benchmarks.md.\n\n";
  return out;
}
#else
json demo_molecules_step(bool quiet) {
  if (!quiet) std::cout << "[4] Molecules: this build has no RDKit / Open Babel.\n\n";
  return json::array();
}
#endif

}  // namespace noether::apps
