#include "nbody/coordinates.hpp"

#include "noether/error.hpp"

namespace noether::nbody {

std::string to_string(Coordinates c) {
  switch (c) {
    case Coordinates::jacobi: return "jacobi";
    case Coordinates::democratic_heliocentric: return "democratic-heliocentric";
    case Coordinates::whds: return "whds";
  }
  return "?";
}

Coordinates coordinates_from_string(const std::string& name) {
  if (name == "jacobi") return Coordinates::jacobi;
  if (name == "democratic-heliocentric" || name == "democratic_heliocentric" || name == "dh" ||
      name == "heliocentric")
    return Coordinates::democratic_heliocentric;
  if (name == "whds") return Coordinates::whds;
  throw InvalidInput("unknown coordinates '" + name + "' (known: jacobi, democratic-heliocentric, whds)");
}

void cumulative_masses(const double* m, std::size_t n, double* eta) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) eta[i] = (s += m[i]);
}

void inertial_to_jacobi(const double* m, const Vec3* X, const Vec3* V, Vec3* x, Vec3* v, std::size_t n) {
  inertial_to_jacobi_pos(m, X, x, n);
  inertial_to_jacobi_pos(m, V, v, n);
}

void jacobi_to_inertial(const double* m, const double* eta, const Vec3* x, const Vec3* v, Vec3* X,
                        Vec3* V, std::size_t n) {
  jacobi_to_inertial_pos(m, eta, x, X, n);
  jacobi_to_inertial_pos(m, eta, v, V, n);
}

void inertial_to_democratic_heliocentric(const double* m, const Vec3* X, const Vec3* V, Vec3* x,
                                         Vec3* v, std::size_t n) {
  Vec3 R, P;
  double M = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    R += m[i] * X[i];
    P += m[i] * V[i];
    M += m[i];
  }
  const Vec3 Vc = P / M;
  for (std::size_t i = 1; i < n; ++i) {
    x[i] = X[i] - X[0];
    v[i] = V[i] - Vc;
  }
  x[0] = R / M;
  v[0] = Vc;
}

void democratic_heliocentric_to_inertial_pos(const double* m, double M, const Vec3* x, Vec3* X, std::size_t n) {
  Vec3 s;
  for (std::size_t i = 1; i < n; ++i) s += m[i] * x[i];
  X[0] = x[0] - s / M;
  for (std::size_t i = 1; i < n; ++i) X[i] = x[i] + X[0];
}

void democratic_heliocentric_to_inertial(const double* m, double M, const Vec3* x, const Vec3* v,
                                         Vec3* X, Vec3* V, std::size_t n) {
  democratic_heliocentric_to_inertial_pos(m, M, x, X, n);
  Vec3 p;
  for (std::size_t i = 1; i < n; ++i) {
    V[i] = v[i] + v[0];
    p += m[i] * v[i];
  }
  V[0] = v[0] - p / m[0];
}

void inertial_to_whds(const double* m, const Vec3* X, const Vec3* V, Vec3* x, Vec3* v, std::size_t n) {
  inertial_to_democratic_heliocentric(m, X, V, x, v, n);
  for (std::size_t i = 1; i < n; ++i) v[i] *= (m[0] + m[i]) / m[0];
}

void whds_to_inertial(const double* m, double M, const Vec3* x, const Vec3* v, Vec3* X, Vec3* V,
                      std::size_t n) {
  democratic_heliocentric_to_inertial_pos(m, M, x, X, n);
  Vec3 p;
  for (std::size_t i = 1; i < n; ++i) {
    const double f = m[0] / (m[0] + m[i]);
    V[i] = f * v[i] + v[0];
    p += (m[i] / (m[0] + m[i])) * v[i];
  }
  V[0] = v[0] - p;
}

}  // namespace noether::nbody
