#include "nbody/learned_interaction.hpp"

#include <cmath>

#include <Eigen/Dense>

#include "nbody/detail/newtonian.hpp"
#include "noether/error.hpp"

namespace noether::nbody {

std::string to_string(ResidualMode m) { return m == ResidualMode::residual ? "residual" : "replacement"; }

ResidualMode residual_mode_from_string(const std::string& name) {
  if (name == "residual") return ResidualMode::residual;
  if (name == "replacement") return ResidualMode::replacement;
  throw InvalidInput("unknown residual mode '" + name + "' (known: residual, replacement)");
}

SkippedPairs skipped_pairs_of(Coordinates c) {
  return c == Coordinates::jacobi ? SkippedPairs::first_pair : SkippedPairs::central;
}

namespace {
constexpr int kMaxWidth = 256;

bool pair_skipped(SkippedPairs skip, std::size_t i, std::size_t j) {
  if (skip == SkippedPairs::first_pair) return i == 0 && j == 1;
  if (skip == SkippedPairs::central) return i == 0;
  return false;
}

double total_mass(const double* m, std::size_t n) {
  double M = 0.0;
  for (std::size_t i = 0; i < n; ++i) M += m[i];
  return M;
}
}  // namespace

void PairMlp::validate() const {
  if (inputs != 2 && inputs != 3) throw InvalidInput("PairMlp: inputs = " + std::to_string(inputs) + " (2 or 3)");
  if (hidden < 1 || hidden > kMaxWidth)
    throw InvalidInput("PairMlp: hidden = " + std::to_string(hidden) + " (1.." + std::to_string(kMaxWidth) + ")");
  if (layers < 1 || layers > 8) throw InvalidInput("PairMlp: layers = " + std::to_string(layers) + " (1..8)");
  if (weights.size() != static_cast<std::size_t>(layers + 1) || biases.size() != static_cast<std::size_t>(layers))
    throw InvalidInput("PairMlp: " + std::to_string(weights.size()) + " weight and " + std::to_string(biases.size()) +
                       " bias arrays for " + std::to_string(layers) + " hidden layers");
  for (int l = 0; l <= layers; ++l) {
    const std::size_t in = l == 0 ? inputs : hidden, out = l == layers ? 1 : hidden;
    if (weights[l].size() != in * out)
      throw InvalidInput("PairMlp: layer " + std::to_string(l) + " has " + std::to_string(weights[l].size()) +
                         " weights, expected " + std::to_string(in * out));
    if (l < layers && biases[l].size() != out)
      throw InvalidInput("PairMlp: layer " + std::to_string(l) + " has " + std::to_string(biases[l].size()) +
                         " biases, expected " + std::to_string(out));
  }
  if (!(length_scale > 0.0) || !std::isfinite(energy_scale) || !(velocity_scale > 0.0))
    throw InvalidInput("PairMlp: length_scale and velocity_scale must be positive, energy_scale finite");
}

physics::EigenMlp<double> PairMlp::network() const {
  validate();
  using Matrix = physics::EigenMlp<double>::Matrix;
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<Matrix> w;
  std::vector<Eigen::VectorXd> b;
  for (int l = 0; l <= layers; ++l) {
    const int in = l == 0 ? inputs : hidden, out = l == layers ? 1 : hidden;
    w.push_back(Eigen::Map<const RowMajor>(weights[static_cast<std::size_t>(l)].data(), out, in));
    b.push_back(l < layers ? Eigen::Map<const Eigen::VectorXd>(biases[static_cast<std::size_t>(l)].data(), hidden)
                           : Eigen::VectorXd());
  }
  return physics::EigenMlp<double>(std::move(w), std::move(b), physics::EigenActivation::kTanh);
}

void PairMlp::prepare() {
  net_ = network();
  prepared_ = true;
}

double PairMlp::evaluate(const double* in, double* grad) const {
  if (!prepared_) return network_copy().evaluate(in, grad);
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(in, inputs);
  const double f = net_.value(x);
  if (grad) Eigen::Map<Eigen::VectorXd>(grad, inputs) = net_.input_gradient(x);
  return f;
}

void PairMlp::evaluate_batch(const double* in, int P, double* f, double* df0) const {
  if (!prepared_) return network_copy().evaluate_batch(in, P, f, df0);
  net_.evaluate_batch(in, P, f, df0, /*grad_inputs=*/1);
}

PairMlp PairMlp::network_copy() const {
  PairMlp copy = *this;
  copy.prepare();
  return copy;
}

namespace {
/// The selected pairs' features (column-major [inputs x P]), separations and pair indices.
struct PairBatch {
  std::vector<double> in, f, df;
  std::vector<Vec3> d;
  std::vector<double> r;
  std::vector<std::size_t> I, J;
};

PairBatch& pair_features(const PairMlp& mlp, const double* m, const Vec3* X, const Vec3* V, std::size_t n,
                         SkippedPairs skip) {
  thread_local PairBatch b;
  b.in.clear(); b.d.clear(); b.r.clear(); b.I.clear(); b.J.clear();
  const double M = total_mass(m, n), L = mlp.length_scale;
  const double iv2 = 1.0 / (mlp.velocity_scale * mlp.velocity_scale);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (pair_skipped(skip, i, j)) continue;
      const Vec3 d = X[i] - X[j];
      const double r = norm(d);
      b.in.push_back(L / r);
      b.in.push_back((m[i] + m[j]) / M);
      if (mlp.inputs == 3) b.in.push_back(norm2(V[i] - V[j]) * iv2);
      b.d.push_back(d);
      b.r.push_back(r);
      b.I.push_back(i);
      b.J.push_back(j);
    }
  b.f.resize(b.r.size());
  b.df.resize(b.r.size());
  return b;
}
}  // namespace

void add_learned_accelerations(const PairMlp& mlp, double G, const double* m, const Vec3* X,
                               const Vec3* V, std::size_t n, SkippedPairs skip, Vec3* acc) {
  PairBatch& b = pair_features(mlp, m, X, V, n, skip);
  const int P = static_cast<int>(b.r.size());
  if (P == 0) return;
  mlp.evaluate_batch(b.in.data(), P, b.f.data(), b.df.data());
  const double c = mlp.energy_scale * G;
  for (int k = 0; k < P; ++k) {
    // U = c m_i m_j / L f(L / r): -dU/dX_i = c m_i m_j f_0 / r^3 (X_i - X_j).
    const double r = b.r[k];
    const double s = c * b.df[k] / (r * r * r);
    acc[b.I[k]] += (s * m[b.J[k]]) * b.d[k];
    acc[b.J[k]] -= (s * m[b.I[k]]) * b.d[k];
  }
}

double learned_energy(const PairMlp& mlp, double G, const double* m, const Vec3* X, const Vec3* V,
                      std::size_t n, SkippedPairs skip) {
  PairBatch& b = pair_features(mlp, m, X, V, n, skip);
  const int P = static_cast<int>(b.r.size());
  if (P == 0) return 0.0;
  mlp.evaluate_batch(b.in.data(), P, b.f.data());
  double e = 0.0;
  for (int k = 0; k < P; ++k) e += m[b.I[k]] * m[b.J[k]] * b.f[k];
  return mlp.energy_scale * G / mlp.length_scale * e;
}

LearnedInteraction::LearnedInteraction(ResidualMode mode, PairMlp mlp) : mode_(mode), mlp_(std::move(mlp)) {
  mlp_.prepare();
  if (mlp_.inputs != 2)
    throw InvalidInput("LearnedInteraction: the model takes velocities as input; the kick needs H(q) of positions only");
}

void LearnedInteraction::massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                                               SkippedPairs skip, Vec3* acc) const {
  if (mode_ == ResidualMode::residual) {
    detail::newtonian_massive(G, m, x, n, skip, acc);
    add_learned_accelerations(mlp_, G, m, x, nullptr, n, SkippedPairs::none, acc);
  } else {
    for (std::size_t i = 0; i < n; ++i) acc[i] = Vec3{};
    add_learned_accelerations(mlp_, G, m, x, nullptr, n, skip, acc);
  }
}

Vec3 LearnedInteraction::test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                                    const Vec3& at, bool skip_central) const {
  // The massless limit of the pair term: a = c m_j f_0 / r^3 (at - X_j), mass feature m_j / M.
  const bool residual = mode_ == ResidualMode::residual;
  Vec3 a = residual ? detail::newtonian_test_particle(G, m, x, n, at, skip_central) : Vec3{};
  const double M = total_mass(m, n), L = mlp_.length_scale, c = mlp_.energy_scale * G;
  thread_local std::vector<double> in, f, df;
  thread_local std::vector<Vec3> d;
  in.clear();
  d.clear();
  const std::size_t j0 = (!residual && skip_central) ? 1 : 0;
  for (std::size_t j = j0; j < n; ++j) {
    d.push_back(at - x[j]);
    in.push_back(L / norm(d.back()));
    in.push_back(m[j] / M);
  }
  const int P = static_cast<int>(d.size());
  if (P == 0) return a;
  f.resize(d.size());
  df.resize(d.size());
  mlp_.evaluate_batch(in.data(), P, f.data(), df.data());
  for (int k = 0; k < P; ++k) {
    const double r2 = norm2(d[k]), r = std::sqrt(r2);
    a += (c * df[k] * m[j0 + k] / (r2 * r)) * d[k];
  }
  return a;
}

double LearnedInteraction::potential(double G, const double* m, const Vec3* X, std::size_t n,
                                     SkippedPairs skip) const {
  double newton = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (mode_ == ResidualMode::residual || (skip != SkippedPairs::none && pair_skipped(skip, i, j)))
        newton -= G * m[i] * m[j] / norm(X[i] - X[j]);
  const SkippedPairs learned = mode_ == ResidualMode::residual ? SkippedPairs::none : skip;
  return newton + learned_energy(mlp_, G, m, X, nullptr, n, learned);
}

double LearnedInteraction::total_energy(const PlanetarySystem& s, SkippedPairs skip) const {
  const std::size_t n = s.bodies.size();
  std::vector<double> m(n);
  std::vector<Vec3> X(n);
  double kin = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = s.bodies[i].m;
    X[i] = s.bodies[i].r;
    kin += 0.5 * m[i] * norm2(s.bodies[i].v);
  }
  return kin + potential(s.G, m.data(), X.data(), n, skip);
}

GrPotentialKick::GrPotentialKick(double c) : c_(c) {
  if (!(c > 0.0) || !std::isfinite(c))
    throw InvalidInput("speed of light c = " + std::to_string(c) + " must be positive and finite");
}

void GrPotentialKick::massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                                            SkippedPairs skip, Vec3* acc) const {
  detail::newtonian_massive(G, m, x, n, skip, acc);
  // U_i = -3 (G m0)^2 m_i / (c^2 r^2): force on i is -6 (G m0)^2 m_i / (c^2 r^4) (X_i - X_0).
  const double k = 6.0 * G * G * m[0] / (c_ * c_);
  for (std::size_t i = 1; i < n; ++i) {
    const Vec3 d = x[i] - x[0];
    const double r2 = norm2(d), s = k / (r2 * r2);
    acc[i] -= (s * m[0]) * d;
    acc[0] += (s * m[i]) * d;
  }
}

Vec3 GrPotentialKick::test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                                 const Vec3& at, bool skip_central) const {
  Vec3 a = detail::newtonian_test_particle(G, m, x, n, at, skip_central);
  const Vec3 d = at - x[0];
  const double r2 = norm2(d);
  a -= (6.0 * G * G * m[0] * m[0] / (c_ * c_ * r2 * r2)) * d;
  return a;
}

double GrPotentialKick::potential(double G, const double* m, const Vec3* X, std::size_t n) const {
  double u = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) u -= G * m[i] * m[j] / norm(X[i] - X[j]);
  for (std::size_t i = 1; i < n; ++i) u -= 3.0 * G * G * m[0] * m[0] * m[i] / (c_ * c_ * norm2(X[i] - X[0]));
  return u;
}

}  // namespace noether::nbody
