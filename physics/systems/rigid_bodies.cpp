#include "physics/systems/rigid_bodies.hpp"

#include <cmath>
#include <random>

#include <Eigen/Geometry>
#include <unsupported/Eigen/AutoDiff>

namespace noether::physics {

namespace {
constexpr double kPi = 3.14159265358979323846;

/// Every point tethered to the origin (when `tethered`) and linked to every other: the points
/// then move as one rigid body.
std::vector<ConstrainedSystem::Link> rigid_links(const Eigen::Matrix3Xd& points, bool tethered) {
  std::vector<ConstrainedSystem::Link> links;
  const int n = static_cast<int>(points.cols());
  for (int i = 0; i < n; ++i) {
    if (tethered) links.push_back({i, -1, points.col(i).norm(), Eigen::VectorXd::Zero(3)});
    for (int j = 0; j < i; ++j) links.push_back({i, j, (points.col(i) - points.col(j)).norm(), Eigen::VectorXd::Zero(3)});
  }
  return links;
}

Eigen::Vector3d normal3(Rng& rng, double sigma) {
  std::normal_distribution<double> normal(0.0, sigma);
  return {normal(rng), normal(rng), normal(rng)};
}

// ---- The gyroscope's points: three on a circle of radius r at height h above the pivot, each
// of mass m, with 3 m h = 1 (the centre of mass 1 above the pivot), 3 m h^2 = 1 + 3/4 and
// 3 m r^2 / 2 = 1/4 (second moments about the pivot: the top's 1/4, 1/4, 3/4 about its centre plus
// the shift by 1 along the axis).
constexpr double kTopHeight = 1.75;
constexpr double kTopMass = 1.0 / (3.0 * kTopHeight);
const double kTopRadius = std::sqrt(0.5 / (3.0 * kTopMass));

Eigen::Matrix3Xd top_points() {
  Eigen::Matrix3Xd b(3, 3);
  for (int k = 0; k < 3; ++k) {
    const double a = 2.0 * kPi * k / 3.0;
    b.col(k) << kTopRadius * std::cos(a), kTopRadius * std::sin(a), kTopHeight;
  }
  return b;
}

// ---- The rotor's points: (+-a, 0, c), (0, +-b, -c), each of mass 1/4: second moments a^2 / 2,
// b^2 / 2, c^2 about the centre, set to 1, 2, 3.
Eigen::Matrix3Xd rotor_points() {
  const double a = std::sqrt(2.0), b = 2.0, c = std::sqrt(3.0);
  Eigen::Matrix3Xd p(3, 4);
  p.col(0) << a, 0, c;
  p.col(1) << -a, 0, c;
  p.col(2) << 0, b, -c;
  p.col(3) << 0, -b, -c;
  return p;
}

// ---- The magnet pendulum.
constexpr double kMagnetMass = 3.0, kMagnetGravity = 9.81, kMagnetMoment = 0.3;
constexpr double kMagnetX[] = {0.1, -0.1}, kMagnetZ = -1.05;  // the magnets at (x, 0, z)

/// The bob's dipole energy with the fixed magnets (dipoles kMagnetMoment along +z).
template <class T>
T dipole_energy(const Eigen::Matrix<T, 3, 1>& x) {
  const Eigen::Matrix<T, 3, 1> m0 = x * (T(kMagnetMoment) / x.squaredNorm());
  T u = T(0);
  for (const double mx : kMagnetX) {
    const Eigen::Matrix<T, 3, 1> r(T(mx) - x[0], -x[1], T(kMagnetZ) - x[2]);
    const T r2 = r.squaredNorm();
    const T m0_r = m0.dot(r), mi_r = T(kMagnetMoment) * r[2], m0_mi = T(kMagnetMoment) * m0[2];
    using std::sqrt;
    u += (m0_mi * r2 - T(3) * m0_r * mi_r) / (T(4 * kPi) * r2 * r2 * sqrt(r2));
  }
  return u;
}
}  // namespace

Eigen::Matrix3d euler_zxz(const Eigen::Vector3d& a) {
  using Eigen::AngleAxisd;
  return (AngleAxisd(a[0], Eigen::Vector3d::UnitZ()) * AngleAxisd(a[1], Eigen::Vector3d::UnitX()) *
          AngleAxisd(a[2], Eigen::Vector3d::UnitZ()))
      .toRotationMatrix();
}

PointMassSystem::PointMassSystem(Eigen::VectorXd masses, std::vector<Link> links, int dim)
    : masses_(std::move(masses)), links_(std::move(links)), dim_(dim) {}

Vector PointMassSystem::rigid_state(const Eigen::Matrix3Xd& points, const Eigen::Matrix3d& rotation,
                                    const Eigen::Vector3d& origin, const Eigen::Vector3d& velocity,
                                    const Eigen::Vector3d& rates) const {
  const int n = bodies();
  Vector y(6 * n);
  for (int k = 0; k < n; ++k) {
    y.segment<3>(3 * k) = origin + rotation * points.col(k);
    y.segment<3>(3 * n + 3 * k) = masses()[k] * (velocity + rotation * rates.cross(points.col(k)));
  }
  return y;
}

// ---- Gyroscope -------------------------------------------------------------------------------

Gyroscope::Gyroscope()
    : PointMassSystem(Eigen::VectorXd::Constant(3, kTopMass), rigid_links(top_points(), true), 3),
      points_(top_points()) {}

std::string Gyroscope::description() const {
  return "symmetric top on a fixed pivot (mass 1, moments 1, 1, 1/2, centre of mass 1 above the pivot), unit "
         "gravity: three point masses in Cartesian (x, p), 6 distance constraints";
}

double Gyroscope::potential(const Vector& q) const {
  double v = 0.0;
  for (int k = 0; k < 3; ++k) v += masses()[k] * q[3 * k + 2];
  return v;
}

Vector Gyroscope::potential_gradient(const Vector& q) const {
  Vector g = Vector::Zero(q.size());
  for (int k = 0; k < 3; ++k) g[3 * k + 2] = masses()[k];
  return g;
}

Vector Gyroscope::at(const Eigen::Vector3d& euler, const Eigen::Vector3d& rates) const {
  return rigid_state(points_, euler_zxz(euler), Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero(), rates);
}

Vector Gyroscope::default_state() const { return at({0.0, 0.5, 0.0}, {0.0, 0.0, 6.0}); }

Vector Gyroscope::random_state(Rng& rng) const {
  const Eigen::Vector3d euler = normal3(rng, 1.0);
  Eigen::Vector3d rates = normal3(rng, 0.5);
  rates[2] = 6.0;
  return at(euler, rates);
}

DataProtocol Gyroscope::protocol() const { return {900, 101, 0.0, 2.0, 0.0, 100.0 / 900.0}; }

// ---- Rotor -----------------------------------------------------------------------------------

Rotor::Rotor()
    : PointMassSystem(Eigen::VectorXd::Constant(4, 0.25), rigid_links(rotor_points(), false), 3),
      points_(rotor_points()) {}

std::string Rotor::description() const {
  return "free rigid body (mass 1, moments of inertia 5, 4, 3) without forces: four point masses in Cartesian "
         "(x, p), 6 distance constraints";
}

Vector Rotor::default_state() const {
  // Spun nearly about the intermediate axis: it tumbles (the tennis-racket effect).
  return rigid_state(points_, Eigen::Matrix3d::Identity(), Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero(),
                     {0.02, 1.5, 0.02});
}

Vector Rotor::random_state(Rng& rng) const {
  const Eigen::Vector3d origin = normal3(rng, 0.1), velocity = normal3(rng, 0.1);
  const Eigen::Vector3d euler = normal3(rng, 1.0), rates = normal3(rng, 1.0);
  return rigid_state(points_, euler_zxz(euler), origin, velocity, rates);
}

DataProtocol Rotor::protocol() const { return {900, 101, 0.0, 5.0, 0.0, 100.0 / 900.0}; }

// ---- Magnet pendulum -------------------------------------------------------------------------

MagnetPendulum::MagnetPendulum()
    : PointMassSystem(Eigen::VectorXd::Constant(1, kMagnetMass),
                      {{0, -1, 1.0, Eigen::VectorXd::Zero(3)}}, 3) {}

std::string MagnetPendulum::description() const {
  return "spherical pendulum (mass 3, unit rod, g = 9.81) with a dipole along the rod over two fixed magnetic "
         "dipoles: Cartesian (x, p) on T*S^2";
}

double MagnetPendulum::potential(const Vector& q) const {
  const Eigen::Vector3d x = q.head<3>();
  return kMagnetMass * kMagnetGravity * x[2] + dipole_energy(x);
}

Vector MagnetPendulum::potential_gradient(const Vector& q) const {
  using Dual = Eigen::AutoDiffScalar<Eigen::Vector3d>;
  Eigen::Matrix<Dual, 3, 1> x;
  for (int i = 0; i < 3; ++i) x[i] = Dual(q[i], 3, i);
  Vector g = dipole_energy(x).derivatives();
  g[2] += kMagnetMass * kMagnetGravity;
  return g;
}

namespace {
/// The magnet pendulum's state with the rod along `direction` and the bob's velocity the part of
/// `velocity` tangent there.
Vector bob_state(const Eigen::Vector3d& direction, const Eigen::Vector3d& velocity) {
  const Eigen::Vector3d u = direction.normalized();
  const Eigen::Vector3d p = kMagnetMass * (velocity - u.dot(velocity) * u);
  return (Vector(6) << u[0], u[1], u[2], p[0], p[1], p[2]).finished();
}
}  // namespace

Vector MagnetPendulum::default_state() const { return bob_state({0.3, 0.0, -1.0}, {0.0, 0.4, 0.0}); }

Vector MagnetPendulum::random_state(Rng& rng) const {
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::Vector3d direction(0.3 * normal(rng), 0.3 * normal(rng), -1.0);
  return bob_state(direction, normal3(rng, 0.4));
}

DataProtocol MagnetPendulum::protocol() const { return {900, 101, 0.0, 5.0, 0.0, 100.0 / 900.0}; }

}  // namespace noether::physics
