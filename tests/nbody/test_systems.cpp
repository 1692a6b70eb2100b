// Built-in planetary systems and JSON system files.
#include "tests/support/test_common_core.hpp"

#include <cmath>

#include "nbody/elements.hpp"
#include "nbody/system.hpp"
#include "nbody/wisdom_holman.hpp"
#include "noether/error.hpp"

using namespace noether::nbody;

TEST_CASE("Built-in systems", "[nbody][systems]") {
  const PlanetarySystem oss = make_planetary_system("outer-solar-system");
  REQUIRE(oss.bodies.size() == 6);
  CHECK(oss.G == 2.95912208286e-4);
  CHECK(oss.bodies[0].m == 1.00000597682);
  CHECK(oss.bodies[1].r.x == -3.5023653);  // Jupiter, HLW 5 Sep 1994
  CHECK(oss.bodies[5].v.z == -0.00136504);  // Pluto
  const auto jup = to_elements(oss.G * (oss.bodies[0].m + oss.bodies[1].m), oss.bodies[1].r, oss.bodies[1].v);
  CHECK(jup.a == Approx(5.2).epsilon(0.01));
  CHECK(jup.e == Approx(0.048).margin(0.01));

  const PlanetarySystem t1 = make_planetary_system("trappist-1");
  REQUIRE(t1.bodies.size() == 8);
  const auto b = to_elements(t1.G * (t1.bodies[0].m + t1.bodies[1].m), t1.bodies[1].r, t1.bodies[1].v);
  const double period = 2 * M_PI * std::sqrt(b.a * b.a * b.a / (t1.G * (t1.bodies[0].m + t1.bodies[1].m)));
  CHECK(period == Approx(1.510826).epsilon(1e-12));
  CHECK(b.a == Approx(0.01154).epsilon(0.01));

  const PlanetarySystem sjs = make_planetary_system("sun-jupiter-saturn", 100);
  CHECK(sjs.bodies.size() == 3);
  CHECK(sjs.test_particles.size() == 100);
  for (const auto& p : sjs.test_particles) {
    CHECK(norm(p.r) > 1.5);
    CHECK(norm(p.r) < 4.0);
  }
  CHECK_THROWS_WITH(make_planetary_system("pluto-charon"), Catch::Contains("unknown system 'pluto-charon'"));
  CHECK_THROWS_AS(make_planetary_system("trappist-1", -1), noether::InvalidInput);
}

TEST_CASE("TRAPPIST-1 integrates with small energy error", "[nbody][systems]") {
  const PlanetarySystem t1 = make_planetary_system("trappist-1");
  WisdomHolmanOptions o;
  o.dt = 1.510826 / 25;
  o.corrector = 11;
  WisdomHolman wh(t1, o);
  REQUIRE(wh.integrate(25 * 1000).ok());
  CHECK(std::abs(energy(wh.state()) / energy(t1) - 1) < 1e-8);
}

TEST_CASE("JSON systems: Cartesian and elements, errors name the field", "[nbody][systems]") {
  const std::string text = R"({"name": "pair", "G": 1.0,
    "bodies": [{"name": "star", "m": 1.0, "r": [0,0,0], "v": [0,0,0]},
               {"name": "planet", "m": 0.001, "elements": {"a": 1.0, "e": 0.1, "inc": 10, "M": 90}}],
    "test_particles": [{"elements": {"a": 2.0}}, {"r": [3,0,0], "v": [0,0.5,0]}]})";
  const PlanetarySystem s = system_from_json(text);
  CHECK(s.name == "pair");
  REQUIRE(s.bodies.size() == 2);
  REQUIRE(s.test_particles.size() == 2);
  CHECK(s.names[1] == "planet");
  const auto el = to_elements(1.001, s.bodies[1].r, s.bodies[1].v);
  CHECK(el.a == Approx(1.0).epsilon(1e-13));
  CHECK(el.inc == Approx(10 * M_PI / 180).epsilon(1e-13));
  CHECK(norm(s.test_particles[0].r) == Approx(2.0).epsilon(1e-13));
  const PlanetarySystem back = system_from_json(system_to_json(s));
  CHECK(back.bodies[1].r.x == s.bodies[1].r.x);
  CHECK(back.test_particles[1].v.y == 0.5);

  CHECK_THROWS_WITH(system_from_json("{"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": []})"), Catch::Contains("bodies"));
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": 1, "r": [0,0], "v": [0,0,0]}]})"),
                    Catch::Contains("bodies[0]") && Catch::Contains("\"r\""));
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": 1, "r": [0,0,0], "v": [0,0,0]},
                                                    {"m": 1e-3, "elements": {"a": 1, "e": 1.0}}]})"),
                    Catch::Contains("bodies[1].elements"));
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": -1, "r": [0,0,0], "v": [0,0,0]}]})"),
                    Catch::Contains("mass"));
  CHECK_THROWS_AS(load_system("/nonexistent/system.json"), noether::InvalidInput);
}

TEST_CASE("Physically meaningless systems are refused at validation", "[nbody][systems]") {
  // One body: nothing to integrate, and its energy error was reported as NaN with success.
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": 1, "r": [0,0,0], "v": [0,0,0]}]})"),
                    Catch::Contains("1 massive body") && Catch::Contains("at least one more"));
  // Two bodies at one place: refused here, naming them, not deep in the Kepler drift.
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": 1, "r": [0,0,0], "v": [0,0,0]},
                                                    {"m": 1e-3, "r": [1,0,0], "v": [0,1,0]},
                                                    {"m": 1e-3, "r": [1,0,0], "v": [0,1.1,0]}]})"),
                    Catch::Contains("bodies 1 and 2 are at the same position"));
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": 1, "r": [0,0,0], "v": [0,0,0]},
                                                    {"m": 1e-3, "r": [1,0,0], "v": [0,1,0]}],
                                         "test_particles": [{"r": [1,0,0], "v": [0,1,0]}]})"),
                    Catch::Contains("test particle 0 is at the position of body 1"));
  // The massive-body mass check still names the body.
  CHECK_THROWS_WITH(system_from_json(R"({"bodies": [{"m": 1, "r": [0,0,0], "v": [0,0,0]},
                                                    {"m": -1, "r": [1,0,0], "v": [0,1,0]}]})"),
                    Catch::Contains("body 1 has mass"));
}

TEST_CASE("JSON systems: a name that is not a string is refused naming the file", "[nbody][systems]") {
  // Found by fuzz_system_json: {"name": 10} escaped as nlohmann's type_error, without the file.
  const std::string body = R"({"m": 1, "r": [0,0,0], "v": [0,0,0]})";
  CHECK_THROWS_MATCHES(system_from_json(R"({"name": 10, "bodies": [)" + body + "]}", "sys.json"),
                       noether::InvalidInput, Catch::Message("sys.json: \"name\" must be a string"));
  CHECK_THROWS_MATCHES(system_from_json(R"({"description": [], "bodies": [)" + body + "]}", "sys.json"),
                       noether::InvalidInput, Catch::Message("sys.json: \"description\" must be a string"));
  CHECK_THROWS_MATCHES(system_from_json(R"({"bodies": [{"name": null, "m": 1, "r": [0,0,0], "v": [0,0,0]}]})", "sys.json"),
                       noether::InvalidInput, Catch::Message("sys.json: bodies[0]: \"name\" must be a string"));
  CHECK(system_from_json(R"({"name": "x", "bodies": [)" + body + R"(, {"m": 1e-3, "r": [1,0,0], "v": [0,1,0]}]})").name == "x");
}
