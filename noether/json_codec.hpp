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
// strict about everything else: a wrong type, an unknown enum name, or a number an integer member
// cannot hold exactly (2.5, -1 for an unsigned, 1e300, 2^32 for an int) throws InvalidInput naming
// the file and the key, and the struct's validate() runs when it has one.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "noether/error.hpp"

namespace noether::detail {

/// j as the integer type T, exactly: a JSON integer within T's range, or a JSON float with an
/// integral value within it (2.0 reads as 2). nlohmann's own conversion casts instead, wrapping
/// 4294967297 to 1 in an int and leaving 1e300 undefined behaviour (found by fuzz_options_json).
template <class T>
T json_integer(const nlohmann::json& j, const char* key) {
  using L = std::numeric_limits<T>;
  auto refuse = [&] {
    return InvalidInput(std::string(key) + " = " + j.dump() + ": not an integer in [" + std::to_string(L::min()) +
                        ", " + std::to_string(L::max()) + "]");
  };
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(L::max())) throw refuse();
    return static_cast<T>(u);
  }
  if (j.is_number_integer()) {
    const auto i = j.get<std::int64_t>();
    if (i < 0 ? (!L::is_signed || i < static_cast<std::int64_t>(L::min()))
              : static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(L::max()))
      throw refuse();
    return static_cast<T>(i);
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    const double end = std::ldexp(1.0, L::digits);  // 2^digits: one past the largest value
    if (!(d == std::trunc(d) && d < end && d >= (L::is_signed ? -end : 0.0))) throw refuse();
    return static_cast<T>(d);
  }
  return j.get<T>();  // not a number: nlohmann's type_error names the type
}

/// Reads j[key] into member when the key is present (integers through json_integer).
template <class T>
void json_read_member(const nlohmann::json& j, const char* key, T& member) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    member = json_integer<T>(*it, key);
  else
    member = it->template get<T>();
}

inline void json_require_object(const nlohmann::json& j) {
  if (!j.is_object()) throw InvalidInput(std::string("settings must be a JSON object, not ") + j.type_name());
}

}  // namespace noether::detail

#define NOETHER_JSON_READ_MEMBER(v1) ::noether::detail::json_read_member(nlohmann_json_j, #v1, nlohmann_json_t.v1);

/// to_json / from_json for every listed member (missing keys keep their defaults).
#define NOETHER_JSON(Type, ...)                                                                \
  inline void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {         \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                   \
  }                                                                                            \
  inline void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {       \
    ::noether::detail::json_require_object(nlohmann_json_j);                                   \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NOETHER_JSON_READ_MEMBER, __VA_ARGS__))           \
  }

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
