// The later steps of `noether demo`: learning a Hamiltonian, then a planetary system.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/commands.hpp"
#include "nbody/wisdom_holman.hpp"
#include "physics/evaluation.hpp"
#include "physics/training.hpp"

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
    c.kind = kind;
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

}  // namespace noether::apps
