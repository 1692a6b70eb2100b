// apps/options.hpp: checks for command-line numbers, shared by every subcommand.
//
//   c->add_option("--dt", a.dt, "step")->check(positive());   // "--dt: must be a positive finite number, got -1"
//
// A check runs only on a value the user gave, so an option's default (which may be a "not set"
// marker such as 0) is never refused, and a value given is never replaced by a default.
#pragma once

#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

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

/// An output file that can be written: its folder exists and is writable, and the path is not a
/// folder. Checked when the command line is read, before any work (a failed write after a long
/// run loses the run).
inline CLI::Validator writable_file() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        namespace fs = std::filesystem;
        if (text == "-") return std::string();  // standard output
        const fs::path path(text);
        const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
        std::error_code ec;
        if (fs::is_directory(path, ec)) return "cannot write '" + text + "': it is a folder";
        if (fs::exists(path, ec))  // an existing file, link, device or FIFO: is it writable itself?
          return ::access(text.c_str(), W_OK) == 0 ? std::string() : "cannot write '" + text + "': not writable";
        if (!fs::is_directory(dir, ec)) return "cannot write '" + text + "': folder '" + dir.string() + "' does not exist";
        if (::access(dir.c_str(), W_OK) != 0) return "cannot write '" + text + "': folder '" + dir.string() + "' is not writable";
        return std::string();
      },
      "FILE");
}

}  // namespace noether::apps
