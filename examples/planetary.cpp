// A library user's planetary simulation with noether::nbody alone (no LibTorch): the outer solar
// system for 10^4 years with Wisdom-Holman and a corrector, energy error and Jupiter's orbit.
#include <cmath>
#include <iostream>

#include "nbody/elements.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/error.hpp"

namespace nb = noether::nbody;

int main() try {
  const nb::PlanetarySystem sys = nb::make_planetary_system("outer-solar-system");
  nb::WisdomHolmanOptions o;
  o.dt = 10.0;  // days
  o.corrector = 11;
  nb::WisdomHolman wh(sys, o);
  const double e0 = nb::energy(sys);
  double worst = 0.0;
  for (int k = 0; k < 100; ++k) {
    if (const auto r = wh.integrate(3653); !r.ok()) throw noether::NumericalError(r.message);  // 100 years
    worst = std::max(worst, std::abs((nb::energy(wh.state()) - e0) / e0));
  }
  const nb::PlanetarySystem end = wh.state();
  std::cout << "outer solar system, " << wh.time() / 365.25 << " years: max relative energy error " << worst
            << ", bodies " << end.bodies.size() << "\n";
  if (!(worst < 1e-7)) {
    std::cerr << "energy error too large\n";
    return 1;
  }
  return 0;
} catch (const noether::Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 2;
}
