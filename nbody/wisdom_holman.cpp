#include "nbody/wisdom_holman.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <sstream>

#include <omp.h>

#include "nbody/detail/jacobi_kick.hpp"
#include "nbody/detail/kepler_lanes.hpp"
#include "nbody/detail/newtonian.hpp"
#include "nbody/kepler.hpp"
#include "noether/error.hpp"

namespace noether::nbody {

std::string to_string(Kernel k) {
  switch (k) {
    case Kernel::standard: return "standard";
    case Kernel::modified_kick: return "modified-kick";
    case Kernel::lazy: return "lazy";
  }
  return "?";
}

Kernel kernel_from_string(const std::string& name) {
  if (name == "standard" || name == "default") return Kernel::standard;
  if (name == "modified-kick" || name == "modified_kick" || name == "modifiedkick") return Kernel::modified_kick;
  if (name == "lazy" || name == "lazy-implementer") return Kernel::lazy;
  throw InvalidInput("unknown kernel '" + name + "' (known: standard, modified-kick, lazy)");
}

void WisdomHolmanOptions::validate() const {
  if (!(dt > 0.0) || !std::isfinite(dt))
    throw InvalidInput("dt = " + std::to_string(dt) + ": the time step must be positive and finite");
  if (std::find(std::begin(kCorrectorOrders), std::end(kCorrectorOrders), corrector) == std::end(kCorrectorOrders))
    throw InvalidInput("corrector = " + std::to_string(corrector) + ": available orders are 0 (none), 3, 5, 7, 11, 17");
  if (corrector != 0 && coordinates != Coordinates::jacobi)
    throw InvalidInput("corrector " + std::to_string(corrector) + " needs Jacobi coordinates (got " +
                       to_string(coordinates) + ")");
  if (kernel != Kernel::standard && coordinates != Coordinates::jacobi)
    throw InvalidInput("kernel " + to_string(kernel) + " needs Jacobi coordinates (got " + to_string(coordinates) + ")");
  if (threads < 0) throw InvalidInput("threads = " + std::to_string(threads) + " must be >= 0");
}

namespace {

// Wisdom's first symplectic correctors (Wisdom, Holman & Touma 1996; Wisdom 2006): the corrector
// of order k is a product of Z(a_i dt, b_i dt) operators with a_i = i sqrt(7/40).
constexpr double kA1 = 0.41833001326703777398908601289259374469640768464934;
constexpr double kB31 = -0.024900596027799867499350357910273437184309981229127;
constexpr double kB51 = -0.0083001986759332891664501193034244790614366604097090;
constexpr double kB52 = 0.041500993379666445832250596517122395307183302048545;
constexpr double kB71 = 0.0024926811426922105779030593952776964450539008582219;
constexpr double kB72 = -0.018270923246702131478062356884535264841652263842597;
constexpr double kB73 = 0.053964399093127498721765893493510877532452806339655;
constexpr double kB11[5] = {0.00020361579647854651301632818774633716473696537436847,
                            -0.0023487215292295354188307328851055489876255097419754,
                            0.012309078592019946317544564763237909911330686448336,
                            -0.038121613681288650508647613260247372125243616270670,
                            0.072593394748842738674253180742744961827622366521517};
constexpr double kB17[8] = {-0.0000043347415473373580190650223498124944896789841432241,
                            0.000076436355227935738363241846979413475106795392377415,
                            -0.00063599983075817658983166881625078545864140848560259,
                            0.0033132577069380655655490196833451994080066801611459,
                            -0.012071760822342291062449751726959664253913904872527,
                            0.032422198864713580293681523029577130832258806467604,
                            -0.065192863576377893658290760803725762027864651086787,
                            0.093056103771425958591541059067553547100903397724386};

}  // namespace

WisdomHolman::WisdomHolman(const PlanetarySystem& system, const WisdomHolmanOptions& options,
                           std::shared_ptr<const InteractionKick> kick)
    : opt_(options), kick_(std::move(kick)) {
  opt_.validate();
  system.validate();
  if (!kick_) throw InvalidInput("WisdomHolman: the interaction kick is null");
  newtonian_ = kick_->is_newtonian();
  if (opt_.kernel == Kernel::modified_kick && !newtonian_)
    throw InvalidInput("kernel modified-kick needs the Newtonian interaction (got '" + kick_->name() +
                       "'); use the lazy kernel");
  if (opt_.kernel != Kernel::standard && !system.test_particles.empty())
    throw InvalidInput("kernel " + to_string(opt_.kernel) + " does not support test particles (" +
                       std::to_string(system.test_particles.size()) + " given); use the standard kernel");
  meta_.name = system.name;
  meta_.description = system.description;
  meta_.names = system.names;
  meta_.G = system.G;
  G_ = system.G;
  t0_ = system.time;
  n_ = system.bodies.size();
  m_.resize(n_);
  eta_.resize(n_);
  for (std::size_t i = 0; i < n_; ++i) m_[i] = system.bodies[i].m;
  cumulative_masses(m_.data(), n_, eta_.data());
  x_.resize(n_); v_.resize(n_); X_.resize(n_); A_.resize(n_); a_.resize(n_);
  w1_.resize(n_); w2_.resize(n_); w3_.resize(n_);
  std::vector<Vec3> X(n_), V(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    X[i] = system.bodies[i].r;
    V[i] = system.bodies[i].v;
  }
  switch (opt_.coordinates) {
    case Coordinates::jacobi: inertial_to_jacobi(m_.data(), X.data(), V.data(), x_.data(), v_.data(), n_); break;
    case Coordinates::democratic_heliocentric:
      inertial_to_democratic_heliocentric(m_.data(), X.data(), V.data(), x_.data(), v_.data(), n_);
      break;
    case Coordinates::whds: inertial_to_whds(m_.data(), X.data(), V.data(), x_.data(), v_.data(), n_); break;
  }
  const Vec3 Rc = x_[0], Vc = v_[0];
  const bool jac = opt_.coordinates == Coordinates::jacobi;
  mu_tp_ = G_ * (jac ? eta_[n_ - 1] : m_[0]);
  for (const auto& p : system.test_particles) {
    tx_.push_back(p.r - (jac ? Rc : X[0]));
    tv_.push_back(p.v - Vc);
  }
}

void WisdomHolman::positions_to_inertial(const Vec3* x, Vec3* X) const {
  if (opt_.coordinates == Coordinates::jacobi)
    jacobi_to_inertial_pos(m_.data(), eta_.data(), x, X, n_);
  else
    democratic_heliocentric_to_inertial_pos(m_.data(), eta_[n_ - 1], x, X, n_);
}

void WisdomHolman::massive_accelerations(const Vec3* X, SkippedPairs skip, Vec3* A) const {
  if (newtonian_)
    detail::newtonian_massive(G_, m_.data(), X, n_, skip, A);
  else
    kick_->massive_accelerations(G_, m_.data(), X, n_, skip, A);
}

void WisdomHolman::jacobi_interaction(const Vec3* x, Vec3* a) {
  detail::jacobi_interaction(
      G_, m_.data(), eta_.data(), x, n_,
      [this](const Vec3* X, SkippedPairs skip, Vec3* A) { massive_accelerations(X, skip, A); }, X_.data(),
      A_.data(), a);
}

void WisdomHolman::record_kick_positions() {
  // Positions the test particles feel, in their frame: barycentric (Jacobi) or heliocentric.
  if (opt_.coordinates == Coordinates::jacobi) {
    for (std::size_t j = 0; j < n_; ++j) tape_pos_.push_back(X_[j] - x_[0]);
  } else {
    tape_pos_.push_back(Vec3{});
    for (std::size_t j = 1; j < n_; ++j) tape_pos_.push_back(x_[j]);
  }
}

void WisdomHolman::drift(double h, bool move_com) {
  switch (opt_.coordinates) {
    case Coordinates::jacobi:
      for (std::size_t i = 1; i < n_; ++i) kepler_drift(x_[i], v_[i], G_ * eta_[i], h);
      break;
    case Coordinates::democratic_heliocentric:
      for (std::size_t i = 1; i < n_; ++i) kepler_drift(x_[i], v_[i], G_ * m_[0], h);
      break;
    case Coordinates::whds:
      for (std::size_t i = 1; i < n_; ++i) kepler_drift(x_[i], v_[i], G_ * (m_[0] + m_[i]), h);
      break;
  }
  if (move_com) {  // Kahan summation of the centre of mass's elapsed time
    const double y = h - com_tau_c_;
    const double t = com_tau_ + y;
    com_tau_c_ = (t - com_tau_) - y;
    com_tau_ = t;
  }
  if (!tx_.empty()) tape_.push_back(TapeOp{TapeOp::kDrift, h, 0, Vec3{}});
}

void WisdomHolman::jump(double h) {
  Vec3 P;  // displacement rate of the heliocentric positions
  if (opt_.coordinates == Coordinates::democratic_heliocentric) {
    for (std::size_t i = 1; i < n_; ++i) P += m_[i] * v_[i];
    P *= 1.0 / m_[0];
    for (std::size_t i = 1; i < n_; ++i) x_[i] += h * P;
  } else if (opt_.coordinates == Coordinates::whds) {
    for (std::size_t i = 1; i < n_; ++i) P += (m_[i] / (m_[0] + m_[i])) * v_[i];
    for (std::size_t i = 1; i < n_; ++i) x_[i] += h * (P - (m_[i] / (m_[0] + m_[i])) * v_[i]);
  } else {
    return;
  }
  if (!tx_.empty()) tape_.push_back(TapeOp{TapeOp::kJump, h, 0, P});
}

void WisdomHolman::kick(double h, bool main_kick) {
  const bool tp = !tx_.empty();
  if (opt_.coordinates == Coordinates::jacobi) {
    jacobi_interaction(x_.data(), a_.data());
    if (tp) {
      tape_.push_back(TapeOp{TapeOp::kKick, h, tape_pos_.size(), Vec3{}});
      record_kick_positions();
    }
    if (main_kick && opt_.kernel == Kernel::modified_kick) {
      // a + dt^2/12 * (derivative of a along a): direction d' = a' in Jacobi coordinates.
      Vec3* dX = w1_.data();
      Vec3* dA = w2_.data();
      Vec3* D = w3_.data();
      jacobi_to_inertial_pos(m_.data(), eta_.data(), a_.data(), dX, n_);
      detail::newtonian_massive_derivative(G_, m_.data(), X_.data(), dX, n_, SkippedPairs::first_pair, dA);
      inertial_to_jacobi_pos(m_.data(), dA, D, n_);
      for (std::size_t i = 2; i < n_; ++i) {
        const Vec3& xi = x_[i];
        const Vec3& di = a_[i];
        const double r2 = norm2(xi);
        const double inv3 = G_ * eta_[i] / (r2 * std::sqrt(r2));
        D[i] += inv3 * di - (3.0 * dot(xi, di) * inv3 / r2) * xi;
      }
      const double c = opt_.dt * opt_.dt / 12.0;
      for (std::size_t i = 1; i < n_; ++i) a_[i] += c * D[i];
    } else if (main_kick && opt_.kernel == Kernel::lazy) {
      // Second evaluation at positions shifted by dt^2/12 a (Jacobi), the same to leading order.
      const double c = opt_.dt * opt_.dt / 12.0;
      Vec3* xs = w1_.data();
      xs[0] = x_[0];
      for (std::size_t i = 1; i < n_; ++i) xs[i] = x_[i] + c * a_[i];
      jacobi_interaction(xs, a_.data());
    }
    for (std::size_t i = 1; i < n_; ++i) v_[i] += h * a_[i];
    return;
  }
  positions_to_inertial(x_.data(), X_.data());
  massive_accelerations(X_.data(), SkippedPairs::central, A_.data());
  if (tp) {
    tape_.push_back(TapeOp{TapeOp::kKick, h, tape_pos_.size(), Vec3{}});
    record_kick_positions();
  }
  if (opt_.coordinates == Coordinates::democratic_heliocentric) {
    for (std::size_t i = 1; i < n_; ++i) v_[i] += h * A_[i];
  } else {
    for (std::size_t i = 1; i < n_; ++i) v_[i] += (h * (m_[0] + m_[i]) / m_[0]) * A_[i];
  }
}

void WisdomHolman::corrector_z(double a, double b) {
  drift(a, false);
  kick(-b, false);
  drift(-2.0 * a, false);
  kick(b, false);
  drift(a, false);
}

void WisdomHolman::apply_corrector(double inv) {
  const double dt = opt_.dt;
  const auto z = [&](int k, double b) { corrector_z(k * kA1 * dt, inv * b * dt); };
  switch (opt_.corrector) {
    case 3:
      z(1, -kB31);
      z(-1, kB31);
      break;
    case 5:
      z(-2, -kB51); z(-1, -kB52); z(1, kB52); z(2, kB51);
      break;
    case 7:
      z(-3, -kB71); z(-2, -kB72); z(-1, -kB73); z(1, kB73); z(2, kB72); z(3, kB71);
      break;
    case 11:
      for (int k = 5; k >= 1; --k) z(-k, -kB11[5 - k]);
      for (int k = 1; k <= 5; ++k) z(k, kB11[5 - k]);
      break;
    case 17:
      for (int k = 8; k >= 1; --k) z(-k, -kB17[8 - k]);
      for (int k = 1; k <= 8; ++k) z(k, kB17[8 - k]);
      break;
    default: break;
  }
}

void WisdomHolman::one_step() {
  const double dt = opt_.dt;
  const bool helio = opt_.coordinates != Coordinates::jacobi;
  if (synced_) {
    if (opt_.corrector) apply_corrector(1.0);
    drift(0.5 * dt, true);
  } else {
    drift(dt, true);  // the pending half drift of the last step merged with this one's
  }
  if (helio) jump(0.5 * dt);
  kick(dt, true);
  if (helio) jump(0.5 * dt);
  synced_ = false;
  ++steps_;
  if (!opt_.fast) synchronize_in_place();
}

void WisdomHolman::synchronize_in_place() {
  if (synced_) return;
  drift(0.5 * opt_.dt, true);
  if (opt_.corrector) apply_corrector(-1.0);
  synced_ = true;
}

integrators::Result WisdomHolman::integrate(long steps) {
  if (steps < 0) throw InvalidInput("integrate: negative step count " + std::to_string(steps));
  constexpr std::size_t kTapeOps = 512;
  integrators::Result r;
  auto failed = [&](const NumericalError& e, long done) {
    std::ostringstream os;
    os << "step " << steps_ + 1 << " (t = " << time() << "): " << e.what();
    r.status = integrators::Status::kNonFinite;
    r.message = os.str();
    r.steps = static_cast<std::size_t>(done);
    r.t = time();
    return r;
  };
  for (long k = 0; k < steps; ++k) {
    try {
      one_step();
      if (tape_.size() >= kTapeOps) flush_test_particles();
    } catch (const NumericalError& e) {
      return failed(e, k);
    }
  }
  try {
    flush_test_particles();
  } catch (const NumericalError& e) {
    return failed(e, steps);
  }
  r.steps = static_cast<std::size_t>(steps);
  r.t = time();
  return r;
}

void WisdomHolman::flush_test_particles() {
  if (tape_.empty()) return;
  if (opt_.simd)
    flush_test_particles_lanes();
  else
    flush_test_particles_scalar();
  tape_.clear();
  tape_pos_.clear();
}

void WisdomHolman::flush_test_particles_scalar() {
  const long nt = static_cast<long>(tx_.size());
  const bool jac = opt_.coordinates == Coordinates::jacobi;
  const double M = eta_[n_ - 1];
  const double G = G_, mu = mu_tp_;
  const double* m = m_.data();
  const std::size_t n = n_;
  const TapeOp* ops = tape_.data();
  const std::size_t nops = tape_.size();
  const Vec3* pos = tape_pos_.data();
  const InteractionKick* kick = kick_.get();
  const bool newtonian = newtonian_;
  std::atomic<bool> failed{false};
  std::string error;
  const int threads = opt_.threads > 0 ? opt_.threads : omp_get_max_threads();
#pragma omp parallel for schedule(static) num_threads(threads) if (nt >= 64)
  for (long k = 0; k < nt; ++k) {
    if (failed.load(std::memory_order_relaxed)) continue;
    Vec3 r = tx_[k], v = tv_[k];
    try {
      for (std::size_t o = 0; o < nops; ++o) {
        const TapeOp& op = ops[o];
        if (op.kind == TapeOp::kDrift) {
          kepler_drift(r, v, mu, op.h);
        } else if (op.kind == TapeOp::kKick) {
          const Vec3* X = pos + op.offset;
          Vec3 acc = newtonian ? detail::newtonian_test_particle(G, m, X, n, r, !jac)
                               : kick->test_particle_acceleration(G, m, X, n, r, !jac);
          if (jac) {
            const double r2 = norm2(r);
            acc += (G * M / (r2 * std::sqrt(r2))) * r;
          }
          v += op.h * acc;
        } else {
          r += op.h * op.shift;
        }
      }
      tx_[k] = r;
      tv_[k] = v;
    } catch (const std::exception& e) {
#pragma omp critical(noether_nbody_tp_error)
      {
        if (error.empty()) error = "test particle " + std::to_string(k) + ": " + e.what();
      }
      failed = true;
    }
  }
  if (failed) throw NumericalError(error);
}

void WisdomHolman::flush_test_particles_lanes() {
  // The same replay as flush_test_particles_scalar, kLanes particles at a time in SIMD lanes
  // (structure of arrays held in registers); a lane the vector Kepler drift cannot handle is
  // redone by the scalar kepler_drift for that operation. The last group is padded with copies
  // of its first particle, whose results are dropped.
  using detail::LaneD;
  using detail::LaneM;
  constexpr int W = detail::kLanes;
  const long nt = static_cast<long>(tx_.size());
  const long ngroups = (nt + W - 1) / W;
  const bool jac = opt_.coordinates == Coordinates::jacobi;
  const double GM = G_ * eta_[n_ - 1];
  const double G = G_, mu = mu_tp_;
  const double* m = m_.data();
  const std::size_t n = n_;
  const std::size_t j0 = jac ? 0 : 1;
  const TapeOp* ops = tape_.data();
  const std::size_t nops = tape_.size();
  const Vec3* pos = tape_pos_.data();
  const InteractionKick* kick = kick_.get();
  const bool newtonian = newtonian_;
  std::atomic<bool> failed{false};
  std::string error;
  const int threads = opt_.threads > 0 ? opt_.threads : omp_get_max_threads();
#pragma omp parallel for schedule(static) num_threads(threads) if (nt >= 64)
  for (long b = 0; b < ngroups; ++b) {
    if (failed.load(std::memory_order_relaxed)) continue;
    const long k0 = b * W;
    const int count = static_cast<int>(std::min<long>(W, nt - k0));
    LaneD rx, ry, rz, vx, vy, vz;
    for (int l = 0; l < W; ++l) {
      const std::size_t k = static_cast<std::size_t>(k0 + (l < count ? l : 0));
      rx[l] = tx_[k].x; ry[l] = tx_[k].y; rz[l] = tx_[k].z;
      vx[l] = tv_[k].x; vy[l] = tv_[k].y; vz[l] = tv_[k].z;
    }
    int lane = 0;  // the particle a scalar call is working on, for the error message
    try {
      for (std::size_t o = 0; o < nops; ++o) {
        const TapeOp& op = ops[o];
        if (op.kind == TapeOp::kDrift) {
          const LaneM bad = detail::kepler_drift_lanes(rx, ry, rz, vx, vy, vz, mu, op.h);
          if (detail::lane_any(bad)) {
            for (lane = 0; lane < W; ++lane) {
              if (!bad[lane]) continue;
              if (lane >= count) {  // padding: follow the group's first particle
                rx[lane] = rx[0]; ry[lane] = ry[0]; rz[lane] = rz[0];
                vx[lane] = vx[0]; vy[lane] = vy[0]; vz[lane] = vz[0];
                continue;
              }
              Vec3 r{rx[lane], ry[lane], rz[lane]}, v{vx[lane], vy[lane], vz[lane]};
              kepler_drift(r, v, mu, op.h);
              rx[lane] = r.x; ry[lane] = r.y; rz[lane] = r.z;
              vx[lane] = v.x; vy[lane] = v.y; vz[lane] = v.z;
            }
          }
        } else if (op.kind == TapeOp::kKick) {
          const Vec3* X = pos + op.offset;
          LaneD ax = detail::lane_splat(0.0), ay = ax, az = ax;
          if (newtonian) {
            for (std::size_t j = j0; j < n; ++j) {
              const LaneD dx = X[j].x - rx, dy = X[j].y - ry, dz = X[j].z - rz;
              const LaneD r2 = dx * dx + dy * dy + dz * dz;
              const LaneD s = G * m[j] / (r2 * detail::lane_sqrt(r2));
              ax += s * dx;
              ay += s * dy;
              az += s * dz;
            }
          } else {
            for (lane = 0; lane < W; ++lane) {
              const Vec3 a = kick->test_particle_acceleration(G, m, X, n, Vec3{rx[lane], ry[lane], rz[lane]}, !jac);
              ax[lane] = a.x; ay[lane] = a.y; az[lane] = a.z;
            }
          }
          if (jac) {
            const LaneD r2 = rx * rx + ry * ry + rz * rz;
            const LaneD s = GM / (r2 * detail::lane_sqrt(r2));
            ax += s * rx;
            ay += s * ry;
            az += s * rz;
          }
          vx += op.h * ax;
          vy += op.h * ay;
          vz += op.h * az;
        } else {
          rx += op.h * op.shift.x;
          ry += op.h * op.shift.y;
          rz += op.h * op.shift.z;
        }
      }
      for (int l = 0; l < count; ++l) {
        tx_[static_cast<std::size_t>(k0 + l)] = Vec3{rx[l], ry[l], rz[l]};
        tv_[static_cast<std::size_t>(k0 + l)] = Vec3{vx[l], vy[l], vz[l]};
      }
    } catch (const std::exception& e) {
#pragma omp critical(noether_nbody_tp_error)
      {
        if (error.empty()) error = "test particle " + std::to_string(k0 + lane) + ": " + e.what();
      }
      failed = true;
    }
  }
  if (failed) throw NumericalError(error);
}

PlanetarySystem WisdomHolman::to_inertial() const {
  PlanetarySystem s = meta_;
  s.time = time();
  std::vector<Vec3> X(n_), V(n_), x = x_;
  x[0] = x_[0] + com_tau_ * v_[0];
  switch (opt_.coordinates) {
    case Coordinates::jacobi: jacobi_to_inertial(m_.data(), eta_.data(), x.data(), v_.data(), X.data(), V.data(), n_); break;
    case Coordinates::democratic_heliocentric:
      democratic_heliocentric_to_inertial(m_.data(), eta_[n_ - 1], x.data(), v_.data(), X.data(), V.data(), n_);
      break;
    case Coordinates::whds: whds_to_inertial(m_.data(), eta_[n_ - 1], x.data(), v_.data(), X.data(), V.data(), n_); break;
  }
  s.bodies.resize(n_);
  for (std::size_t i = 0; i < n_; ++i) s.bodies[i] = Particle{m_[i], X[i], V[i]};
  const Vec3 origin = opt_.coordinates == Coordinates::jacobi ? x[0] : X[0];
  s.test_particles.resize(tx_.size());
  for (std::size_t k = 0; k < tx_.size(); ++k) s.test_particles[k] = Particle{0.0, tx_[k] + origin, tv_[k] + v_[0]};
  return s;
}

PlanetarySystem WisdomHolman::state() const {
  if (synced_) return to_inertial();
  WisdomHolman copy(*this);
  copy.synchronize_in_place();
  copy.flush_test_particles();
  return copy.to_inertial();
}

}  // namespace noether::nbody
