// apps/integrate_cmd.cpp: the analytic systems from the command line.
//
//   noether integrate --system kepler --integrator leapfrog --dt 0.01 --steps 100000 --json
//   noether systems --json
//   noether integrators --json
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/options.hpp"
#include "apps/format.hpp"
#include "apps/registry.hpp"
#include "apps/run.hpp"
#include "integrators/registry.hpp"
#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "physics/systems/systems.hpp"

namespace noether::apps {

using nlohmann::json;
using physics::Vector;

namespace {

struct IntegrateArgs {
  RunOptions run;
  int links = 0;  ///< --links N: chain-pendulum-N
  std::string output = "trajectory.csv";
  bool no_csv = false;
  long every = 0;  ///< 0: about 10^4 rows at most
  bool json = false;
  bool quiet = false;
};

struct ListArgs {
  bool json = false;
};

int integrate_command(const IntegrateArgs& a) {
  RunOptions o = a.run;
  o.system = system_with_links(o.system, a.links);
  o.validate();
  o.every = a.every > 0 ? a.every : std::max(1L, o.steps / 10000);
  o.progress = !a.quiet && !a.json;
  const auto system = physics::make_system(o.system);  // validates the name up front
  const int d = system->dof(), width = system->state_dim();

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

  // All or nothing: a failed run leaves whatever was at --output as it was.
  const bool write = !a.no_csv && s.ok;
  if (write) {
    const std::size_t row = static_cast<std::size_t>(width + 3);
    write_file_atomically(a.output, [&](std::ostream& os) {
      os << "t";
      for (int i = 0; i < d; ++i) os << ",q" << i;
      for (int i = 0; i < d; ++i) os << ",p" << i;
      if (!system->canonical())
        for (int i = 0; i < width; ++i) os << ",x" << i;
      os << ",energy,rel_energy_error\n" << std::setprecision(17);
      for (std::size_t r = 0; r < rows.size(); r += row) {
        for (std::size_t c = 0; c < row; ++c) os << (c ? "," : "") << rows[r + c];
        os << '\n';
      }
    });
  }

  if (a.json) {
    json j = s;
    j["output"] = write ? a.output : "";
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << s.system << " with " << s.integrator << ": " << s.steps << " steps of dt = " << s.dt
              << " to t = " << s.t_final << " in " << std::setprecision(3) << s.wall_seconds
              << " s (" << sci(s.wall_seconds > 0 ? s.steps / s.wall_seconds : 0.0, 2)
              << " steps/s)\n"
              << "  energy: E(0) = " << std::setprecision(10) << s.energy_initial
              << ", relative error final " << sci(s.final_rel_energy_error) << ", max "
              << sci(s.max_rel_energy_error) << "\n";
    if (s.constraint_drift >= 0.0) std::cout << "  constraints: largest violation " << sci(s.constraint_drift) << "\n";
    if (write) std::cout << "  trajectory: " << a.output << " (" << rows.size() / static_cast<std::size_t>(width + 3) << " rows)\n";
  }
  if (!s.ok) {
    std::cerr << "noether: error: " << s.system << " with " << s.integrator << ": " << s.message
              << (a.no_csv ? "" : "; nothing written to '" + a.output + "'") << "\n";
    return 1;
  }
  return 0;
}

int systems_command(const ListArgs& a) {
  json list = json::array();
  for (const auto& name : physics::system_names()) {
    const auto sys = physics::make_system(name);
    list.push_back({{"name", name},
                    {"dof", sys->dof()},
                    {"state_dim", sys->state_dim()},
                    {"canonical", sys->canonical()},
                    {"separable", sys->separable()},
                    {"conservative", sys->conservative()},
                    {"description", sys->description()}});
  }
  if (a.json) {
    std::cout << json{{"systems", list}}.dump() << std::endl;
    return 0;
  }
  // state: entries of a state; (q, p) pairs for canonical systems, any coordinates otherwise.
  std::cout << std::left << std::setw(20) << "name" << std::setw(7) << "state" << std::setw(11) << "canonical"
            << std::setw(11) << "separable" << "description\n";
  for (const auto& s : list)
    std::cout << std::setw(20) << s["name"].get<std::string>() << std::setw(7) << s["state_dim"].get<int>()
              << std::setw(11) << (s["canonical"].get<bool>() ? "yes" : "no")
              << std::setw(11) << (s["separable"].get<bool>() ? "yes" : "no")
              << s["description"].get<std::string>() << "\n";
  return 0;
}

int integrators_command(const ListArgs& a) {
  json list = json::array();
  for (const auto& i : integrators::schemes())
    list.push_back({{"name", i.name},
                    {"order", i.order},
                    {"symplectic", i.symplectic},
                    {"separable_only", i.separable_only},
                    {"evaluations_per_step", i.evaluations},
                    {"description", i.description}});
  if (a.json) {
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

}  // namespace

void add_integrate_commands(CLI::App& app, Commands& out) {
  auto in = std::make_shared<IntegrateArgs>();
  auto* integrate = add_command(app, out, "integrate",
                                "integrate an analytic system from its default state; write CSV, print a summary",
                                in, integrate_command);
  integrate->add_option("--system", in->run.system, "system name (see `noether systems`)")
      ->capture_default_str();
  add_links_option(integrate, in->links);
  integrate->add_option("--integrator", in->run.integrator, "scheme (see `noether integrators`)")
      ->capture_default_str();
  integrate->add_option("--dt", in->run.dt, "time step (output interval for dopri5/dop853)")->check(positive())
      ->capture_default_str();
  integrate->add_option("--steps", in->run.steps, "number of steps")->check(at_least(1))->capture_default_str();
  integrate->add_option("-o,--output", in->output, "trajectory CSV (written atomically)")->check(writable_file())
      ->capture_default_str();
  integrate->add_flag("--no-csv", in->no_csv, "do not write the trajectory")->excludes("--output");
  integrate->add_option("--every", in->every, "write every N-th step (default: <= 10^4 rows)")->check(at_least(1));
  integrate->add_option("--omega", in->run.stepper.omega, "coupling of Tao's scheme")->check(positive())
      ->capture_default_str();
  integrate->add_option("--rtol", in->run.stepper.rtol, "relative tolerance (dopri5, dop853)")->check(positive())
      ->capture_default_str();
  integrate->add_option("--atol", in->run.stepper.atol, "absolute tolerance (dopri5, dop853)")->check(positive())
      ->capture_default_str();
  integrate->add_flag("--project", in->run.stepper.project,
                      "constrained systems: project onto the constraints after every step (rk4, dopri5, ...)");
  integrate->add_flag("--json", in->json, "print the summary as one line of JSON");
  integrate->add_flag("-q,--quiet", in->quiet, "no progress bar");

  auto systems = std::make_shared<ListArgs>();
  add_command(app, out, "systems", "list the analytic systems", systems, systems_command)
      ->add_flag("--json", systems->json, "print one line of JSON");
  auto integrators = std::make_shared<ListArgs>();
  add_command(app, out, "integrators", "list the integrators", integrators, integrators_command)
      ->add_flag("--json", integrators->json, "print one line of JSON");
}

}  // namespace noether::apps
