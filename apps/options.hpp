// apps/options.hpp: checks for command-line numbers, shared by every subcommand.
//
//   c->add_option("--dt", a.dt, "step")->check(positive());   // "--dt: must be a positive finite number, got -1"
//
// A check runs only on a value the user gave, so an option's default (which may be a "not set"
// marker such as 0) is never refused, and a value given is never replaced by a default.
#pragma once

#include <cmath>
#include <string>

#include <CLI/CLI.hpp>

namespace noether::apps {

/// A finite number > 0.
inline CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0.0;
        try {
          std::size_t used = 0;
          v = std::stod(text, &used);
          if (used != text.size()) return "not a number: '" + text + "'";
        } catch (const std::exception&) {
          return "not a number: '" + text + "'";
        }
        return v > 0.0 && std::isfinite(v) ? std::string() : "must be a positive finite number, got " + text;
      },
      "POSITIVE");
}

}  // namespace noether::apps
