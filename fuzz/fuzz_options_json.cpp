// fuzz/fuzz_options_json.cpp: the JSON options codec (noether/json_codec.hpp), which reads the
// settings recorded in model files and their FILE.json sidecars, and the conformer data folder's
// options.json, back into options structs with from_json_checked.
//
// Fed a JSON document, it reads two structs from it: physics::DataProtocol (the "data" block of
// every HNN model file) and a probe with one member of each kind the codec's users declare
// (int, int64_t, uint64_t, double, bool, string, list of strings, a scheme name), with a validate()
// like theirs. Properties: from_json_checked returns a value or throws noether::InvalidInput
// (anything else escaping fails); a number it reads is the number in the file, never a truncated
// or wrapped one; a value read is written and read back unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_check.hpp"
#include "integrators/registry.hpp"
#include "noether/error.hpp"
#include "noether/json_codec.hpp"
#include "physics/systems/systems.hpp"

namespace noether::integrators {
NOETHER_JSON_ENUM(Scheme, scheme_name, parse_scheme)
}  // namespace noether::integrators

namespace noether::fuzz {

struct Probe {
  int count = 1;
  int64_t steps = 10;
  uint64_t seed = 0;
  double dt = 0.1;
  bool flag = false;
  std::string name = "probe";
  std::vector<std::string> files;
  integrators::Scheme integrator = integrators::Scheme::kRk4;
  void validate() const {
    if (count < 1) throw InvalidInput("Probe.count must be >= 1");
    if (!(dt > 0.0)) throw InvalidInput("Probe.dt must be > 0");
  }
  bool operator==(const Probe& o) const {
    return count == o.count && steps == o.steps && seed == o.seed && dt == o.dt && flag == o.flag &&
           name == o.name && files == o.files && integrator == o.integrator;
  }
};
NOETHER_JSON(Probe, count, steps, seed, dt, flag, name, files, integrator)

}  // namespace noether::fuzz

namespace {

using nlohmann::json;

/// True when j has no number under `key`, or `value` is exactly that number.
template <class T>
bool reads_exactly(const json& j, const char* key, T value) {
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_number()) return true;
  const json& v = j.at(key);
  if (v.is_number_float()) return static_cast<long double>(value) == static_cast<long double>(v.get<double>());
  if (v.is_number_unsigned()) {
    if constexpr (std::is_signed_v<T>)
      if (value < 0) return false;
    return static_cast<std::uint64_t>(value) == v.get<std::uint64_t>();
  }
  const std::int64_t n = v.get<std::int64_t>();
  if constexpr (std::is_signed_v<T>) return static_cast<std::int64_t>(value) == n;
  else return n >= 0 && static_cast<std::uint64_t>(n) == static_cast<std::uint64_t>(value);
}

template <class T>
bool read(const json& j, T& out) {
  try {
    out = noether::from_json_checked<T>(j, "fuzz.json");
    return true;
  } catch (const noether::InvalidInput&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json j;
  try {
    j = json::parse(data, data + size);
  } catch (const json::exception&) {
    return 0;  // not JSON: the readers' json::parse is outside the codec
  }

  noether::physics::DataProtocol d;
  if (read(j, d)) {
    NOETHER_FUZZ_CHECK(reads_exactly(j, "trajectories", d.trajectories), "trajectories is not the number given");
    NOETHER_FUZZ_CHECK(reads_exactly(j, "points", d.points), "points is not the number given");
    noether::physics::DataProtocol back;
    NOETHER_FUZZ_CHECK(read(json(d), back), "a DataProtocol written does not read back");
    NOETHER_FUZZ_CHECK(back.trajectories == d.trajectories && back.points == d.points && back.t0 == d.t0 &&
                           back.t1 == d.t1 && back.noise_std == d.noise_std && back.test_fraction == d.test_fraction,
                       "a DataProtocol changed in a round trip");
  }

  noether::fuzz::Probe p;
  if (read(j, p)) {
    NOETHER_FUZZ_CHECK(reads_exactly(j, "count", p.count), "an int is not the number given");
    NOETHER_FUZZ_CHECK(reads_exactly(j, "steps", p.steps), "an int64_t is not the number given");
    NOETHER_FUZZ_CHECK(reads_exactly(j, "seed", p.seed), "a uint64_t is not the number given");
    noether::fuzz::Probe back;
    NOETHER_FUZZ_CHECK(read(json(p), back) && back == p, "a Probe changed in a round trip");
  }
  return 0;
}
