// apps/format.hpp: the few text helpers every subcommand of the `noether` program shares.
//
//   std::cout << sci(1.234e-9);          // 1.234e-09
//   std::cout << short_number(10.0);     // 10, not 10.000000
//   if (ends_with(path, ".json")) ...
//   {"position_mse", finite_or_null(mse)}  // null in --json output for NaN or inf
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace noether::apps {

/// v in scientific notation with `precision` digits after the point: sci(1.5e-9) = "1.500e-09".
std::string sci(double v, int precision = 3);

/// v as an ostream prints it with `precision` significant digits: short_number(10.0) = "10",
/// short_number(0.0500) = "0.05", short_number(200000, 6) = "200000".
std::string short_number(double v, int precision = 6);

/// Whether s ends with suffix (file extensions: ".json", ".svg").
bool ends_with(const std::string& s, const std::string& suffix);

/// v as a JSON number, or null where it is NaN or infinite (which JSON cannot hold).
inline nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace noether::apps
