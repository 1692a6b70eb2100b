// The JSON codec's reading of integer members, without LibTorch (sanitizer build): a number is
// read exactly or refused, never wrapped, truncated or cast out of range.
#include "tests/support/test_common_core.hpp"

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "noether/error.hpp"
#include "noether/json_codec.hpp"
#include "physics/systems/systems.hpp"

namespace np = noether::physics;
using nlohmann::json;

namespace codec_test {
struct Counters {
  uint64_t seed = 0;
  int64_t steps = 0;
  int count = 1;
};
NOETHER_JSON(Counters, seed, steps, count)
}  // namespace codec_test

namespace {

template <class T>
std::string refusal(const json& j) {
  try {
    noether::from_json_checked<T>(j, "model 'm.pt'");
  } catch (const noether::InvalidInput& e) {
    return e.what();
  }
  FAIL("accepted " << j.dump());
  return "";
}

}  // namespace

TEST_CASE("codec: integer members take integers exactly and refuse what they cannot hold", "[physics][codec]") {
  using codec_test::Counters;
  // Found by fuzz_options_json: 1.9446744073709552e19 into a uint64_t was cast out of range
  // (undefined behaviour, UBSan: "outside the range of representable values").
  CHECK_THAT(refusal<Counters>(json::parse(R"({"seed":19446744073709551615})")),
             Catch::Contains("model 'm.pt'") && Catch::Contains("seed"));
  CHECK_THAT(refusal<Counters>(json{{"seed", -1}}), Catch::Contains("seed = -1"));
  CHECK_THAT(refusal<Counters>(json{{"count", 4294967297ULL}}), Catch::Contains("count"));  // was read as 1
  CHECK_THAT(refusal<Counters>(json{{"count", 2.5}}), Catch::Contains("count = 2.5"));      // was read as 2
  CHECK_THAT(refusal<Counters>(json{{"steps", 9223372036854775808ULL}}), Catch::Contains("steps"));
  CHECK_THAT(refusal<Counters>(json{{"steps", 1e300}}), Catch::Contains("steps"));
  CHECK_THAT(refusal<Counters>(json::array({1, 2})), Catch::Contains("must be a JSON object"));
  CHECK_THAT(refusal<Counters>(json{{"count", "two"}}), Catch::Contains("unreadable"));

  const auto c = noether::from_json_checked<Counters>(
      json{{"seed", 18446744073709551615ULL}, {"steps", INT64_MIN}, {"count", 3.0}}, "m.pt");
  CHECK(c.seed == UINT64_MAX);
  CHECK(c.steps == INT64_MIN);
  CHECK(c.count == 3);
  CHECK(noether::from_json_checked<Counters>(json::object(), "m.pt").count == 1);  // missing: the default
}

TEST_CASE("codec: a model file's data protocol refuses a trajectory count it would have wrapped",
          "[physics][codec]") {
  CHECK_THAT(refusal<np::DataProtocol>(json{{"trajectories", 1e300}}), Catch::Contains("trajectories"));
  CHECK_THAT(refusal<np::DataProtocol>(json{{"points", 4294967298ULL}}), Catch::Contains("points"));  // was 2
  np::DataProtocol p;
  p.trajectories = 7;
  p.t1 = 4.5;
  const auto back = noether::from_json_checked<np::DataProtocol>(json(p), "round trip");
  CHECK(back.trajectories == 7);
  CHECK(back.t1 == 4.5);
}
