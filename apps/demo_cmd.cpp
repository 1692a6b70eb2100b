// apps/demo_cmd.cpp: `noether demo`, a tour in under a minute: integrators on the Kepler problem,
// then learning a Hamiltonian, a planetary system and molecules (--quick: the first step only).
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/format.hpp"
#include "apps/options.hpp"
#include "apps/registry.hpp"
#include "apps/run.hpp"
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
using physics::Vector;

namespace {

struct DemoArgs {
  bool json = false;
  long steps = 200000;  ///< Kepler steps per scheme
  bool quick = false;   ///< the first step (integrators) only
  std::string molecules_out = "demo-molecules.sdf";
};

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
  const auto sys = nbody::make_planetary_system("outer-solar-system");
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
      if (const auto r = wh.integrate(std::min(chunk, steps - done)); !r.ok()) throw NumericalError(r.message);
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
json demo_molecules_step(bool quiet, const std::string& output) {
  const std::vector<std::pair<std::string, std::string>> inputs{
      {"CC(=O)Oc1ccccc1C(=O)O", "aspirin"},
      {"CC(=O)Nc1ccc(O)cc1", "paracetamol"},
      {"Cn1cnc2c1c(=O)n(C)c(=O)n2C", "caffeine"},
      {"CC(C)Cc1ccc(cc1)C(C)C(=O)O", "ibuprofen"}};
  if (!quiet)
    std::cout << "[4] Molecules from SMILES with the shipped conformation engine (hydrogens placed), "
                 "compared\n    with RDKit ETKDGv3 + MMFF94 (heavy-atom Kabsch RMSD); written to "
              << output << ".\n\n";
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
  molecules::write_molecules(output, records);
  if (!quiet)
    std::cout << "\n    " << results.size() << " molecules in " << std::setprecision(3) << secs * 1e3
              << " ms. More: `noether conform --help`, docs/benchmarks.md.\n\n";
  return out;
}
#else
json demo_molecules_step(bool quiet, const std::string& /*output*/) {
  if (!quiet) std::cout << "[4] Molecules: this build has no RDKit / Open Babel.\n\n";
  return json::array();
}
#endif

int demo_command(const DemoArgs& a) {
  if (a.steps < 100) throw InvalidInput("--steps " + std::to_string(a.steps) + ": must be >= 100");
  const std::vector<std::string> schemes{"leapfrog", "rk4"};
  const int checkpoints = 10;
  RunOptions o;
  o.system = "kepler";
  o.dt = 0.05;
  o.steps = a.steps;
  o.every = 1;  // the sampler sees every step and keeps the worst error of each window
  const long stride = std::max(1L, a.steps / checkpoints);
  std::vector<RunSummary> summaries;
  std::vector<std::vector<std::pair<double, double>>> series(schemes.size());
  const auto kepler = physics::make_system(o.system);
  const double e0 = kepler->energy_at(kepler->default_state());
  if (!a.json)
    std::cout << "noether demo: a tour of what noether does today\n\n"
              << "[1] The Kepler problem (eccentricity 0.5, period 2 pi), " << o.steps
              << " steps of dt = " << o.dt << " (" << static_cast<long>(o.steps * o.dt / (2 * M_PI))
              << " orbits),\n    with a symplectic scheme (leapfrog, order 2) and a non-symplectic "
                 "one (RK4, order 4).\n\n";
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    o.integrator = schemes[k];
    double window_max = 0.0;
    summaries.push_back(run_integration(o, [&](long step, double t, const Vector&, double e) {
      window_max = std::max(window_max, std::abs(e - e0) / std::abs(e0));
      if (step > 0 && step % stride == 0) {
        series[k].emplace_back(t, window_max);
        window_max = 0.0;
      }
    }));
  }
  if (a.json) {
    json j{{"demo", "tour"}, {"runs", json::array()}};
    for (const auto& s : summaries) j["runs"].push_back(s);
    if (!a.quick) {
      j["learning"] = demo_learning_step(true);
      j["nbody"] = demo_nbody_step(true);
      j["molecules"] = demo_molecules_step(true, a.molecules_out);
    }
    std::cout << j.dump() << std::endl;
    return 0;
  }
  std::cout << "    max |E - E0|/|E0| in each window\n    " << std::setw(12) << "up to t";
  for (const auto& s : schemes) std::cout << std::setw(14) << s;
  std::cout << "\n";
  for (std::size_t r = 0; r < series[0].size(); ++r) {
    std::cout << "    " << std::setw(12) << std::fixed << std::setprecision(0) << series[0][r].first;
    for (std::size_t k = 0; k < schemes.size(); ++k) std::cout << std::setw(14) << sci(series[k][r].second, 2);
    std::cout << "\n";
  }
  std::cout.unsetf(std::ios::fixed);
  const auto& lf = series[0];
  const auto& rk = series[1];
  std::cout << "\n    leapfrog: the error oscillates but stays bounded (first window "
            << sci(lf.front().second, 2) << ", last " << sci(lf.back().second, 2) << ").\n"
            << "    rk4:      the error grows with time (first window " << sci(rk.front().second, 2)
            << ", last " << sci(rk.back().second, 2) << ", x"
            << std::setprecision(3) << rk.back().second / rk.front().second << ").\n"
            << "    Time: leapfrog " << std::setprecision(3) << summaries[0].wall_seconds << " s, rk4 "
            << summaries[1].wall_seconds << " s.\n\n";
  if (!a.quick) {
    demo_learning_step(false);
    demo_nbody_step(false);
    demo_molecules_step(false, a.molecules_out);
  }
  std::cout << "Next: `noether integrate --help`, `noether train --help`, `noether simulate --help`, `noether conform --help`.\n";
  return 0;
}

}  // namespace

void add_demo_commands(CLI::App& app, Commands& out) {
  auto demo = std::make_shared<DemoArgs>();
  auto* c = add_command(app, out, "demo",
                        "a tour in under a minute: integrators, learning a Hamiltonian, a planetary system", demo,
                        demo_command);
  c->add_option("--steps", demo->steps, "steps per scheme")->check(at_least(1))->capture_default_str();
  c->add_flag("--json", demo->json, "print one line of JSON");
  c->add_flag("--quick", demo->quick, "only the first step (integrators)");
  c->add_option("--molecules-out", demo->molecules_out, "where the molecules step writes its conformers")
      ->check(writable_file())
      ->capture_default_str();
}

}  // namespace noether::apps
