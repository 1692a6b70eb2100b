// fuzz/fuzz_system_json.cpp: the planetary-system file reader (nbody::system_from_json), which
// `noether simulate --system FILE.json` and `residual-data` feed with the user's file.
//
// Properties: the reader either returns a validated system or throws noether::InvalidInput
// (anything else escaping fails); a system read is written and read back unchanged; and a few
// Wisdom-Holman steps on it end in a Result (success or a named breakdown), never another
// exception, a hang or undefined behaviour; the synchronized state() after them is a system or
// a NumericalError (its documented breakdown).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/error.hpp"

namespace nb = noether::nbody;

namespace {

bool same(const nb::Vec3& a, const nb::Vec3& b) { return a.x == b.x && a.y == b.y && a.z == b.z; }

bool same(const std::vector<nb::Particle>& a, const std::vector<nb::Particle>& b, bool masses) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((masses && a[i].m != b[i].m) || !same(a[i].r, b[i].r) || !same(a[i].v, b[i].v)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nb::PlanetarySystem s;
  try {
    s = nb::system_from_json(text, "fuzz.json");
  } catch (const noether::InvalidInput&) {
    return 0;
  }

  const nb::PlanetarySystem back = nb::system_from_json(nb::system_to_json(s), "round trip");
  NOETHER_FUZZ_CHECK(back.name == s.name && back.description == s.description, "name or description changed");
  NOETHER_FUZZ_CHECK(back.G == s.G && back.time == s.time, "G or time changed");
  NOETHER_FUZZ_CHECK(back.names == s.names, "body names changed");
  NOETHER_FUZZ_CHECK(same(back.bodies, s.bodies, true), "a body changed");
  NOETHER_FUZZ_CHECK(same(back.test_particles, s.test_particles, false), "a test particle changed");

  if (s.bodies.size() + s.test_particles.size() > 64) return 0;  // keep each input fast
  nb::WisdomHolmanOptions o;
  o.dt = 1e-2;
  o.threads = 1;
  o.corrector = size % 2 ? 11 : 0;
  try {
    nb::WisdomHolman wh(s, o);
    const auto r = wh.integrate(8);
    NOETHER_FUZZ_CHECK(r.ok() || !r.message.empty(), "a breakdown without a message");
    if (r.ok()) (void)nb::energy(wh.state());
  } catch (const noether::InvalidInput&) {
    // A system the integrator refuses up front (e.g. test particles it cannot take) is fine.
  } catch (const noether::NumericalError&) {
    // state()'s synchronizing half drift breaking down (documented; integrate() returns a Result).
  }
  return 0;
}
