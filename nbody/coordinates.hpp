// nbody/coordinates.hpp: the canonical coordinates of the Wisdom-Holman splitting.
//
//   std::vector<Vec3> xj(n), vj(n);
//   noether::nbody::inertial_to_jacobi(m.data(), X.data(), V.data(), xj.data(), vj.data(), n);
//
// Every transform works on the n massive bodies; index 0 of the transformed arrays holds the
// centre of mass (position and velocity). Masses m[0..n), positions and velocities in any units.
//  - Jacobi: x_i = X_i - (centre of mass of bodies 0..i-1), the same for velocities.
//  - democratic heliocentric: x_i = X_i - X_0 (heliocentric positions), v_i = V_i - V_com
//    (barycentric velocities, the momenta over m_i).
//  - WHDS (Hernandez & Dehnen 2017): heliocentric positions, v_i = (m0 + m_i)/m0 (V_i - V_com).
#pragma once

#include <cstddef>
#include <string>

#include "nbody/vec3.hpp"

namespace noether::nbody {

enum class Coordinates { jacobi, democratic_heliocentric, whds };

/// "jacobi", "democratic-heliocentric", "whds".
std::string to_string(Coordinates c);
/// Parses the names above (also "dh", "heliocentric"); throws InvalidInput listing them.
Coordinates coordinates_from_string(const std::string& name);

/// eta[i] = m[0] + ... + m[i].
void cumulative_masses(const double* m, std::size_t n, double* eta);

/// Positions only (also velocities or accelerations: the map is the same linear one). Any body
/// type of nbody/detail/body.hpp (Vec3; torch tensors [B, 3] in the differentiable rollout).
template <class P>
void inertial_to_jacobi_pos(const double* m, const P* X, P* x, std::size_t n) {
  P s = m[0] * X[0];  // mass-weighted sum of bodies 0..i-1
  double eta = m[0];
  for (std::size_t i = 1; i < n; ++i) {
    x[i] = X[i] - s / eta;
    s = s + m[i] * X[i];
    eta += m[i];
  }
  x[0] = s / eta;
}
template <class P>
void jacobi_to_inertial_pos(const double* m, const double* eta, const P* x, P* X, std::size_t n) {
  P R = x[0];  // centre of mass of bodies 0..i
  for (std::size_t i = n - 1; i > 0; --i) {
    R = R - (m[i] / eta[i]) * x[i];
    X[i] = R + x[i];
  }
  X[0] = R;
}
void inertial_to_jacobi(const double* m, const Vec3* X, const Vec3* V, Vec3* x, Vec3* v, std::size_t n);
void jacobi_to_inertial(const double* m, const double* eta, const Vec3* x, const Vec3* v, Vec3* X,
                        Vec3* V, std::size_t n);

void inertial_to_democratic_heliocentric(const double* m, const Vec3* X, const Vec3* V, Vec3* x,
                                         Vec3* v, std::size_t n);
/// Positions: needs the total mass M (eta[n-1]).
void democratic_heliocentric_to_inertial_pos(const double* m, double M, const Vec3* x, Vec3* X, std::size_t n);
void democratic_heliocentric_to_inertial(const double* m, double M, const Vec3* x, const Vec3* v,
                                         Vec3* X, Vec3* V, std::size_t n);

void inertial_to_whds(const double* m, const Vec3* X, const Vec3* V, Vec3* x, Vec3* v, std::size_t n);
void whds_to_inertial(const double* m, double M, const Vec3* x, const Vec3* v, Vec3* X, Vec3* V,
                      std::size_t n);

}  // namespace noether::nbody
