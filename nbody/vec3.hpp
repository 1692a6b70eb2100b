// nbody/vec3.hpp: the small value types of the n-body code (no Eigen, no torch).
//
//   noether::nbody::Vec3 r{1.0, 0.0, 0.0}, v{0.0, 1.0, 0.0};
//   double speed = norm(v);
//   noether::nbody::Particle p{1e-3, r, v};  // mass, position, velocity
//
// Units are the caller's: the built-in systems use AU, days and solar masses (G = 2.95912208286e-4).
#pragma once

#include <cmath>

namespace noether::nbody {

/// A 3-vector of doubles (position in length units, velocity in length/time, ...).
struct Vec3 {
  double x = 0.0, y = 0.0, z = 0.0;

  Vec3& operator+=(const Vec3& o) { x += o.x; y += o.y; z += o.z; return *this; }
  Vec3& operator-=(const Vec3& o) { x -= o.x; y -= o.y; z -= o.z; return *this; }
  Vec3& operator*=(double s) { x *= s; y *= s; z *= s; return *this; }
};

inline Vec3 operator+(Vec3 a, const Vec3& b) { return a += b; }
inline Vec3 operator-(Vec3 a, const Vec3& b) { return a -= b; }
inline Vec3 operator-(const Vec3& a) { return {-a.x, -a.y, -a.z}; }
inline Vec3 operator*(double s, Vec3 a) { return a *= s; }
inline Vec3 operator*(Vec3 a, double s) { return a *= s; }
inline Vec3 operator/(Vec3 a, double s) { return a *= 1.0 / s; }
inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline double norm2(const Vec3& a) { return dot(a, a); }
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline bool isfinite(const Vec3& a) {
  return std::isfinite(a.x) && std::isfinite(a.y) && std::isfinite(a.z);
}

/// A point mass: mass m (mass units; 0 for a test particle), position r, velocity v.
struct Particle {
  double m = 0.0;
  Vec3 r, v;
};

}  // namespace noether::nbody
