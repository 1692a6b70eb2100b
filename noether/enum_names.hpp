// noether/enum_names.hpp: an enum's names in one table, read both ways.
//
//   constexpr EnumName<ModelKind> kKinds[] = {{ModelKind::kHnn, "hnn"}, {ModelKind::kDhnn, "dhnn"}};
//   const char* n = enum_name(kKinds, ModelKind::kHnn);            // "hnn"
//   ModelKind k = parse_enum(kKinds, "dhnx", "model");             // InvalidInput:
//   // "unknown model 'dhnx'; known: hnn, dhnn"
//
// Every enum that options, files and the command line spell by name (model kinds, losses,
// refinements) uses this, so the message listing the valid names is written once.
#pragma once

#include <cstddef>
#include <string>

#include "noether/error.hpp"

namespace noether {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

/// "a, b, c": the names of a table.
template <class E, std::size_t N>
std::string enum_names(const EnumName<E> (&table)[N]) {
  std::string out;
  for (const auto& e : table) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

/// The name of `value`; InternalError for a value without one.
template <class E, std::size_t N>
const char* enum_name(const EnumName<E> (&table)[N], E value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  throw InternalError("an enum value without a name");
}

/// The value called `name`; InvalidInput "unknown <what> '<name>'; known: ..." otherwise.
template <class E, std::size_t N>
E parse_enum(const EnumName<E> (&table)[N], const std::string& name, const std::string& what) {
  for (const auto& e : table)
    if (name == e.name) return e.value;
  throw InvalidInput("unknown " + what + " '" + name + "'; known: " + enum_names(table));
}

}  // namespace noether
