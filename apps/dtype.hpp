// apps/dtype.hpp: --dtype for the commands that train or run a torch model.
//
//   o.dtype = parse_dtype(a.dtype);   // "float32" or "float64"
#pragma once

#include <string>

#include <c10/core/ScalarType.h>

#include "noether/error.hpp"

namespace noether::apps {

inline c10::ScalarType parse_dtype(const std::string& s) {
  if (s == "float32") return c10::ScalarType::Float;
  if (s == "float64") return c10::ScalarType::Double;
  throw InvalidInput("--dtype '" + s + "': use float32 or float64");
}

}  // namespace noether::apps
