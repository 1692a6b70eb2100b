#include "apps/commands.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/format.hpp"
#include "noether/atomic_file.hpp"
#include "noether/error.hpp"

namespace noether::apps {

using nlohmann::json;
using physics::Vector;

// apps/demo_steps.cpp
json demo_learning_step(bool quiet);
json demo_nbody_step(bool quiet);
json demo_molecules_step(bool quiet);

namespace {

json summary_json(const RunSummary& s) {
  return json{{"system", s.system},
              {"integrator", s.integrator},
              {"dt", s.dt},
              {"steps", s.steps},
              {"t_final", s.t_final},
              {"energy_initial", s.energy_initial},
              {"energy_final", s.energy_final},
              {"final_rel_energy_error", s.final_rel_energy_error},
              {"max_rel_energy_error", s.max_rel_energy_error},
              {"evaluations", s.evaluations},
              {"wall_seconds", s.wall_seconds},
              {"steps_per_second", s.wall_seconds > 0 ? s.steps / s.wall_seconds : 0.0},
              {"status", s.ok ? "success" : "failed"},
              {"message", s.message}};
}

}  // namespace

int integrate_command(const IntegrateArgs& a) {
  RunOptions o = a.run;
  o.validate();
  o.every = a.every > 0 ? a.every : std::max(1L, o.steps / 10000);
  o.progress = !a.quiet && !a.json;
  const auto system = physics::make_system(o.system);  // validates the name up front
  const int d = system->dof();

  std::vector<double> rows;  // t, y..., energy, rel error
  const double e0 = system->energy_at(system->default_state());
  const double scale = e0 != 0.0 ? std::abs(e0) : 1.0;
  Sampler sample;
  if (!a.no_csv) {
    sample = [&](long, double t, const Vector& y, double e) {
      rows.push_back(t);
      for (Eigen::Index i = 0; i < y.size(); ++i) rows.push_back(y[i]);
      rows.push_back(e);
      rows.push_back(std::abs(e - e0) / scale);
    };
  }
  const RunSummary s = run_integration(o, sample);

  if (!a.no_csv) {
    const std::size_t width = static_cast<std::size_t>(2 * d + 3);
    write_file_atomically(a.output, [&](std::ostream& os) {
      os << "t";
      for (int i = 0; i < d; ++i) os << ",q" << i;
      for (int i = 0; i < d; ++i) os << ",p" << i;
      os << ",energy,rel_energy_error\n" << std::setprecision(17);
      for (std::size_t r = 0; r < rows.size(); r += width) {
        for (std::size_t c = 0; c < width; ++c) os << (c ? "," : "") << rows[r + c];
        os << '\n';
      }
    });
  }

  if (a.json) {
    json j = summary_json(s);
    j["output"] = a.no_csv ? "" : a.output;
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << s.system << " with " << s.integrator << ": " << s.steps << " steps of dt = " << s.dt
              << " to t = " << s.t_final << " in " << std::setprecision(3) << s.wall_seconds
              << " s (" << sci(s.wall_seconds > 0 ? s.steps / s.wall_seconds : 0.0, 2)
              << " steps/s)\n"
              << "  energy: E(0) = " << std::setprecision(10) << s.energy_initial
              << ", relative error final " << sci(s.final_rel_energy_error) << ", max "
              << sci(s.max_rel_energy_error) << "\n";
    if (!a.no_csv) std::cout << "  trajectory: " << a.output << " (" << rows.size() / (2 * d + 3) << " rows)\n";
  }
  if (!s.ok) {
    std::cerr << "noether: error: " << s.system << " with " << s.integrator << ": " << s.message << "\n";
    return 1;
  }
  return 0;
}

int systems_command(bool as_json) {
  json list = json::array();
  for (const auto& name : physics::system_names()) {
    const auto sys = physics::make_system(name);
    list.push_back({{"name", name},
                    {"dof", sys->dof()},
                    {"separable", sys->separable()},
                    {"conservative", sys->conservative()},
                    {"description", sys->description()}});
  }
  if (as_json) {
    std::cout << json{{"systems", list}}.dump() << std::endl;
    return 0;
  }
  std::cout << std::left << std::setw(17) << "name" << std::setw(5) << "dof" << std::setw(11)
            << "separable" << "description\n";
  for (const auto& s : list)
    std::cout << std::setw(17) << s["name"].get<std::string>() << std::setw(5) << s["dof"].get<int>()
              << std::setw(11) << (s["separable"].get<bool>() ? "yes" : "no")
              << s["description"].get<std::string>() << "\n";
  return 0;
}

int integrators_command(bool as_json) {
  json list = json::array();
  for (const auto& i : integrators::schemes())
    list.push_back({{"name", i.name},
                    {"order", i.order},
                    {"symplectic", i.symplectic},
                    {"separable_only", i.separable_only},
                    {"evaluations_per_step", i.evaluations},
                    {"description", i.description}});
  if (as_json) {
    std::cout << json{{"integrators", list}}.dump() << std::endl;
    return 0;
  }
  std::cout << std::left << std::setw(19) << "name" << std::setw(7) << "order" << std::setw(12)
            << "symplectic" << std::setw(11) << "separable" << std::setw(22) << "evals/step"
            << "description\n";
  for (const auto& i : integrators::schemes())
    std::cout << std::setw(19) << i.name << std::setw(7) << i.order << std::setw(12)
              << (i.symplectic ? "yes" : "no") << std::setw(11) << (i.separable_only ? "needed" : "any")
              << std::setw(22) << i.evaluations << i.description << "\n";
  return 0;
}

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
    for (const auto& s : summaries) j["runs"].push_back(summary_json(s));
    if (a.full) {
      j["learning"] = demo_learning_step(true);
      j["nbody"] = demo_nbody_step(true);
      j["molecules"] = demo_molecules_step(true);
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
  if (a.full) {
    demo_learning_step(false);
    demo_nbody_step(false);
    demo_molecules_step(false);
  }
  std::cout << "Next: `noether integrate --help`, `noether train --help`, `noether simulate --help`, `noether conform --help`.\n";
  return 0;
}

}  // namespace noether::apps
