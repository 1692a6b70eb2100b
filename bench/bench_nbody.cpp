// bench/bench_nbody.cpp: noether's side of the Wisdom-Holman comparison with REBOUND's WHFast
// (bench/nbody_vs_rebound.sh runs both). Prints one line of JSON.
//
//   bench_nbody oss DT STEPS CORRECTOR            HLW outer solar system, Jacobi, fast mode
//   bench_nbody tp N DT STEPS THREADS [IC_FILE]   Sun+Jupiter+Saturn + N test particles; writes
//                                                 the initial conditions to IC_FILE for REBOUND
//   bench_nbody tp-scalar N DT STEPS THREADS      the same with the scalar test-particle path
//                                                 (WisdomHolmanOptions::simd = false)
// Only the stepping is timed; the energy is checked on synchronized copies between blocks of
// 1000 steps (outer solar system) or at the end (test particles).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "noether/error.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"

using namespace noether::nbody;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_nbody oss DT STEPS CORRECTOR | tp|tp-scalar N DT STEPS THREADS [IC_FILE]\n");
    return 2;
  }
  const std::string mode = argv[1];
  const bool tp = mode == "tp" || mode == "tp-scalar";
  PlanetarySystem s;
  WisdomHolmanOptions o;
  long steps;
  if (!tp) {
    s = make_planetary_system("outer-solar-system");
    o.dt = std::atof(argv[2]);
    steps = std::atol(argv[3]);
    o.corrector = std::atoi(argv[4]);
  } else {
    if (argc < 6) return 2;
    s = make_planetary_system("sun-jupiter-saturn", std::atoi(argv[2]));
    o.dt = std::atof(argv[3]);
    steps = std::atol(argv[4]);
    o.threads = std::atoi(argv[5]);
    o.simd = mode == "tp";
    if (argc > 6) {
      std::ofstream ic(argv[6]);
      ic.precision(17);
      ic << s.bodies.size() << '\n';
      for (const auto& p : s.bodies)
        ic << p.m << ' ' << p.r.x << ' ' << p.r.y << ' ' << p.r.z << ' ' << p.v.x << ' ' << p.v.y << ' ' << p.v.z << '\n';
      for (const auto& p : s.test_particles)
        ic << 0.0 << ' ' << p.r.x << ' ' << p.r.y << ' ' << p.r.z << ' ' << p.v.x << ' ' << p.v.y << ' ' << p.v.z << '\n';
    }
  }
  const double e0 = energy(s);
  WisdomHolman wh(s, o);
  double wall = 0.0, emax = 0.0, e = 0.0;
  const long chunk = tp ? steps : std::min(1000L, steps);
  for (long done = 0; done < steps; done += chunk) {
    const auto t0 = std::chrono::steady_clock::now();
    if (const auto r = wh.integrate(std::min(chunk, steps - done)); !r.ok()) throw noether::NumericalError(r.message);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    e = std::abs((energy(wh.state()) - e0) / e0);
    emax = std::max(emax, e);
  }
  std::printf("{\"code\":\"noether\",\"mode\":\"%s\",\"steps\":%ld,\"ns_per_step\":%.1f,"
              "\"max_rel_energy_error\":%.3e,\"final_rel_energy_error\":%.3e}\n",
              mode.c_str(), steps, wall / steps * 1e9, emax, e);
  return 0;
}
