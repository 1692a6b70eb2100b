// nbody/system.hpp: a planetary system (massive bodies plus massless test particles), its
// conserved quantities, the built-in systems and JSON system files.
//
//   auto sys = noether::nbody::make_planetary_system("outer-solar-system");   // HLW, 5 Sep 1994
//   double e0 = noether::nbody::energy(sys);
//   auto belt = noether::nbody::make_planetary_system("sun-jupiter-saturn", /*test_particles=*/1000);
//   auto custom = noether::nbody::load_system("my_system.json");
//
// Built-in systems use AU, days and solar masses with G = 2.95912208286e-4 (HLW's constant).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nbody/vec3.hpp"

namespace noether::nbody {

/// Gravitational constant in AU^3 / (Msun day^2) used by Hairer, Lubich & Wanner.
inline constexpr double kGaussG = 2.95912208286e-4;

struct PlanetarySystem {
  std::string name;
  std::string description;
  double G = 1.0;                       ///< gravitational constant (length^3 / (mass time^2))
  double time = 0.0;                    ///< time of the state (time units)
  std::vector<Particle> bodies;         ///< massive bodies; bodies[0] is the central one
  std::vector<std::string> names;       ///< one per body (may be empty)
  std::vector<Particle> test_particles; ///< massless particles (their m is ignored)

  /// Throws InvalidInput naming the first problem: no bodies, a non-positive mass, a non-finite
  /// coordinate, G <= 0, names of the wrong length.
  void validate() const;
};

/// Total energy of the massive bodies: kinetic + potential (mass length^2 / time^2).
double energy(const PlanetarySystem& s);
/// Total angular momentum of the massive bodies about the origin (mass length^2 / time).
Vec3 angular_momentum(const PlanetarySystem& s);
/// Centre of mass position and velocity of the massive bodies.
Vec3 center_of_mass(const PlanetarySystem& s);
Vec3 center_of_mass_velocity(const PlanetarySystem& s);
/// Shifts every body and test particle so that the massive centre of mass is at rest at the origin.
void move_to_center_of_mass(PlanetarySystem& s);

/// Names accepted by make_planetary_system: "outer-solar-system", "trappist-1", "sun-jupiter-saturn".
std::vector<std::string> planetary_system_names();

/// A built-in system. `test_particles` massless particles are added on heliocentric orbits of an
/// asteroid belt between 2.1 and 3.3 AU (deterministic, reproducible), for any system.
/// Throws InvalidInput for an unknown name (listing the known ones) or a negative count.
PlanetarySystem make_planetary_system(const std::string& name, int test_particles = 0);

/// The test-particle belt used by make_planetary_system: n particles around `central` (mass units of the
/// system, G given), eccentricities <= 0.1, inclinations <= 0.1 rad.
std::vector<Particle> asteroid_belt(double G, const Particle& central, int n);

/// Reads a system from JSON text. Format:
///   {"name": "...", "G": 2.95912208286e-4, "time": 0,
///    "bodies": [{"name": "Sun", "m": 1.0, "r": [0,0,0], "v": [0,0,0]},
///               {"name": "b", "m": 1e-5, "elements": {"a": 1.0, "e": 0.01, "inc": 0,
///                                        "Omega": 0, "omega": 0, "M": 0}}],
///    "test_particles": [{"r": [...], "v": [...]} or {"elements": {...}}]}
/// Elements are relative to bodies[0] with mu = G (m0 + m); angles in degrees. Throws
/// InvalidInput naming the bad field.
PlanetarySystem system_from_json(const std::string& json_text, const std::string& origin = "JSON");
/// Reads a system from a JSON file (see system_from_json). Throws InvalidInput naming the path.
PlanetarySystem load_system(const std::string& path);
/// Writes the system as JSON (Cartesian coordinates) to the string returned.
std::string system_to_json(const PlanetarySystem& s);

}  // namespace noether::nbody
