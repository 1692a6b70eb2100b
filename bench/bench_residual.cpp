// bench/bench_residual.cpp: the learned-interaction cases of issue 7 (docs/benchmarks.md).
//
//   bench_residual case MODEL SYSTEM.json DT STEPS [C]
//     truth (Newtonian + GR potential, WH at DT/10, corrector 17) against Newtonian-only WH and
//     WH with the residual model (both at DT, corrector 17): position errors, the model's energy
//     error and its drift, ns per step of each. One line of JSON.
//   bench_residual nih POSITIONS_MODEL MOMENTUM_MODEL DT STEPS
//     replacement models on Sun-Jupiter-Saturn: relative error of each model's own total energy
//     over STEPS Jacobi DKD steps, for the positions-only kick and the momentum-dependent one
//     (the NIH paper's form), plus plain Newtonian WH. One line of JSON.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nbody/coordinates.hpp"
#include "nbody/kepler.hpp"
#include "nbody/learned_interaction.hpp"
#include "nbody/neural_interaction.hpp"
#include "nbody/neural_kick.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"

namespace nb = noether::nbody;
using nlohmann::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Least-squares slope of y against x, times the span of x: the secular change over the run.
double secular_change(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) { mx += x[i] / n; my += y[i] / n; }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
  return sxx > 0 ? sxy / sxx * (x.back() - x.front()) : 0.0;
}

double max_position_error(const nb::PlanetarySystem& a, const nb::PlanetarySystem& b) {
  double e = 0;
  for (std::size_t i = 1; i < a.bodies.size(); ++i)
    e = std::max(e, nb::norm((a.bodies[i].r - a.bodies[0].r) - (b.bodies[i].r - b.bodies[0].r)));
  return e;
}

int run_case(int argc, char** argv) {
  if (argc < 6) { std::cerr << "usage: bench_residual case MODEL SYSTEM.json DT STEPS [C]\n"; return 2; }
  const std::string model = argv[2];
  const nb::PlanetarySystem sys = nb::load_system(argv[3]);
  const double dt = std::atof(argv[4]);
  const long steps = std::atol(argv[5]);
  const double c = argc > 6 ? std::atof(argv[6]) : nb::kSpeedOfLightAuPerDay;
  const auto gr = std::make_shared<const nb::GrPotentialKick>(c);
  const auto learned = nb::load_learned_kick(model, sys.G);
  const auto train = nb::load_residual_model(model);
  nb::WisdomHolmanOptions o;
  o.dt = dt;
  o.corrector = 17;
  nb::WisdomHolmanOptions ot = o;
  constexpr int kRefine = 10;
  ot.dt = dt / kRefine;
  nb::WisdomHolman truth(sys, ot, gr), newton(sys, o), resid(sys, o, learned);
  const long outputs = 200, every = std::max(1L, steps / outputs);
  const double e0 = learned->total_energy(sys);
  std::vector<double> t, de;
  double newton_err = 0, resid_err = 0, max_de = 0;
  double newton_final = 0, resid_final = 0;
  for (long done = 0; done < steps;) {
    const long k = std::min(every, steps - done);
    if (const auto r_ = truth.integrate(k * kRefine); !r_.ok()) throw noether::NumericalError(r_.message);
    if (const auto r_ = newton.integrate(k); !r_.ok()) throw noether::NumericalError(r_.message);
    if (const auto r_ = resid.integrate(k); !r_.ok()) throw noether::NumericalError(r_.message);
    done += k;
    const auto st = truth.state(), sn = newton.state(), sr = resid.state();
    newton_final = max_position_error(sn, st);
    resid_final = max_position_error(sr, st);
    newton_err = std::max(newton_err, newton_final);
    resid_err = std::max(resid_err, resid_final);
    const double rel = (learned->total_energy(sr) - e0) / std::abs(e0);
    t.push_back(sr.time);
    de.push_back(rel);
    max_de = std::max(max_de, std::abs(rel));
  }
  // Cost per step, each integrator timed alone over the same number of steps (median of 3).
  auto timed = [&](const std::shared_ptr<const nb::InteractionKick>& kick) {
    std::vector<double> ns;
    for (int r = 0; r < 3; ++r) {
      nb::WisdomHolman wh(sys, o, kick);
      const auto t0 = std::chrono::steady_clock::now();
      if (const auto r_ = wh.integrate(steps); !r_.ok()) throw noether::NumericalError(r_.message);
      ns.push_back(seconds_since(t0) / static_cast<double>(steps) * 1e9);
    }
    std::sort(ns.begin(), ns.end());
    return ns[1];
  };
  const double newton_ns = timed(nb::newtonian_kick());
  const double resid_ns = timed(learned);
  // Energy drift: the secular change of the learned energy's relative error over the run, and
  // the mean of the last tenth against the first tenth.
  const std::size_t tenth = std::max<std::size_t>(1, de.size() / 10);
  double first = 0, last = 0;
  for (std::size_t i = 0; i < tenth; ++i) { first += de[i] / tenth; last += de[de.size() - 1 - i] / tenth; }
  std::cout << json{{"case", "gr-potential"},
                    {"system", sys.name},
                    {"dt", dt},
                    {"steps", steps},
                    {"span", steps * dt},
                    {"train_span", train.train_span},
                    {"span_over_train_span", steps * dt / train.train_span},
                    {"truth", "WH dt/10, corrector 17, Newtonian + GR potential"},
                    {"newtonian_position_error", newton_err},
                    {"residual_position_error", resid_err},
                    {"newtonian_final_position_error", newton_final},
                    {"residual_final_position_error", resid_final},
                    {"error_ratio", newton_err / resid_err},
                    {"residual_max_rel_energy_error", max_de},
                    {"residual_energy_secular_change", secular_change(t, de)},
                    {"residual_energy_last_minus_first_tenth", last - first},
                    {"newtonian_ns_per_step", newton_ns},
                    {"residual_ns_per_step", resid_ns}}
                   .dump()
            << std::endl;
  return 0;
}

/// Jacobi DKD Wisdom-Holman with a learned replacement kick that may read the velocities (the
/// NIH form): the library's kick interface is positions-only by design, so the comparison runs
/// both models through this one loop.
struct NihRun {
  std::vector<double> t, rel;  // relative error of the model's own total energy
  std::vector<double> rel_newton;  // relative error of the true (Newtonian) energy
  nb::PlanetarySystem final;
};

NihRun run_nih(const nb::PlanetarySystem& s0, const nb::PairMlp& mlp, double dt, long steps, long every) {
  const std::size_t n = s0.bodies.size();
  std::vector<double> m(n), eta(n);
  std::vector<nb::Vec3> X(n), V(n), x(n), v(n), A(n), a(n);
  for (std::size_t i = 0; i < n; ++i) { m[i] = s0.bodies[i].m; X[i] = s0.bodies[i].r; V[i] = s0.bodies[i].v; }
  nb::cumulative_masses(m.data(), n, eta.data());
  nb::inertial_to_jacobi(m.data(), X.data(), V.data(), x.data(), v.data(), n);
  const double G = s0.G;
  auto energy = [&]() {
    nb::jacobi_to_inertial(m.data(), eta.data(), x.data(), v.data(), X.data(), V.data(), n);
    double e = 0;
    for (std::size_t i = 0; i < n; ++i) e += 0.5 * m[i] * nb::norm2(V[i]);
    e -= G * m[0] * m[1] / nb::norm(X[0] - X[1]);  // the pair the Kepler drift holds
    return e + nb::learned_energy(mlp, G, m.data(), X.data(), V.data(), n, nb::SkippedPairs::first_pair);
  };
  auto drift = [&](double h) {
    for (std::size_t i = 1; i < n; ++i) nb::kepler_drift(x[i], v[i], G * eta[i], h);
    x[0] += h * v[0];
  };
  auto newton_energy = [&]() {  // after energy(): X, V are inertial
    double e = 0;
    for (std::size_t i = 0; i < n; ++i) {
      e += 0.5 * m[i] * nb::norm2(V[i]);
      for (std::size_t j = i + 1; j < n; ++j) e -= G * m[i] * m[j] / nb::norm(X[i] - X[j]);
    }
    return e;
  };
  NihRun out;
  const double e0 = energy(), en0 = newton_energy();
  for (long k = 1; k <= steps; ++k) {
    drift(0.5 * dt);
    nb::jacobi_to_inertial(m.data(), eta.data(), x.data(), v.data(), X.data(), V.data(), n);
    for (auto& q : A) q = nb::Vec3{};
    nb::add_learned_accelerations(mlp, G, m.data(), X.data(), V.data(), n, nb::SkippedPairs::first_pair, A.data());
    nb::inertial_to_jacobi_pos(m.data(), A.data(), a.data(), n);
    for (std::size_t i = 2; i < n; ++i) {
      const double r2 = nb::norm2(x[i]);
      a[i] += (G * eta[i] / (r2 * std::sqrt(r2))) * x[i];
    }
    for (std::size_t i = 1; i < n; ++i) v[i] += dt * a[i];
    drift(0.5 * dt);
    if (k % every == 0) {
      out.t.push_back(k * dt);
      out.rel.push_back((energy() - e0) / std::abs(e0));
      out.rel_newton.push_back((newton_energy() - en0) / std::abs(en0));
    }
  }
  nb::jacobi_to_inertial(m.data(), eta.data(), x.data(), v.data(), X.data(), V.data(), n);
  out.final = s0;
  for (std::size_t i = 0; i < n; ++i) { out.final.bodies[i].r = X[i]; out.final.bodies[i].v = V[i]; }
  return out;
}

json error_summary(const std::vector<double>& t, const std::vector<double>& rel) {
  double mx = 0, mx_first = 0;
  const std::size_t tenth = std::max<std::size_t>(1, rel.size() / 10);
  for (std::size_t i = 0; i < rel.size(); ++i) {
    mx = std::max(mx, std::abs(rel[i]));
    if (i < tenth) mx_first = std::max(mx_first, std::abs(rel[i]));
  }
  return {{"max", mx}, {"max_first_tenth", mx_first}, {"final", rel.back()}, {"secular_change", secular_change(t, rel)}};
}

json summary(const NihRun& r) {
  return {{"model_energy", error_summary(r.t, r.rel)}, {"newtonian_energy", error_summary(r.t, r.rel_newton)}};
}

int run_nih_case(int argc, char** argv) {
  if (argc < 6) { std::cerr << "usage: bench_residual nih POSITIONS_MODEL MOMENTUM_MODEL DT STEPS\n"; return 2; }
  const auto pos = nb::load_residual_model(argv[2]);
  const auto mom = nb::load_residual_model(argv[3]);
  const double dt = std::atof(argv[4]);
  const long steps = std::atol(argv[5]);
  const nb::PlanetarySystem sys = nb::make_planetary_system("sun-jupiter-saturn");
  const long every = std::max(1L, steps / 1000);
  const auto rp = run_nih(sys, pos.net->to_plain(), dt, steps, every);
  const auto rm = run_nih(sys, mom.net->to_plain(), dt, steps, every);
  // Plain Newtonian WH through the same loop (the exact pair potential as the "model").
  // Cross-check: the positions-only model through the library integrator gives the same orbit.
  nb::WisdomHolmanOptions o;
  o.dt = dt;
  o.fast = false;
  nb::WisdomHolman lib(sys, o, nb::make_learned_kick(pos));
  if (const auto r_ = lib.integrate(steps); !r_.ok()) throw noether::NumericalError(r_.message);
  const double lib_diff = max_position_error(lib.state(), rp.final);
  nb::WisdomHolman plain(sys, o);
  double plain_max = 0;
  const double ep0 = nb::energy(sys);
  for (long k = 0; k < steps; k += every) {
    if (const auto r_ = plain.integrate(std::min(every, steps - k)); !r_.ok()) throw noether::NumericalError(r_.message);
    plain_max = std::max(plain_max, std::abs((nb::energy(plain.state()) - ep0) / ep0));
  }
  std::cout << json{{"case", "nih-replacement"},
                    {"system", sys.name},
                    {"dt", dt},
                    {"steps", steps},
                    {"positions_only", summary(rp)},
                    {"momentum_dependent", summary(rm)},
                    {"newtonian_wh_max_rel_energy_error", plain_max},
                    {"positions_only_library_vs_loop_position_difference", lib_diff}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  try {
    if (what == "case") return run_case(argc, argv);
    if (what == "nih") return run_nih_case(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "bench_residual: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: bench_residual case|nih ...\n";
  return 2;
}
