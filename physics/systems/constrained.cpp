#include "physics/systems/constrained.hpp"

#include <cmath>
#include <random>
#include <string>

#include <Eigen/Dense>

#include "integrators/rattle.hpp"
#include "noether/error.hpp"

namespace noether::physics {

namespace {
/// Body b's d coordinates in x (positions or velocities).
Eigen::VectorXd body(const Vector& x, int b, int d) { return x.segment(static_cast<Eigen::Index>(b) * d, d); }

/// The link's vector x_i - x_j, or x_i - fixed for a tether (the anchor for positions, zero for
/// velocities).
Eigen::VectorXd link_vector(const Vector& x, const ConstrainedSystem::Link& l, int d, const Eigen::VectorXd& fixed) {
  return body(x, l.i, d) - (l.j >= 0 ? body(x, l.j, d) : fixed);
}

/// The diagonal of M^{-1}: each body's 1 / m, repeated over its d coordinates.
Vector inverse_mass_diagonal(const ConstrainedSystem& s) {
  Vector diag(s.dof());
  for (int b = 0; b < s.bodies(); ++b)
    diag.segment(static_cast<Eigen::Index>(b) * s.space_dim(), s.space_dim()).setConstant(1.0 / s.masses()[b]);
  return diag;
}
}  // namespace

Vector ConstrainedSystem::constraints(const Vector& q) const {
  const int d = space_dim();
  Vector phi(constraint_count());
  for (int k = 0; k < constraint_count(); ++k) {
    const Link& l = links()[static_cast<std::size_t>(k)];
    phi[k] = 0.5 * (link_vector(q, l, d, l.anchor).squaredNorm() - l.length * l.length);
  }
  return phi;
}

Eigen::MatrixXd ConstrainedSystem::constraint_jacobian(const Vector& q) const {
  const int d = space_dim();
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(constraint_count(), dof());
  for (int k = 0; k < constraint_count(); ++k) {
    const Link& l = links()[static_cast<std::size_t>(k)];
    const Eigen::VectorXd r = link_vector(q, l, d, l.anchor);
    g.block(k, static_cast<Eigen::Index>(l.i) * d, 1, d) = r.transpose();
    if (l.j >= 0) g.block(k, static_cast<Eigen::Index>(l.j) * d, 1, d) = -r.transpose();
  }
  return g;
}

Eigen::MatrixXd ConstrainedSystem::inverse_mass() const { return inverse_mass_diagonal(*this).asDiagonal(); }

double ConstrainedSystem::constraint_violation(const Vector& y) const {
  check_state(y);
  const Vector q = q_of(y), p = p_of(y);
  const double position = constraints(q).cwiseAbs().maxCoeff();
  const double velocity = (constraint_jacobian(q) * inverse_mass_diagonal(*this).cwiseProduct(p)).cwiseAbs().maxCoeff();
  return std::max(position, velocity);
}

double ConstrainedSystem::energy(const Vector& q, const Vector& p) const {
  return 0.5 * p.dot(inverse_mass_diagonal(*this).cwiseProduct(p)) + potential(q);
}
Vector ConstrainedSystem::dH_dq(const Vector& q, const Vector&) const { return potential_gradient(q); }
Vector ConstrainedSystem::dH_dp(const Vector&, const Vector& p) const {
  return inverse_mass_diagonal(*this).cwiseProduct(p);
}

Vector ConstrainedSystem::vector_field(const Vector& y) const {
  check_state(y);
  const int d = space_dim();
  const Vector q = q_of(y), p = p_of(y);
  const Vector minv = inverse_mass_diagonal(*this);
  const Eigen::MatrixXd g = constraint_jacobian(q);
  const Vector v = minv.cwiseProduct(p), grad_v = potential_gradient(q);
  // The constraints' curvature along v: d(G)/dt v, |v_i - v_j|^2 per link.
  Vector curvature(constraint_count());
  const Eigen::VectorXd rest = Eigen::VectorXd::Zero(d);
  for (int k = 0; k < constraint_count(); ++k)
    curvature[k] = link_vector(v, links()[static_cast<std::size_t>(k)], d, rest).squaredNorm();
  const Eigen::MatrixXd minv_gt = minv.asDiagonal() * g.transpose();
  const Vector lambda = (g * minv_gt).ldlt().solve(Vector(-g * minv.cwiseProduct(grad_v) + curvature));
  Vector f(2 * dof());
  f << v, -grad_v - g.transpose() * lambda;
  return f;
}

Vector ConstrainedSystem::project(const Vector& y) const {
  check_state(y);
  Vector q = q_of(y), p = p_of(y);
  integrators::project_onto_constraints(
      q, p, inverse_mass(), [this](const Vector& x) { return constraints(x); },
      [this](const Vector& x) { return constraint_jacobian(x); });
  Vector out(2 * dof());
  out << q, p;
  return out;
}

// ---- Chain pendulum ---------------------------------------------------------------------------

ChainPendulum::ChainPendulum(int links, uint64_t seed) : links_(links) {
  if (links < 1 || links > 16)
    throw InvalidInput("chain-pendulum: " + std::to_string(links) + " links; take 1 to 16");
  Rng rng(seed);
  std::uniform_real_distribution<double> draw(0.6, 1.4);
  masses_.resize(links);
  lengths_.resize(links);
  for (int k = 0; k < links; ++k) {
    masses_[k] = draw(rng);
    lengths_[k] = draw(rng);
  }
  for (int k = 0; k < links; ++k) {
    Link l;
    l.i = k;
    l.j = k - 1;  // -1 for the first: tethered to the origin
    l.length = lengths_[k];
    l.anchor = Eigen::VectorXd::Zero(2);
    constraints_.push_back(l);
  }
}

std::string ChainPendulum::name() const { return "chain-pendulum-" + std::to_string(links_); }

std::string ChainPendulum::description() const {
  return "planar chain of " + std::to_string(links_) +
         " point masses on rods from the origin, Cartesian (x, p) with distance constraints, "
         "H = |p_i|^2 / 2m_i + sum m_i y_i, masses and lengths in [0.6, 1.4]";
}

double ChainPendulum::potential(const Vector& q) const {
  double v = 0.0;
  for (int k = 0; k < links_; ++k) v += masses_[k] * q[2 * k + 1];
  return v;
}

Vector ChainPendulum::potential_gradient(const Vector& q) const {
  Vector g = Vector::Zero(q.size());
  for (int k = 0; k < links_; ++k) g[2 * k + 1] = masses_[k];
  return g;
}

Vector ChainPendulum::from_angles(const Vector& angles, const Vector& rates) const {
  if (angles.size() != links_ || rates.size() != links_)
    throw InvalidInput("chain-pendulum: needs " + std::to_string(links_) + " angles and rates");
  Vector y(4 * links_);
  Eigen::Vector2d x = Eigen::Vector2d::Zero(), v = Eigen::Vector2d::Zero();
  for (int k = 0; k < links_; ++k) {
    const double s = std::sin(angles[k]), c = std::cos(angles[k]);
    x += lengths_[k] * Eigen::Vector2d(s, -c);
    v += lengths_[k] * rates[k] * Eigen::Vector2d(c, s);
    y.segment<2>(2 * k) = x;
    y.segment<2>(2 * links_ + 2 * k) = masses_[k] * v;
  }
  return y;
}

Vector ChainPendulum::default_state() const {
  Vector angles(links_), rates = Vector::Zero(links_);
  for (int k = 0; k < links_; ++k) angles[k] = k % 2 == 0 ? 0.8 : -0.4;
  return from_angles(angles, rates);
}

Vector ChainPendulum::random_state(Rng& rng) const {
  std::normal_distribution<double> normal(0.0, 1.0);
  Vector angles(links_), rates(links_);
  for (int k = 0; k < links_; ++k) angles[k] = normal(rng);
  for (int k = 0; k < links_; ++k) rates[k] = normal(rng);
  return from_angles(angles, rates);
}

DataProtocol ChainPendulum::protocol() const { return {900, 101, 0.0, 3.0, 0.0, 100.0 / 900.0}; }

// ---- Spherical pendulum -------------------------------------------------------------------------

SphericalPendulum::SphericalPendulum() : masses_(Eigen::VectorXd::Ones(1)) {
  Link l;
  l.i = 0;
  l.j = -1;
  l.length = 1.0;
  l.anchor = Eigen::VectorXd::Zero(3);
  links_.push_back(l);
}

std::string SphericalPendulum::description() const {
  return "spherical pendulum, a unit mass on a unit rod in 3-D, Cartesian (x, p) on T*S^2, H = |p|^2 / 2 + z";
}

Vector SphericalPendulum::potential_gradient(const Vector& q) const {
  Vector g = Vector::Zero(q.size());
  g[2] = 1.0;
  return g;
}

namespace {
/// (q / |q|, the part of v tangent there): a state on T*S^2.
Vector on_sphere(const Vector& q, const Vector& v) {
  const Vector u = q.normalized();
  Vector y(6);
  y << u, v - u.dot(v) * u;
  return y;
}
}  // namespace

Vector SphericalPendulum::default_state() const {
  return on_sphere((Vector(3) << 1.0, 0.0, -1.0).finished(), (Vector(3) << 0.0, 1.2, 0.0).finished());
}

Vector SphericalPendulum::random_state(Rng& rng) const {
  std::normal_distribution<double> normal(0.0, 1.0);
  Vector q(3), v(3);
  for (int i = 0; i < 3; ++i) q[i] = normal(rng);
  for (int i = 0; i < 3; ++i) v[i] = normal(rng);
  return on_sphere(q, v);
}

// ---- Two spherical pendula --------------------------------------------------------------------

namespace {
/// K of the bobs' kinetic energy on the rods' tangent velocities (unit masses and rods).
Eigen::Matrix<double, 6, 6> pendula_inertia() {
  Eigen::Matrix<double, 6, 6> k;
  const Eigen::Matrix3d i = Eigen::Matrix3d::Identity();
  k << 2 * i, i, i, i;
  return k;
}

/// P = blockdiag(I - q_i q_i^T).
Eigen::Matrix<double, 6, 6> tangent_projection(const Vector& q) {
  Eigen::Matrix<double, 6, 6> p = Eigen::Matrix<double, 6, 6>::Zero();
  for (int i = 0; i < 2; ++i) {
    const Eigen::Vector3d u = q.segment<3>(3 * i);
    p.block<3, 3>(3 * i, 3 * i) = Eigen::Matrix3d::Identity() - u * u.transpose();
  }
  return p;
}

/// w = A(q)^{-1} p, A = P K P + (I - P).
Eigen::Matrix<double, 6, 1> pendula_velocity(const Vector& q, const Vector& p) {
  const auto proj = tangent_projection(q);
  const Eigen::Matrix<double, 6, 6> a =
      proj * pendula_inertia() * proj + (Eigen::Matrix<double, 6, 6>::Identity() - proj);
  return a.ldlt().solve(Eigen::Matrix<double, 6, 1>(p));
}
}  // namespace

SphericalPendula::SphericalPendula() : masses_(Eigen::VectorXd::Ones(2)) {
  for (int i = 0; i < 2; ++i) links_.push_back({i, -1, 1.0, Eigen::VectorXd::Zero(3)});
}

std::string SphericalPendula::description() const {
  return "two spherical pendula in series (unit masses and rods, g = 9.81) on (T*S^2)^2: the rods' directions "
         "and conjugate momenta";
}

double SphericalPendula::potential(const Vector& q) const { return kGravity * (2.0 * q[2] + q[5]); }

Vector SphericalPendula::potential_gradient(const Vector& q) const {
  Vector g = Vector::Zero(q.size());
  g[2] = 2.0 * kGravity;
  g[5] = kGravity;
  return g;
}

double SphericalPendula::energy(const Vector& q, const Vector& p) const {
  return 0.5 * p.dot(pendula_velocity(q, p)) + potential(q);
}

Vector SphericalPendula::dH_dp(const Vector& q, const Vector& p) const { return pendula_velocity(q, p); }

Vector SphericalPendula::dH_dq(const Vector& q, const Vector& p) const {
  // d/dq_i of p^T A^{-1} p / 2 = -w^T (dA/dq_i) w / 2 with dP_i[e] = -(e q_i^T + q_i e^T):
  // (q_i . w_i) u_i + (q_i . u_i) w_i - (q_i . w_i) w_i, u = K P w.
  const Eigen::Matrix<double, 6, 1> w = pendula_velocity(q, p);
  const Eigen::Matrix<double, 6, 1> u = pendula_inertia() * tangent_projection(q) * w;
  Vector g = potential_gradient(q);
  for (int i = 0; i < 2; ++i) {
    const Eigen::Vector3d qi = q.segment<3>(3 * i), wi = w.segment<3>(3 * i), ui = u.segment<3>(3 * i);
    g.segment<3>(3 * i) += qi.dot(wi) * ui + qi.dot(ui) * wi - qi.dot(wi) * wi;
  }
  return g;
}

Vector SphericalPendula::vector_field(const Vector& y) const {
  check_state(y);
  const Vector q = q_of(y), p = p_of(y), gq = dH_dq(q, p), gp = dH_dp(q, p);
  Vector f(12);
  for (int i = 0; i < 2; ++i) {
    const Eigen::Vector3d qi = q.segment<3>(3 * i), pi = p.segment<3>(3 * i);
    const Eigen::Vector3d gpi = gp.segment<3>(3 * i), gqi = gq.segment<3>(3 * i);
    const Eigen::Vector3d xi = qi.cross(gpi), eta = gqi.cross(qi);
    f.segment<3>(3 * i) = xi.cross(qi);
    f.segment<3>(6 + 3 * i) = xi.cross(pi) + eta.cross(qi);
  }
  return f;
}

Vector SphericalPendula::bob_velocities(const Vector& y) const {
  const Vector f = vector_field(y);
  Vector v(6);
  v << f.segment<3>(0), f.segment<3>(0) + f.segment<3>(3);
  return v;
}

namespace {
/// Unit directions and momenta projected onto their tangent spaces.
Vector pendula_state(const Eigen::Vector3d& a, const Eigen::Vector3d& b, const Eigen::Vector3d& pa,
                     const Eigen::Vector3d& pb) {
  const Eigen::Vector3d u = a.normalized(), v = b.normalized();
  Vector y(12);
  y << u, v, pa - u.dot(pa) * u, pb - v.dot(pb) * v;
  return y;
}
}  // namespace

Vector SphericalPendula::default_state() const {
  return pendula_state({1.0, 0.0, -1.0}, {1.0, 0.5, -0.6}, {0.0, 1.0, 0.0}, {0.0, -0.5, 0.3});
}

Vector SphericalPendula::random_state(Rng& rng) const {
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::Vector3d v[4];
  for (auto& x : v) x = Eigen::Vector3d(normal(rng), normal(rng), normal(rng));
  return pendula_state(v[0], v[1], v[2], v[3]);
}

DataProtocol SphericalPendula::protocol() const { return {500, 5, 0.0, 0.1, 0.0, 0.1}; }

}  // namespace noether::physics
