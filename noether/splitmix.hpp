// noether/splitmix.hpp: splitmix64, a well-mixed 64-bit value of a 64-bit key, for draws that must
// depend on a seed and an item's identity only (not on the order or batch the item comes in).
//
//   const double u = noether::unit_interval(noether::splitmix64(seed ^ noether::splitmix64(key)));
#pragma once

#include <cstdint>

namespace noether {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The top 53 bits of x as a double in [0, 1).
inline double unit_interval(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

}  // namespace noether
