// fuzz/fuzz_cli_numbers.cpp: the command line's number check (apps/options.hpp positive()), on
// the text a user types after --dt, --years, --steps or --omega.
//
// Properties: positive() accepts exactly the texts that are, in full, a finite number > 0 (checked
// against strtod); and an option read through CLI11 with the check attached, as the commands
// declare theirs (a double and an integer), either holds a finite value > 0 or refuses with a
// CLI::ParseError, never another exception.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/options.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

/// The reference, from positive()'s promise: the whole text is one number (strtod's syntax,
/// leading blanks allowed) whose value as a double is finite and > 0.
bool positive_reference(const std::string& text) {
  if (text.empty() || text.find('\0') != std::string::npos) return false;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || end == text.c_str()) return false;
  return std::isfinite(v) && v > 0.0;
}

template <class T>
void parse_option(const std::string& text) {
  CLI::App app("fuzz");
  T value{};
  app.add_option("--value", value)->check(noether::apps::positive());
  std::vector<std::string> args{text, "--value"};  // CLI11 reads the vector from the back
  try {
    app.parse(args);
  } catch (const CLI::ParseError&) {
    return;
  }
  NOETHER_FUZZ_CHECK(std::isfinite(static_cast<double>(value)) && value > 0, "an accepted value is not positive");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string checked = text;
  const std::string error = noether::apps::positive()(checked);
  NOETHER_FUZZ_CHECK(error.empty() == positive_reference(text), "positive() disagrees with strtod");
  NOETHER_FUZZ_CHECK(error.empty() || error.find(text) != std::string::npos || text.find('\0') != std::string::npos,
                     "the refusal does not name the text");
  parse_option<double>(text);
  parse_option<long>(text);
  parse_option<int>(text);
  return 0;
}
