#include "nbody/system.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "nbody/elements.hpp"
#include "noether/error.hpp"

namespace noether::nbody {

namespace {

constexpr double kDeg = M_PI / 180.0;

bool finite(const Particle& p) { return std::isfinite(p.m) && isfinite(p.r) && isfinite(p.v); }

}  // namespace

void PlanetarySystem::validate() const {
  const std::string who = "system '" + name + "': ";
  if (!(G > 0.0) || !std::isfinite(G)) throw InvalidInput(who + "G must be positive and finite");
  if (bodies.size() < 2)
    throw InvalidInput(who + "has " + std::to_string(bodies.size()) +
                       " massive bod" + (bodies.size() == 1 ? "y" : "ies") +
                       ": a planetary system needs a central body and at least one more (test particles alone "
                       "have no energy to conserve)");
  if (!std::isfinite(time)) throw InvalidInput(who + "time is not finite");
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (!finite(bodies[i])) throw InvalidInput(who + "body " + std::to_string(i) + " has a non-finite value");
    if (!(bodies[i].m > 0.0))
      throw InvalidInput(who + "body " + std::to_string(i) + " has mass " + std::to_string(bodies[i].m) +
                         " (massive bodies need m > 0; put massless ones in test_particles)");
  }
  // Two bodies at one place have an infinite potential: refuse here, not deep in a Kepler drift.
  for (std::size_t i = 0; i < bodies.size(); ++i)
    for (std::size_t j = i + 1; j < bodies.size(); ++j)
      if (norm2(bodies[i].r - bodies[j].r) == 0.0)
        throw InvalidInput(who + "bodies " + std::to_string(i) + " and " + std::to_string(j) +
                           " are at the same position");
  for (std::size_t i = 0; i < test_particles.size(); ++i) {
    if (!isfinite(test_particles[i].r) || !isfinite(test_particles[i].v))
      throw InvalidInput(who + "test particle " + std::to_string(i) + " has a non-finite value");
    for (std::size_t j = 0; j < bodies.size(); ++j)
      if (norm2(test_particles[i].r - bodies[j].r) == 0.0)
        throw InvalidInput(who + "test particle " + std::to_string(i) + " is at the position of body " +
                           std::to_string(j));
  }
  if (!names.empty() && names.size() != bodies.size())
    throw InvalidInput(who + "names has " + std::to_string(names.size()) + " entries for " +
                       std::to_string(bodies.size()) + " bodies");
}

double energy(const PlanetarySystem& s) {
  double kin = 0.0, pot = 0.0;
  const auto& b = s.bodies;
  for (std::size_t i = 0; i < b.size(); ++i) {
    kin += 0.5 * b[i].m * norm2(b[i].v);
    for (std::size_t j = i + 1; j < b.size(); ++j) pot -= s.G * b[i].m * b[j].m / norm(b[i].r - b[j].r);
  }
  return kin + pot;
}

Vec3 angular_momentum(const PlanetarySystem& s) {
  Vec3 L;
  for (const auto& p : s.bodies) L += p.m * cross(p.r, p.v);
  return L;
}

namespace {
/// Mass-weighted mean of a particle member (position or velocity) over the massive bodies.
Vec3 mass_weighted_mean(const PlanetarySystem& s, Vec3 Particle::*member) {
  Vec3 c;
  double m = 0.0;
  for (const auto& p : s.bodies) {
    c += p.m * (p.*member);
    m += p.m;
  }
  return c / m;
}
}  // namespace

Vec3 center_of_mass(const PlanetarySystem& s) { return mass_weighted_mean(s, &Particle::r); }

Vec3 center_of_mass_velocity(const PlanetarySystem& s) { return mass_weighted_mean(s, &Particle::v); }

void move_to_center_of_mass(PlanetarySystem& s) {
  const Vec3 R = center_of_mass(s), V = center_of_mass_velocity(s);
  for (auto& p : s.bodies) {
    p.r -= R;
    p.v -= V;
  }
  for (auto& p : s.test_particles) {
    p.r -= R;
    p.v -= V;
  }
}

std::vector<std::string> planetary_system_names() { return {"outer-solar-system", "trappist-1", "sun-jupiter-saturn"}; }

std::vector<Particle> asteroid_belt(double G, const Particle& central, int n) {
  std::vector<Particle> out;
  out.reserve(static_cast<std::size_t>(std::max(n, 0)));
  auto frac = [](double x) { return x - std::floor(x); };
  const double mu = G * central.m;
  for (int k = 0; k < n; ++k) {
    OrbitalElements el;
    el.a = 2.1 + 1.2 * frac(0.6180339887498949 * (k + 1));
    el.e = 0.1 * frac(0.4142135623730951 * (k + 1));
    el.inc = 0.1 * frac(0.7320508075688772 * (k + 1));
    el.Omega = 2 * M_PI * frac(0.2360679774997897 * (k + 1));
    el.omega = 2 * M_PI * frac(0.3166247903554 * (k + 1));
    el.M = 2 * M_PI * frac(0.1415926535897932 * (k + 1));
    const auto [r, v] = to_cartesian(mu, el);
    out.push_back(Particle{0.0, central.r + r, central.v + v});
  }
  return out;
}

namespace {

// Hairer, Lubich & Wanner, Geometric Numerical Integration (2nd ed., 2006), Section I.2.4:
// heliocentric positions (AU) and velocities (AU/day) of 5 September 1994, 0h00 GST; the Sun's
// mass includes the inner planets.
PlanetarySystem outer_solar_system() {
  PlanetarySystem s;
  s.name = "outer-solar-system";
  s.description = "Sun (with inner planets), Jupiter, Saturn, Uranus, Neptune, Pluto; HLW GNI "
                  "Sec. I.2.4, 5 Sep 1994; AU, days, solar masses";
  s.G = kGaussG;
  s.names = {"Sun", "Jupiter", "Saturn", "Uranus", "Neptune", "Pluto"};
  s.bodies = {
      {1.00000597682, {0, 0, 0}, {0, 0, 0}},
      {0.000954786104043, {-3.5023653, -3.8169847, -1.5507963}, {0.00565429, -0.00412490, -0.00190589}},
      {0.000285583733151, {9.0755314, -3.0458353, -1.6483708}, {0.00168318, 0.00483525, 0.00192462}},
      {0.0000437273164546, {8.3101420, -16.2901086, -7.2521278}, {0.00354178, 0.00137102, 0.00055029}},
      {0.0000517759138449, {11.4707666, -25.7294829, -10.8169456}, {0.00288930, 0.00114527, 0.00039677}},
      {1.0 / 1.3e8, {-15.5387357, -25.2225594, -3.1902382}, {0.00276725, -0.00170702, -0.00136504}},
  };
  return s;
}

// TRAPPIST-1: stellar mass 0.0898 Msun and planet masses (Earth masses) and periods (days) from
// Agol et al. 2021 (PSJ 2, 1); eccentricities from Grimm et al. 2018 (A&A 613, A68);
// inclinations from Agol et al. 2021. The published solution fixes the phases at its epoch in
// transit-timing parameters; here the mean anomalies are spread evenly (documented choice), so
// this is a faithful architecture, not an ephemeris.
PlanetarySystem trappist1() {
  PlanetarySystem s;
  s.name = "trappist-1";
  s.description = "TRAPPIST-1 star and planets b-h (Agol et al. 2021 masses and periods, "
                  "Grimm et al. 2018 eccentricities); AU, days, solar masses";
  s.G = kGaussG;
  constexpr double kEarth = 3.003489614915764e-6;  // Earth mass in solar masses
  const double mstar = 0.0898;
  const double mass[7] = {1.374, 1.308, 0.388, 0.692, 1.039, 1.321, 0.326};
  const double period[7] = {1.510826, 2.421937, 4.049219, 6.101013, 9.207540, 12.352446, 18.772866};
  const double ecc[7] = {0.00622, 0.00654, 0.00837, 0.00510, 0.01007, 0.00208, 0.00567};
  const double inc_deg[7] = {89.728, 89.778, 89.896, 89.793, 89.740, 89.742, 89.805};
  const char* nm[7] = {"b", "c", "d", "e", "f", "g", "h"};
  s.names = {"TRAPPIST-1"};
  s.bodies.push_back({mstar, {0, 0, 0}, {0, 0, 0}});
  for (int i = 0; i < 7; ++i) {
    const double m = mass[i] * kEarth;
    const double mu = s.G * (mstar + m);
    OrbitalElements el;
    el.a = std::cbrt(mu * period[i] * period[i] / (4 * M_PI * M_PI));
    el.e = ecc[i];
    el.inc = inc_deg[i] * kDeg;
    el.Omega = 0.0;
    el.omega = 0.0;
    el.M = 2 * M_PI * i / 7.0;
    const auto [r, v] = to_cartesian(mu, el);
    s.bodies.push_back({m, r, v});
    s.names.push_back(std::string("TRAPPIST-1 ") + nm[i]);
  }
  return s;
}

PlanetarySystem sun_jupiter_saturn() {
  PlanetarySystem o = outer_solar_system();
  PlanetarySystem s;
  s.name = "sun-jupiter-saturn";
  s.description = "Sun, Jupiter and Saturn of the HLW outer solar system (5 Sep 1994) plus test "
                  "particles in an asteroid belt; AU, days, solar masses";
  s.G = o.G;
  s.bodies = {o.bodies[0], o.bodies[1], o.bodies[2]};
  s.names = {"Sun", "Jupiter", "Saturn"};
  return s;
}

std::string known_list() {
  std::string out;
  for (const auto& n : planetary_system_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

PlanetarySystem make_planetary_system(const std::string& name, int test_particles) {
  if (test_particles < 0)
    throw InvalidInput("test particle count " + std::to_string(test_particles) + " must be >= 0");
  PlanetarySystem s;
  if (name == "outer-solar-system")
    s = outer_solar_system();
  else if (name == "trappist-1")
    s = trappist1();
  else if (name == "sun-jupiter-saturn")
    s = sun_jupiter_saturn();
  else
    throw InvalidInput("unknown system '" + name + "' (known: " + known_list() + ", or a .json file)");
  s.test_particles = asteroid_belt(s.G, s.bodies[0], test_particles);
  s.validate();
  return s;
}

namespace {

using nlohmann::json;

Vec3 vec3_field(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw InvalidInput(where + ": missing \"" + key + "\"");
  const json& a = j.at(key);
  if (!a.is_array() || a.size() != 3 || !a[0].is_number() || !a[1].is_number() || !a[2].is_number())
    throw InvalidInput(where + ": \"" + key + "\" must be an array of 3 numbers");
  return {a[0].get<double>(), a[1].get<double>(), a[2].get<double>()};
}

double number_field(const json& j, const char* key, const std::string& where, double fallback,
                    bool required) {
  if (!j.contains(key)) {
    if (required) throw InvalidInput(where + ": missing \"" + key + "\"");
    return fallback;
  }
  if (!j.at(key).is_number()) throw InvalidInput(where + ": \"" + key + "\" must be a number");
  return j.at(key).get<double>();
}

// A string member: json::value() would throw nlohmann's type_error, without the file's name, for
// {"name": 10} (found by fuzz_system_json).
std::string string_field(const json& j, const char* key, const std::string& where, const std::string& fallback) {
  if (!j.contains(key)) return fallback;
  if (!j.at(key).is_string()) throw InvalidInput(where + ": \"" + key + "\" must be a string");
  return j.at(key).get<std::string>();
}

Particle particle_from_json(const json& j, const std::string& where, double G, const Particle* central,
                            bool massive) {
  if (!j.is_object()) throw InvalidInput(where + " must be an object");
  Particle p;
  p.m = massive ? number_field(j, "m", where, 0.0, true) : 0.0;
  if (j.contains("elements")) {
    if (!central) throw InvalidInput(where + ": the central body (bodies[0]) must be Cartesian");
    const json& e = j.at("elements");
    const std::string w = where + ".elements";
    if (!e.is_object()) throw InvalidInput(w + " must be an object");
    OrbitalElements el;
    el.a = number_field(e, "a", w, 0.0, true);
    el.e = number_field(e, "e", w, 0.0, false);
    el.inc = number_field(e, "inc", w, 0.0, false) * kDeg;
    el.Omega = number_field(e, "Omega", w, 0.0, false) * kDeg;
    el.omega = number_field(e, "omega", w, 0.0, false) * kDeg;
    el.M = number_field(e, "M", w, 0.0, false) * kDeg;
    try {
      const auto [r, v] = to_cartesian(G * (central->m + p.m), el);
      p.r = central->r + r;
      p.v = central->v + v;
    } catch (const InvalidInput& ex) {
      throw InvalidInput(w + ": " + ex.what());
    }
  } else {
    p.r = vec3_field(j, "r", where);
    p.v = vec3_field(j, "v", where);
  }
  return p;
}

}  // namespace

PlanetarySystem system_from_json(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse errors, and numbers out of double's range (1e999)
    throw InvalidInput(origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw InvalidInput(origin + ": the top level must be an object");
  PlanetarySystem s;
  s.name = string_field(j, "name", origin, "custom");
  s.description = string_field(j, "description", origin, "from " + origin);
  s.G = number_field(j, "G", origin, 1.0, false);
  s.time = number_field(j, "time", origin, 0.0, false);
  if (!j.contains("bodies") || !j.at("bodies").is_array() || j.at("bodies").empty())
    throw InvalidInput(origin + ": \"bodies\" must be a non-empty array");
  const json& bodies = j.at("bodies");
  bool any_name = false;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const std::string where = origin + ": bodies[" + std::to_string(i) + "]";
    s.bodies.push_back(particle_from_json(bodies[i], where, s.G, i ? &s.bodies[0] : nullptr, true));
    std::string nm = string_field(bodies[i], "name", where, std::string());
    any_name = any_name || !nm.empty();
    s.names.push_back(nm.empty() ? "body " + std::to_string(i) : nm);
  }
  if (!any_name) s.names.clear();
  if (j.contains("test_particles")) {
    const json& tps = j.at("test_particles");
    if (!tps.is_array()) throw InvalidInput(origin + ": \"test_particles\" must be an array");
    for (std::size_t i = 0; i < tps.size(); ++i)
      s.test_particles.push_back(particle_from_json(
          tps[i], origin + ": test_particles[" + std::to_string(i) + "]", s.G, &s.bodies[0], false));
  }
  try {
    s.validate();
  } catch (const InvalidInput& e) {
    throw InvalidInput(origin + ": " + e.what());
  }
  return s;
}

PlanetarySystem load_system(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InvalidInput("cannot open system file '" + path + "'");
  std::ostringstream os;
  os << in.rdbuf();
  return system_from_json(os.str(), path);
}

std::string system_to_json(const PlanetarySystem& s) {
  json j{{"name", s.name}, {"description", s.description}, {"G", s.G}, {"time", s.time}};
  auto arr = [](const Vec3& v) { return json::array({v.x, v.y, v.z}); };
  json bodies = json::array();
  for (std::size_t i = 0; i < s.bodies.size(); ++i) {
    json b{{"m", s.bodies[i].m}, {"r", arr(s.bodies[i].r)}, {"v", arr(s.bodies[i].v)}};
    if (!s.names.empty()) b["name"] = s.names[i];
    bodies.push_back(b);
  }
  j["bodies"] = bodies;
  json tps = json::array();
  for (const auto& p : s.test_particles) tps.push_back({{"r", arr(p.r)}, {"v", arr(p.v)}});
  j["test_particles"] = tps;
  return j.dump();
}

}  // namespace noether::nbody
