// The command line's number check (apps/options.hpp positive()), without LibTorch.
#include "tests/support/test_common_core.hpp"

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/options.hpp"

namespace {
std::string check(std::string text) { return noether::apps::positive()(text); }
}  // namespace

TEST_CASE("positive(): a finite number > 0, in full", "[cli]") {
  for (const char* ok : {"1", "0.01", "2.5e+2", "365.25", "0x1p-3", " 5"}) CHECK(check(ok).empty());
  // Found by fuzz_cli_numbers: a subnormal value was refused as "not a number" (std::stod throws
  // out_of_range for it).
  CHECK(check("1e-310").empty());
  CHECK(check("4.9e-324").empty());
  for (const char* bad : {"0", "-1", "-0", "1e-400", "1e999", "inf", "nan"})
    CHECK_THAT(check(bad), Catch::Contains("must be a positive finite number, got " + std::string(bad)));
  for (const char* bad : {"", "abc", "5 ", "1_000", "2x"})
    CHECK_THAT(check(bad), Catch::Contains("not a number: '" + std::string(bad) + "'"));
  CHECK_THAT(check(std::string("1\0" "2", 3)), Catch::Contains("not a number"));
}

TEST_CASE("positive() on an option: a value given is checked, a tiny one kept", "[cli]") {
  CLI::App app("test");
  double dt = 0.0;
  app.add_option("--dt", dt)->check(noether::apps::positive());
  std::vector<std::string> args{"1e-310", "--dt"};  // CLI11 reads the vector from the back
  app.parse(args);
  CHECK(dt == 1e-310);
  std::vector<std::string> bad{"-1", "--dt"};
  CHECK_THROWS_AS(app.parse(bad), CLI::ValidationError);
}
