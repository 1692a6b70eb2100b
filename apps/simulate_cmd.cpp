// apps/simulate_cmd.cpp: `noether simulate`, planetary systems with the Wisdom-Holman integrator.
//
//   noether simulate --system outer-solar-system --dt 10 --years 1e5 --corrector 11 --json
//
// Writes (atomically) a CSV of energy error, angular momentum and heliocentric orbital elements
// at periodic outputs and an SVG plot of the energy error and of the orbits; prints a summary
// (one line of JSON with --json). Output synchronizes a copy, so it never perturbs the run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/options.hpp"
#include "apps/format.hpp"
#include "apps/plot.hpp"
#include "apps/progress.hpp"
#include "apps/registry.hpp"
#include "apps/sharded_output.hpp"
#include "nbody/elements.hpp"
#include "nbody/neural_kick.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "physics/learning/distributed.hpp"

namespace noether::apps {

namespace nb = noether::nbody;

namespace {

struct SimulateArgs {
  std::string system = "outer-solar-system";
  double dt = 10.0;
  double years = 0.0;  ///< 0 and steps 0: 1000 years
  long steps = 0;
  int corrector = 0;
  std::string coordinates = "jacobi";
  std::string kernel = "standard";
  bool safe = false;
  int test_particles = 0;
  int threads = 0;
  std::string output = "simulate.csv";
  bool no_csv = false;
  std::string plot = "simulate.svg";
  bool no_plot = false;
  long outputs = 1000;
  std::string residual;                ///< learned interaction model (noether train-residual)
  std::string residual_mode = "auto";  ///< auto (the model's), residual or replacement
  std::string ensemble;                ///< JSON list of systems or perturbations (one summary row each)
  std::string final_state;             ///< the state at the end as a system file (JSON)
  bool json = false;
  bool quiet = false;
};

struct Sample {
  double t, rel_energy_error, rel_l_error;
  nb::Vec3 L;
  std::vector<nb::OrbitalElements> elements;  // one per planet (heliocentric)
  std::vector<nb::Vec3> helio;                // heliocentric positions of the planets
};

/// The plot: energy error (log scale) against time, and the orbits in the x-y plane. Each orbit
/// is drawn as the planet's osculating ellipse at the end of the run (its recent path: the
/// periodic outputs of a long run are spaced by many orbits and, joined up, made a starburst),
/// with a dot where the planet is; an unbound body is drawn along its sampled path. Times are in
/// years for the built-in unit system (AU, days, solar masses).
plot::Figure energy_and_orbits(const std::string& title, const std::vector<Sample>& samples,
                               const nb::PlanetarySystem& sys) {
  const auto& names = sys.names;
  const double G = sys.G;
  plot::Figure f;
  f.title = title;
  const bool days = std::abs(G - 2.95912208286e-4) < 1e-12;
  const double per = days ? 1.0 / 365.25 : 1.0;
  plot::Panel& energy =
      f.add_panel(days ? "time (years)" : "time (the system's units)", "relative energy error |E - E0| / |E0|");
  energy.log_y = true;
  energy.x_min = samples.front().t * per;  // the first error is 0, off the log axis
  energy.lines.emplace_back();
  for (const auto& s : samples) {
    energy.lines[0].x.push_back(s.t * per);
    energy.lines[0].y.push_back(s.rel_energy_error);
  }
  const Sample& last = samples.back();
  std::vector<plot::Line> orbits_drawn;
  double half_width = 0.0;
  for (std::size_t i = 0; i < last.helio.size(); ++i) {
    plot::Line orbit{i + 1 < names.size() ? names[i + 1] : "body " + std::to_string(i + 1), {}, {}, 1.0};
    const nb::OrbitalElements& el = last.elements[i];
    if (std::isfinite(el.a) && el.e < 1.0) {
      for (int k = 0; k <= 360; ++k) {
        nb::OrbitalElements at = el;
        at.M = 2.0 * M_PI * k / 360.0;
        const nb::Vec3 r = nb::to_cartesian(G * (sys.bodies[0].m + sys.bodies[i + 1].m), at).first;
        orbit.x.push_back(r.x);
        orbit.y.push_back(r.y);
      }
    } else {
      for (const auto& s : samples) {
        orbit.x.push_back(s.helio[i].x);
        orbit.y.push_back(s.helio[i].y);
      }
    }
    for (std::size_t k = 0; k < orbit.x.size(); ++k)
      half_width = std::max({half_width, std::abs(orbit.x[k]), std::abs(orbit.y[k])});
    orbits_drawn.push_back(std::move(orbit));
  }
  plot::Panel& orbits = f.add_panel("osculating orbits at the end, heliocentric x-y (half width " +
                                    short_number(half_width) + (days ? " AU)" : ")"));
  orbits.equal_axes = true;
  orbits.dots.push_back({0.0, 0.0, "orange"});
  for (std::size_t i = 0; i < last.helio.size(); ++i) orbits.dots.push_back({last.helio[i].x, last.helio[i].y, "black"});
  orbits.lines = std::move(orbits_drawn);
  return f;
}

/// `sys` with `test_particles` belt particles added (as the built-in systems get them).
nb::PlanetarySystem with_belt(nb::PlanetarySystem sys, int test_particles) {
  if (test_particles > 0) {
    const auto belt = nb::asteroid_belt(sys.G, sys.bodies[0], test_particles);
    sys.test_particles.insert(sys.test_particles.end(), belt.begin(), belt.end());
  }
  return sys;
}

/// A built-in system by name, or a system file (.json), with `test_particles` belt particles added.
nb::PlanetarySystem load_simulated_system(const std::string& name, int test_particles) {
  if (!ends_with(name, ".json")) return nb::make_planetary_system(name, test_particles);
  return with_belt(nb::load_system(name), test_particles);
}

/// The integrator's options from the command line (checked).
nb::WisdomHolmanOptions integrator_options(const SimulateArgs& a) {
  nb::WisdomHolmanOptions o;
  o.dt = a.dt;
  o.corrector = a.corrector;
  o.coordinates = nb::coordinates_from_string(a.coordinates);
  o.kernel = nb::kernel_from_string(a.kernel);
  o.fast = !a.safe;
  o.threads = a.threads;
  o.validate();
  return o;
}

/// The run's length in steps (--years or --steps; default 1000 years).
long run_steps(const SimulateArgs& a) {
  if (a.years > 0 && a.steps > 0) throw InvalidInput("give --years or --steps, not both");
  const double years = a.steps > 0 ? 0.0 : (a.years > 0 ? a.years : 1000.0);
  const double wanted = a.steps > 0 ? static_cast<double>(a.steps) : years * 365.25 / a.dt;
  if (!(wanted < 1e15))
    throw InvalidInput("the run would take " + std::to_string(wanted) + " steps of dt = " + std::to_string(a.dt) +
                       " (at most 1e15): shorten --years or raise --dt");
  const long steps = a.steps > 0 ? a.steps : static_cast<long>(std::llround(wanted));
  if (steps < 1) throw InvalidInput("the run has no steps (years * 365.25 / dt < 1)");
  return steps;
}

/// The learned interaction of --residual (null without), checked against --residual-mode.
std::shared_ptr<const nb::LearnedInteraction> learned_interaction(const SimulateArgs& a, double G,
                                                                  const nb::WisdomHolmanOptions& o) {
  std::shared_ptr<const nb::LearnedInteraction> learned;
  if (!a.residual.empty()) {
    learned = nb::load_learned_kick(a.residual, G);
    if (a.residual_mode != "auto" && nb::residual_mode_from_string(a.residual_mode) != learned->mode())
      throw InvalidInput("--residual-mode " + a.residual_mode + ": the model '" + a.residual + "' was trained in " +
                         nb::to_string(learned->mode()) + " mode");
    if (learned->mode() == nb::ResidualMode::replacement && o.coordinates != nb::Coordinates::jacobi)
      throw InvalidInput("a replacement model stands in for the Jacobi interaction; use --coordinates jacobi");
  } else if (a.residual_mode != "auto") {
    throw InvalidInput("--residual-mode needs --residual MODEL");
  }
  return learned;
}

/// One run: `steps` steps from `sys`, sampled at `outputs` periodic outputs (and the start).
struct Run {
  std::vector<Sample> samples;
  long every = 1;
  double wall = 0.0;     ///< seconds in the integrator
  double max_err = 0.0;  ///< largest relative energy error over the outputs
  double e0 = 0.0;
  double t_final = 0.0;
  nb::PlanetarySystem last;  ///< the synchronized state at the end
};
Run integrate_system(const nb::PlanetarySystem& sys, const nb::WisdomHolmanOptions& o,
                     const std::shared_ptr<const nb::LearnedInteraction>& learned, long steps, long outputs,
                     bool progress_bar) {
  std::shared_ptr<const nb::InteractionKick> kick = learned;
  nb::WisdomHolman wh(sys, o, learned ? kick : nb::newtonian_kick());
  const nb::SkippedPairs skip = nb::skipped_pairs_of(o.coordinates);
  auto energy = [&](const nb::PlanetarySystem& s) { return learned ? learned->total_energy(s, skip) : nb::energy(s); };

  Run run;
  const double e0 = run.e0 = energy(sys);
  const nb::Vec3 L0 = nb::angular_momentum(sys);
  const double G = sys.G;
  auto sample = [&](const nb::PlanetarySystem& s) {
    Sample out;
    out.t = s.time;
    out.rel_energy_error = std::abs((energy(s) - e0) / e0);
    out.L = nb::angular_momentum(s);
    out.rel_l_error = norm(out.L - L0) / std::max(norm(L0), 1e-300);
    for (std::size_t i = 1; i < s.bodies.size(); ++i) {
      const nb::Vec3 r = s.bodies[i].r - s.bodies[0].r, v = s.bodies[i].v - s.bodies[0].v;
      out.helio.push_back(r);
      try {
        out.elements.push_back(nb::to_elements(G * (s.bodies[0].m + s.bodies[i].m), r, v));
      } catch (const InvalidInput&) {
        out.elements.push_back(nb::OrbitalElements{NAN, NAN, NAN, NAN, NAN, NAN});
      }
    }
    return out;
  };

  std::vector<Sample>& samples = run.samples;
  samples.push_back(sample(sys));
  const long every = run.every = std::max(1L, steps / outputs);
  Progress progress("simulate", steps, progress_bar, /*stride=*/1);  // each update is a block of steps
  double& wall = run.wall;
  double& max_err = run.max_err;
  long done = 0;
  while (done < steps) {
    throw_if_interrupted("simulate stopped after step " + std::to_string(done) + "; nothing written");
    const long n = std::min(every, steps - done);
    const auto t0 = std::chrono::steady_clock::now();
    // A breakdown exits 1 with the step, body and orbit named.
    if (const auto r = wh.integrate(n); !r.ok()) throw NumericalError(r.message);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done += n;
    run.last = wh.state();
    samples.push_back(sample(run.last));
    max_err = std::max(max_err, samples.back().rel_energy_error);
    progress.update(done);
  }
  progress.finish();
  run.t_final = wh.time();
  return run;
}

int ensemble_command(const SimulateArgs& a);

int simulate_command(const SimulateArgs& a) {
  // Numbers and paths are checked as the command line is read (apps/options.hpp); the rest here,
  // up front (InvalidInput -> exit 2).
  if (!a.ensemble.empty()) return ensemble_command(a);
  const nb::WisdomHolmanOptions o = integrator_options(a);
  const long steps = run_steps(a);
  nb::PlanetarySystem sys = load_simulated_system(a.system, a.test_particles);
  const auto learned = learned_interaction(a, sys.G, o);
  const Run run = integrate_system(sys, o, learned, steps, a.outputs, !a.quiet && !a.json);
  const auto& samples = run.samples;
  const long every = run.every;
  const double wall = run.wall, max_err = run.max_err, e0 = run.e0;
  const Sample& last = samples.back();

  const std::size_t np = sys.bodies.size() - 1;
  if (!a.final_state.empty())
    write_file_atomically(a.final_state, [&](std::ostream& os) { os << nb::system_to_json(run.last) << '\n'; });
  if (!a.no_csv) {
    write_file_atomically(a.output, [&](std::ostream& os) {
      os << "step,t,rel_energy_error,lx,ly,lz,rel_angular_momentum_error";
      for (std::size_t i = 0; i < np; ++i)
        for (const char* k : {"a", "e", "inc"}) os << ',' << k << i + 1;
      os << '\n' << std::setprecision(17);
      for (std::size_t r = 0; r < samples.size(); ++r) {
        const auto& s = samples[r];
        os << std::min<long>(static_cast<long>(r) * every, steps) << ',' << s.t << ',' << s.rel_energy_error << ','
           << s.L.x << ',' << s.L.y << ',' << s.L.z << ',' << s.rel_l_error;
        for (const auto& el : s.elements) os << ',' << el.a << ',' << el.e << ',' << el.inc;
        os << '\n';
      }
    });
  }
  if (!a.no_plot) {
    const std::string title = sys.name + ": Wisdom-Holman, dt = " + short_number(a.dt) + ", " +
                              std::to_string(steps) + " steps, corrector " + std::to_string(a.corrector);
    plot::write_svg(a.plot, energy_and_orbits(title, samples, sys));
  }

  const double ns_per_step = wall / static_cast<double>(steps) * 1e9;
  if (a.json) {
    nlohmann::json j{{"system", sys.name},
                     {"bodies", sys.bodies.size()},
                     {"test_particles", sys.test_particles.size()},
                     {"coordinates", nb::to_string(o.coordinates)},
                     {"corrector", o.corrector},
                     {"kernel", nb::to_string(o.kernel)},
                     {"interaction", learned ? learned->name() : "newtonian"},
                     {"residual", a.residual},
                     {"fast", o.fast},
                     {"dt", o.dt},
                     {"steps", steps},
                     {"t_final", run.t_final},
                     {"energy_initial", e0},
                     {"final_rel_energy_error", last.rel_energy_error},
                     {"max_rel_energy_error", max_err},
                     {"final_rel_angular_momentum_error", last.rel_l_error},
                     {"outputs", samples.size()},
                     {"wall_seconds", wall},
                     {"ns_per_step", ns_per_step},
                     {"output", a.no_csv ? "" : a.output},
                     {"plot", a.no_plot ? "" : a.plot},
                     {"final_state", a.final_state},
                     {"status", "success"}};
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << sys.name << " (" << sys.bodies.size() << " bodies, " << sys.test_particles.size()
              << " test particles): Wisdom-Holman, " << nb::to_string(o.coordinates) << ", corrector "
              << o.corrector << ", kernel " << nb::to_string(o.kernel)
              << (learned ? ", interaction " + learned->name() + " (" + a.residual + ")" : std::string())
              << (o.fast ? ", fast mode" : ", safe mode")
              << "\n  " << steps << " steps of dt = " << o.dt << " to t = " << run.t_final << " in "
              << std::setprecision(3) << wall << " s (" << std::fixed << std::setprecision(1) << ns_per_step
              << " ns/step)\n" << std::defaultfloat
              << "  relative energy error: final " << sci(last.rel_energy_error) << ", max "
              << sci(max_err) << " (over " << samples.size() << " outputs)\n"
              << "  relative angular momentum error: final " << sci(last.rel_l_error) << "\n";
    if (!a.no_csv) std::cout << "  output: " << a.output << " (" << samples.size() << " rows)\n";
    if (!a.no_plot) std::cout << "  plot: " << a.plot << "\n";
  }
  return 0;
}

/// The members of `--ensemble FILE`, a JSON file of either form:
///   ["outer-solar-system", "my_system.json", {"name": ..., "bodies": [...]}, ...]
///     systems by built-in name, by file (relative to the ensemble file's folder) or inline (the
///     format of system files);
///   {"system": NAME, FILE or {...}, "members": 100, "perturbation": 1e-10, "seed": 0}
///     copies of one system, member k > 0 with every position but the central body's scaled by
///     (1 + perturbation * N(0, 1)) per coordinate, drawn from (seed, k): a chaos ensemble.
/// Throws InvalidInput naming the file and the entry.
std::vector<nb::PlanetarySystem> read_ensemble(const std::string& path, int test_particles) {
  std::ifstream file(path);
  if (!file) throw InvalidInput("cannot read the ensemble '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput("ensemble '" + path + "' is not valid JSON: " + e.what());
  }
  const std::string folder = std::filesystem::path(path).parent_path().string();
  auto system_of = [&](const nlohmann::json& entry, const std::string& where) {
    if (entry.is_string()) {
      std::string name = entry.get<std::string>();
      if (ends_with(name, ".json") && !folder.empty() && std::filesystem::path(name).is_relative())
        name = (std::filesystem::path(folder) / name).string();
      return load_simulated_system(name, test_particles);
    }
    if (!entry.is_object())
      throw InvalidInput("ensemble '" + path + "', " + where + ": expected a system name, a file or a system object");
    return with_belt(nb::system_from_json(entry.dump(), "ensemble '" + path + "', " + where), test_particles);
  };
  std::vector<nb::PlanetarySystem> members;
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) members.push_back(system_of(j[i], "entry " + std::to_string(i)));
  } else if (j.is_object() && j.contains("system")) {
    for (const auto& [key, value] : j.items())
      if (key != "system" && key != "members" && key != "perturbation" && key != "seed")
        throw InvalidInput("ensemble '" + path + "': unknown key '" + key + "' (system, members, perturbation, seed)");
    const auto number = [&](const char* key, double fallback) {
      if (!j.contains(key)) return fallback;
      if (!j[key].is_number()) throw InvalidInput("ensemble '" + path + "': '" + key + "' must be a number");
      return j[key].get<double>();
    };
    const double count = number("members", 1), scale = number("perturbation", 0), seed = number("seed", 0);
    if (!(count >= 1 && count <= 1e7 && count == std::floor(count)))
      throw InvalidInput("ensemble '" + path + "': members must be a whole number in [1, 1e7]");
    if (!(scale >= 0 && std::isfinite(scale)))
      throw InvalidInput("ensemble '" + path + "': perturbation must be >= 0");
    if (!(seed >= 0 && seed == std::floor(seed))) throw InvalidInput("ensemble '" + path + "': seed must be a whole number >= 0");
    const nb::PlanetarySystem base = system_of(j["system"], "system");
    for (long k = 0; k < static_cast<long>(count); ++k) {
      nb::PlanetarySystem m = base;
      if (k > 0) {
        m.name = base.name + "#" + std::to_string(k);
        std::mt19937_64 rng(static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(k));
        std::normal_distribution<double> normal;
        for (std::size_t b = 1; b < m.bodies.size(); ++b)
          for (double* x : {&m.bodies[b].r.x, &m.bodies[b].r.y, &m.bodies[b].r.z}) *x *= 1.0 + scale * normal(rng);
      }
      members.push_back(std::move(m));
    }
  } else {
    throw InvalidInput("ensemble '" + path + "': expected a list of systems or {\"system\": ..., \"members\": N, "
                       "\"perturbation\": x, \"seed\": k}");
  }
  if (members.empty()) throw InvalidInput("ensemble '" + path + "' has no members");
  return members;
}

/// `simulate --ensemble FILE`: every member run with the same options; one summary row each, in
/// the file's order (-o, CSV). Under torchrun the members are shared out among the ranks and rank
/// 0 joins their rows. A member whose run breaks down (a NaN state, an unsolvable orbit) gets its
/// error in the status column and the others go on; the exit status is then 1.
int ensemble_command(const SimulateArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  if (a.system != SimulateArgs().system) throw InvalidInput("--ensemble names the systems: leave out --system");
  if (!a.final_state.empty()) throw InvalidInput("--final-state is for one system; an ensemble writes a summary row per member");
  const nb::WisdomHolmanOptions o = integrator_options(a);
  const long steps = run_steps(a);
  const auto members = read_ensemble(a.ensemble, a.test_particles);
  for (const auto& m : members)
    if (m.G != members.front().G && !a.residual.empty())
      throw InvalidInput("--residual with an ensemble needs one G for all members");
  const auto learned = learned_interaction(a, members.front().G, o);
  const auto& ranks = physics::Distributed::process();
  const auto [begin, end] = ranks.shard(static_cast<int64_t>(members.size()));
  int64_t failed = 0;
  double member_seconds = 0.0, worst = 0.0;
  const std::string output = a.no_csv ? std::string() : a.output;
  auto rows = [&](std::ostream& os) {
    if (ranks.primary())
      os << "member,name,bodies,test_particles,status,steps,t_final,final_rel_energy_error,max_rel_energy_error,"
            "max_eccentricity,min_semi_major_axis,wall_seconds,ns_per_step\n";
    os << std::setprecision(17);
    Progress bar("ensemble", static_cast<long>(end - begin), !a.quiet && !a.json && ranks.primary(), 1);
    for (int64_t k = begin; k < end; ++k) {
      const auto& m = members[static_cast<std::size_t>(k)];
      std::string status = "success";
      double t_final = NAN, final_err = NAN, max_err = NAN, max_e = NAN, min_a = NAN, wall = NAN;
      try {
        const Run run = integrate_system(m, o, learned, steps, a.outputs, false);
        t_final = run.t_final;
        final_err = run.samples.back().rel_energy_error;
        max_err = run.max_err;
        wall = run.wall;
        max_e = 0.0;
        min_a = INFINITY;
        for (const auto& el : run.samples.back().elements) {
          max_e = std::max(max_e, el.e);
          min_a = std::min(min_a, el.a);
        }
        worst = std::max(worst, max_err);
        member_seconds += wall;
      } catch (const NumericalError& e) {
        status = e.what();
        for (char& c : status)
          if (c == '"' || c == '\n') c = '\'';
        std::cerr << "noether: error: ensemble member " << k << " (" << m.name << "): " << e.what() << "\n";
        ++failed;
      }
      os << k << ',' << m.name << ',' << m.bodies.size() << ',' << m.test_particles.size() << ",\"" << status << "\","
         << steps << ',' << t_final << ',' << final_err << ',' << max_err << ',' << max_e << ',' << min_a << ','
         << wall << ',' << (std::isfinite(wall) ? wall / static_cast<double>(steps) * 1e9 : NAN) << '\n';
      bar.update(static_cast<long>(k - begin + 1));
      throw_if_interrupted("ensemble stopped after member " + std::to_string(k) + "; nothing written");
    }
  };
  if (output.empty()) {
    std::ostringstream discard;
    rows(discard);
  } else {
    write_sharded(output, process_ranks(), rows, [] { return true; });
  }
  const int64_t all_failed = ranks.sum(failed);
  const double all_seconds = ranks.sum(member_seconds);
  worst = ranks.max(worst);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (a.json) {
    std::cout << nlohmann::json{{"ensemble", a.ensemble},
                                {"members", members.size()},
                                {"failed", all_failed},
                                {"steps", steps},
                                {"dt", o.dt},
                                {"max_rel_energy_error", worst},
                                {"member_seconds", all_seconds},
                                {"wall_seconds", wall},
                                {"members_per_second", wall > 0 ? static_cast<double>(members.size()) / wall : 0.0},
                                {"output", output},
                                {"ranks", ranks.world_size()}}
                     .dump()
              << std::endl;
  } else if (!a.quiet) {
    std::cout << "ensemble " << a.ensemble << ": " << members.size() << " members, " << steps << " steps of dt = " << o.dt
              << (ranks.active() ? " on " + std::to_string(ranks.world_size()) + " ranks" : std::string()) << "\n  "
              << all_failed << " failed; largest relative energy error " << sci(worst) << "\n  "
              << std::setprecision(3) << wall << " s in all"
              << (output.empty() ? std::string() : "; summary: " + output) << "\n";
  }
  return all_failed > 0 ? 1 : 0;
}

}  // namespace

void add_simulate_commands(CLI::App& app, Commands& out) {
  auto args = std::make_shared<SimulateArgs>();
  auto& a = *args;
  auto* c = add_command(app, out, "simulate",
                        "planetary system with the Wisdom-Holman integrator; CSV, SVG plot, summary", args,
                        simulate_command);
  c->add_option("--system", a.system, "outer-solar-system, trappist-1, sun-jupiter-saturn, or a .json file")
      ->capture_default_str();
  c->add_option("--dt", a.dt, "time step (days for the built-in systems)")->check(positive())->capture_default_str();
  c->add_option("--years", a.years, "length of the run in years of 365.25 time units")->check(positive());
  c->add_option("--steps", a.steps, "length of the run in steps (instead of --years)")->check(positive());
  c->add_option("--corrector", a.corrector, "first symplectic corrector: 0, 3, 5, 7, 11, 17")->capture_default_str();
  c->add_option("--coordinates", a.coordinates, "jacobi, democratic-heliocentric, whds")->capture_default_str();
  c->add_option("--kernel", a.kernel, "standard, modified-kick, lazy")->capture_default_str();
  c->add_flag("--safe", a.safe, "synchronize after every step (default: fast, unsynchronized mode)");
  c->add_option("--test-particles", a.test_particles, "add N massless particles (asteroid belt)")->check(at_least(0))->capture_default_str();
  c->add_option("--threads", a.threads, "OpenMP threads for test particles (0: default)")->check(at_least(0))->capture_default_str();
  c->add_option("-o,--output", a.output, "CSV of the periodic output (written atomically)")
      ->check(writable_file())
      ->capture_default_str();
  c->add_flag("--no-csv", a.no_csv, "do not write the CSV")->excludes("--output");
  c->add_option("--plot", a.plot, "plot of energy error and orbits (.svg)")->check(with_extension(".svg"))->check(writable_file())->capture_default_str();
  c->add_flag("--no-plot", a.no_plot, "do not write the plot")->excludes("--plot");
  c->add_option("--outputs", a.outputs, "number of periodic outputs")->check(at_least(1))->capture_default_str();
  c->add_option("--residual", a.residual,
                 "learned interaction model from `noether train-residual` (energy: kinetic + model potential)");
  c->add_option("--residual-mode", a.residual_mode, "auto (the model's), residual or replacement: checked against the model")
      ->capture_default_str();
  c->add_option("--ensemble", a.ensemble,
                "JSON list of systems, or {\"system\": S, \"members\": N, \"perturbation\": x, \"seed\": k}: run "
                "each with these options, one summary row each in -o, no plot (shared out among the ranks under torchrun)")
      ->check(CLI::ExistingFile);
  c->add_option("--final-state", a.final_state,
                 "write the state at the end as a system file (JSON, every digit: `--system FILE` continues from it)")
      ->check(with_extension(".json"))
      ->check(writable_file());
  c->add_flag("--json", a.json, "print the summary as one line of JSON");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

}  // namespace noether::apps
