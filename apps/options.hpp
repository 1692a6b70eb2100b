// apps/options.hpp: checks for command-line numbers, shared by every subcommand.
//
//   c->add_option("--dt", a.dt, "step")->check(positive());   // "--dt: must be a positive finite number, got -1"
//   c->add_option("--every", a.every, "rows")->check(at_least(1));
//
// Every numeric option of every subcommand carries one of these checks, with its range.
// A check runs only on a value the user gave, so an option's default (which may be a "not set"
// marker such as 0) is never refused, and a value given is never replaced by a default.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "noether/error.hpp"

namespace noether::apps {

/// The system `--system NAME --links N` names: chain-pendulum-N for chain-pendulum, NAME itself
/// when links is 0 (not given). Throws InvalidInput for --links with another system.
inline std::string system_with_links(const std::string& system, int links) {
  if (links == 0) return system;
  if (system != "chain-pendulum")
    throw InvalidInput("--links " + std::to_string(links) + " applies to --system chain-pendulum, not '" + system + "'");
  return "chain-pendulum-" + std::to_string(links);
}

namespace detail {

/// Parses the whole of `text` as a number; false (and `v` untouched) if it is not one.
/// strtod rather than stod: stod throws out_of_range for a tiny positive value such as 1e-310 (a
/// subnormal double), which was then refused as "not a number" (found by fuzz_cli_numbers).
inline bool parse_number(const std::string& text, double& v) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double x = std::strtod(begin, &end);
  if (end == begin || end != begin + text.size()) return false;
  v = x;
  return true;
}

/// A finite number accepted by `ok`, else "must be WHAT, got TEXT"; integers only if `integer`.
template <class Ok>
CLI::Validator number_check(Ok ok, std::string what, std::string name, bool integer) {
  return CLI::Validator(
      [ok, what, integer](std::string& text) -> std::string {
        double v = 0.0;
        if (!parse_number(text, v)) return "not a number: '" + text + "'";
        if (!std::isfinite(v) || !ok(v) || (integer && v != std::floor(v)))
          return "must be " + what + ", got " + text;
        return std::string();
      },
      std::move(name));
}

}  // namespace detail

/// A finite number > 0.
inline CLI::Validator positive() {
  return detail::number_check([](double v) { return v > 0.0; }, "a positive finite number", "POSITIVE", false);
}

/// A finite number >= 0.
inline CLI::Validator non_negative() {
  return detail::number_check([](double v) { return v >= 0.0; }, "a finite number >= 0", "NON-NEGATIVE", false);
}

/// A finite number in [0, 1).
inline CLI::Validator fraction() {
  return detail::number_check([](double v) { return v >= 0.0 && v < 1.0; }, "a fraction in [0, 1)", "FRACTION",
                              false);
}

/// An integer >= lo (and <= hi): counts, sizes, thread numbers.
inline CLI::Validator at_least(long long lo, long long hi = 2147483647LL) {
  std::string what = "an integer >= " + std::to_string(lo);
  what += hi < 2147483647LL ? " and <= " + std::to_string(hi) : " (at most 2147483647)";
  return detail::number_check(
      [lo, hi](double v) { return v >= static_cast<double>(lo) && v <= static_cast<double>(hi); }, what,
      "INT", true);
}

/// `--links N` (1 to 16) on a command that takes --system: read with system_with_links.
inline CLI::Option* add_links_option(CLI::App* command, int& links) {
  return command->add_option("--links", links, "chain-pendulum: links (the same as --system chain-pendulum-N)")
      ->check(at_least(1, 16));
}

/// Options a resumed run takes from its checkpoint: giving one of `names` together with `resume`
/// is refused when the command line is read ("--hidden excludes --resume"), instead of being
/// silently ignored.
inline void taken_from_checkpoint(CLI::App* command, CLI::Option* resume, std::initializer_list<const char*> names) {
  for (const char* name : names) command->get_option(name)->excludes(resume);
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
        // access() says yes to root everywhere and knows nothing of /proc-like folders: create
        // (and remove) a probe file, as the real write will.
        const std::string probe = (dir / (".noether-probe-" + std::to_string(::getpid()))).string();
        const int fd = ::open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd < 0) {
          const std::error_code why(errno, std::generic_category());
          return "cannot write '" + text + "': folder '" + dir.string() + "': " + why.message();
        }
        ::close(fd);
        ::unlink(probe.c_str());
        return std::string();
      },
      "FILE", "writable_file");
}

/// A file name ending in `extension` (".svg"): the formats noether writes are named, not guessed,
/// and a plot is never written as SVG text into a file called .png.
inline CLI::Validator with_extension(std::string extension) {
  return CLI::Validator(
      [extension](std::string& text) -> std::string {
        const bool ok = text.size() > extension.size() &&
                        text.compare(text.size() - extension.size(), extension.size(), extension) == 0;
        return ok ? std::string() : "'" + text + "': only " + extension + " is written; name the file *" + extension;
      },
      "*" + extension);
}

}  // namespace noether::apps
