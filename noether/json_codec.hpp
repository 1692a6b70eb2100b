// noether/json_codec.hpp: options structs <-> JSON, declared once beside each struct.
//
//   struct ModelConfig { ModelKind kind; int64_t dof; ... };
//   NOETHER_JSON_ENUM(ModelKind, model_kind_name, parse_model_kind)   // same namespace as the enum
//   NOETHER_JSON(ModelConfig, kind, dof, hidden, layers, activation)  // same namespace as the struct
//   nlohmann::json j = config;                                        // {"kind": "hnn", "dof": 1, ...}
//   auto back = noether::from_json_checked<ModelConfig>(j, "model 'm.pt'");
//
// Model files (physics/learning/checkpoint.hpp) and data files write their options through these
// declarations, so the keys of a struct are named in one place. Reading is lenient about missing
// keys (they take the struct's defaults, so files from before a field existed still load) and
// strict about everything else: a wrong type or an unknown enum name throws InvalidInput naming
// the file, and the struct's validate() runs when it has one.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "noether/error.hpp"

/// to_json / from_json for every listed member (missing keys keep their defaults).
#define NOETHER_JSON(Type, ...) NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Type, __VA_ARGS__)

/// An enum as its name: `name_fn(value)` writes, `parse_fn(string)` reads (and throws
/// InvalidInput listing the names for an unknown one, where nlohmann's own enum macro would
/// silently take the first value).
#define NOETHER_JSON_ENUM(Enum, name_fn, parse_fn)                                      \
  inline void to_json(nlohmann::json& j, const Enum& e) { j = std::string(name_fn(e)); } \
  inline void from_json(const nlohmann::json& j, Enum& e) { e = parse_fn(j.get<std::string>()); }

namespace noether {

namespace detail {
template <class T, class = void>
struct HasValidate : std::false_type {};
template <class T>
struct HasValidate<T, std::void_t<decltype(std::declval<const T&>().validate())>> : std::true_type {};
}  // namespace detail

/// j as a T, validated; `what` names the source in the message ("graph model 'g.pt'").
template <class T>
T from_json_checked(const nlohmann::json& j, const std::string& what) {
  T value;
  try {
    value = j.get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(what + ": unreadable settings: " + e.what());
  } catch (const InvalidInput& e) {
    throw InvalidInput(what + ": " + e.what());
  }
  if constexpr (detail::HasValidate<T>::value) {
    try {
      value.validate();
    } catch (const InvalidInput& e) {
      throw InvalidInput(what + ": " + e.what());
    }
  }
  return value;
}

}  // namespace noether
