#include "physics/learning/evaluation.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <memory>

#include "integrators/rattle.hpp"
#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/torch_state.hpp"
#include "physics/learning/detail/true_trajectory.hpp"
#include "physics/learning/losses.hpp"
#include "physics/models/constrained.hpp"
#include "physics/models/eigen_generalized.hpp"
#include "physics/models/vin.hpp"
#include "physics/systems/constrained.hpp"
#include "physics/systems/generalized.hpp"

namespace noether::physics {

namespace {

/// The learned field for rollouts, y [B, n] -> dy/dt [B, n] in y's dtype: the Eigen path row by row
/// for the generalized kinds (about 30x torch's autograd at small batches, in double; agrees with
/// it to round-off), the model's own time_derivative otherwise.
std::function<torch::Tensor(double, const torch::Tensor&)> rollout_field(DynamicsModelImpl& model) {
  if (!EigenGeneralizedField::covers(model.config().kind))
    return [&model](double, const torch::Tensor& y) { return model.time_derivative(y, false); };
  auto fast = std::make_shared<EigenGeneralizedField>(EigenGeneralizedField::from_model(model));
  return [fast](double, const torch::Tensor& y) {
    const auto yd = y.to(torch::kFloat64).contiguous();
    auto f = torch::empty_like(yd);
    const int64_t b = yd.size(0), n = yd.size(1);
    for (int64_t i = 0; i < b; ++i) {
      const Vector row = Eigen::Map<const Vector>(yd.data_ptr<double>() + i * n, n);
      if (!row.allFinite()) {  // a rollout that has blown up stays blown up, as on the torch path
        f[i].fill_(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      Eigen::Map<Vector>(f.data_ptr<double>() + i * n, n) = fast->time_derivative(row);
    }
    return f.to(y.scalar_type());
  };
}

/// Keeps a CHNN's learned rollouts on the constraint manifold: RATTLE steps of its H, or the
/// projection after each step of another scheme. The constraints are the truth's (the model's
/// own graph), the metric the model's learned M^{-1}; rows in double whatever the model's dtype.
class OnConstraints {
 public:
  OnConstraints(ChnnImpl& model, const ConstrainedSystem& system) : model_(model), system_(system) {
    phi_ = [this](const Vector& q) { return system_.constraints(q); };
    jacobian_ = [this](const Vector& q) { return system_.constraint_jacobian(q); };
    torch::NoGradGuard no_grad;
    const auto m = model.inverse_mass().to(torch::kFloat64).contiguous();
    const int n = system.bodies(), d = system.space_dim();
    minv_ = Eigen::MatrixXd::Zero(n * d, n * d);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) minv_.block(i * d, j * d, d, d).diagonal().setConstant(m[i][j].item<double>());
  }

  /// RATTLE steps of h for every row of x [B, 2 dof]; `steps` of them. x comes back in double.
  void rattle(torch::Tensor& x, double h, int steps) {
    apply(x, [&](Vector& q, Vector& p) {
      for (int s = 0; s < steps; ++s)
        integrators::rattle_step(q, p, h, minv_, [this](const Vector& y) { return grad_v(y); }, phi_, jacobian_);
    });
  }
  /// Every row of x onto phi = 0 and G M^{-1} p = 0. x comes back in double.
  void project(torch::Tensor& x) {
    apply(x, [&](Vector& q, Vector& p) { integrators::project_onto_constraints(q, p, minv_, phi_, jacobian_); });
  }

 private:
  /// dH/dx at (q, 0): the learned potential's gradient (M is constant). A RATTLE step asks for it
  /// at its end and the next step again at its start: the last one is kept.
  const Vector& grad_v(const Vector& q) {
    if (q.size() == last_q_.size() && q == last_q_) return last_grad_;
    const int64_t d = q.size();
    const auto dtype = model_.parameters().front().scalar_type();
    auto z = torch::zeros({1, 2 * d}, torch::kFloat64);
    std::copy(q.data(), q.data() + d, z.data_ptr<double>());
    const auto g = model_.energy_gradient_at(z.to(dtype), false).to(torch::kFloat64).contiguous();
    last_q_ = q;
    last_grad_ = Eigen::Map<const Vector>(g.data_ptr<double>(), d);
    return last_grad_;
  }
  template <class Fn>
  void apply(torch::Tensor& x, Fn&& fn) {
    auto xd = x.to(torch::kFloat64).contiguous().clone();
    const int64_t b = xd.size(0), w = xd.size(1), d = w / 2;
    for (int64_t i = 0; i < b; ++i) {
      Eigen::Map<Vector> row(xd.data_ptr<double>() + i * w, w);
      if (!row.allFinite()) continue;  // blown up: stays so
      Vector q = row.head(d), p = row.tail(d);
      fn(q, p);
      row << q, p;
    }
    x = xd;  // in double: the constraints hold to round-off on the sample, whatever the model's dtype
  }

  OnConstraints(const OnConstraints&) = delete;  // phi_ and jacobian_ hold this
  OnConstraints& operator=(const OnConstraints&) = delete;

  ChnnImpl& model_;
  const ConstrainedSystem& system_;
  Eigen::MatrixXd minv_;
  std::function<Vector(const Vector&)> phi_;
  std::function<Eigen::MatrixXd(const Vector&)> jacobian_;
  Vector last_q_, last_grad_;  ///< grad_v's last argument and value
};

}  // namespace

void EvaluationOptions::validate() const {
  if (starts < 1) throw InvalidInput("evaluation starts must be >= 1");
  if (fixed_start && starts != 1) throw InvalidInput("evaluation from the fixed start takes one start, not " + std::to_string(starts));
  if (!(t1 > 0.0)) throw InvalidInput("evaluation t1 must be > 0");
  if (points < 2) throw InvalidInput("evaluation points must be >= 2");
  if (substeps < 1) throw InvalidInput("evaluation substeps must be >= 1");
  const auto form = integrators::scheme_info(integrator).form;
  if (form != integrators::SchemeForm::kField && form != integrators::SchemeForm::kSeparable &&
      form != integrators::SchemeForm::kLieGroup && form != integrators::SchemeForm::kConstrained)
    throw InvalidInput(std::string("evaluation integrator '") + integrators::scheme_name(integrator) +
                       "': the learned rollouts take a fixed-step scheme (rk4, leapfrog, ..., lie-euler, rkmk4, cf4, rattle)");
  if (project && form == integrators::SchemeForm::kConstrained)
    throw InvalidInput("evaluation: rattle keeps the constraints itself; --project is for the other schemes");
}

double mean_structure_residual(DynamicsModelImpl& model, const torch::Tensor& x) {
  if (x.size(0) == 0) return -1.0;
  const auto dtype = model.parameters().front().scalar_type();
  const auto r = model.structure_residual(x.to(dtype));
  return r.defined() ? r.mean().item<double>() : -1.0;
}

Evaluation evaluate(DynamicsModelImpl& model, const System& truth, const DataSet& data,
                    const EvaluationOptions& o) {
  o.validate();
  const int64_t dim = truth.state_dim();
  if (model.state_dim() != dim)
    throw InvalidInput("model takes states of " + std::to_string(model.state_dim()) + " entries; '" +
                       truth.name() + "' has " + std::to_string(dim));
  Evaluation e;
  e.starts = o.starts;
  e.test_loss = derivative_mse(model, data.test_x, data.test_dxdt);
  e.structure_residual = mean_structure_residual(model, data.test_x);

  Rng rng(o.seed);
  std::vector<Vector> starts;
  for (int i = 0; i < o.starts; ++i) starts.push_back(o.fixed_start ? truth.default_state() : truth.evaluation_state(rng));
  const double dt = o.t1 / (o.points - 1);

  // True trajectories, sample by sample.
  const auto times = detail::sample_times(dt, o.points);
  std::vector<std::vector<Vector>> exact;
  for (const Vector& start : starts) exact.push_back(detail::true_trajectory(truth, start, times, "true trajectory failed"));

  // Learned trajectories: one batch, RK4.
  const auto dtype = model.parameters().front().scalar_type();
  auto x = torch::empty({o.starts, dim}, torch::kFloat64);
  for (int s = 0; s < o.starts; ++s)
    for (int64_t j = 0; j < dim; ++j) x[s][j] = starts[static_cast<std::size_t>(s)][j];
  // x stays in double until a scheme of the model's dtype steps it (the starts and projected states are exact).
  const auto learned = rollout_field(model);
  const double h = dt / o.substeps;
  // A variational integrator network is its own map: one step of it per sample.
  auto* vin = dynamic_cast<VinImpl*>(&model);
  const std::shared_ptr<DynamicsModelImpl> borrowed(&model, [](DynamicsModelImpl*) {});  // for rollout()
  double energy_sq = 0.0, state_sq = 0.0, drift = 0.0;
  bool diverged = false;
  const auto* generalized = dynamic_cast<const GeneralizedSystem*>(&truth);
  const auto* constrained = dynamic_cast<const ConstrainedSystem*>(&truth);
  double log_relative = 0.0;
  long relative_count = 0;
  if (constrained) e.constraint_drift = 0.0;
  const bool entropy = o.trace && generalized && generalized->has_entropy() && model.has_entropy();
  double energy_offset = 0.0, entropy_offset = 0.0;
  const bool rattle = integrators::scheme_info(o.integrator).form == integrators::SchemeForm::kConstrained;
  std::unique_ptr<OnConstraints> on_constraints;
  if (rattle || o.project) {
    auto* chnn = dynamic_cast<ChnnImpl*>(&model);
    if (!chnn || !constrained)
      throw InvalidInput(std::string(rattle ? "evaluation integrator 'rattle'" : "evaluation --project") +
                         " needs a constrained HNN (model chnn: a learned mass and the system's constraints); this model is '" +
                         model_kind_name(model.config().kind) + "' on '" + truth.name() + "'");
    on_constraints = std::make_unique<OnConstraints>(*chnn, *constrained);
  }
  for (int k = 0; k < o.points; ++k) {
    if (k > 0 && vin) x = vin->step(x.to(dtype), dt, false);
    if (k > 0 && rattle) on_constraints->rattle(x, h, o.substeps);
    for (int sub = 0; k > 0 && !vin && !rattle && sub < o.substeps; ++sub) {
      x = x.to(dtype);  // after a projection, which works in double
      if (o.integrator == integrators::Scheme::kRk4) integrators::rk4_step(x, 0.0, h, learned);
      else x = rollout(borrowed, x, h, 1, o.integrator, false)[1];
      if (o.project) on_constraints->project(x);
    }
    const auto xd = x.to(torch::kFloat64).contiguous();
    const double* px = xd.data_ptr<double>();
    for (int s = 0; s < o.starts; ++s) {
      const Vector yl = Eigen::Map<const Vector>(px + s * dim, dim);
      const Vector& yt = exact[static_cast<std::size_t>(s)][static_cast<std::size_t>(k)];
      if (!yl.allFinite()) diverged = true;
      if (k > 0 && !diverged) {
        const double scale = yl.norm() + yt.norm();
        const double rel = scale > 0.0 ? (yl - yt).norm() / scale : 0.0;
        log_relative += std::log(std::max(rel, 1e-300));
        ++relative_count;
      }
      if (constrained && !diverged)
        e.constraint_drift = std::max(e.constraint_drift, constrained->constraints(constrained->q_of(yl)).cwiseAbs().maxCoeff());
      const double el = truth.energy_at(yl), et = truth.energy_at(yt), de = el - et;
      energy_sq += de * de;
      state_sq += (yl - yt).squaredNorm();
      if (k == o.points - 1) {
        const double e0 = std::abs(truth.energy_at(starts[static_cast<std::size_t>(s)]));
        drift += std::abs(de) / (e0 > 1e-12 ? e0 : 1.0) / o.starts;
      }
      if (s != 0 || !o.trace) continue;
      auto& tr = e.trace;
      tr.t.push_back(k * dt);
      tr.true_energy.push_back(et);
      tr.energy_on_learned.push_back(el);
      tr.true_states.push_back(yt);
      tr.learned_states.push_back(yl);
      if (model.has_energy()) {
        torch::NoGradGuard no_grad;
        const double h_learned = model.energy(x.narrow(0, 0, 1).to(dtype)).item<double>();
        if (k == 0) energy_offset = tr.true_energy[0] - h_learned;
        tr.learned_energy.push_back(h_learned + energy_offset);
      }
      if (entropy) {
        torch::NoGradGuard no_grad;
        const double s_learned = model.entropy(x.narrow(0, 0, 1).to(dtype)).item<double>();
        tr.true_entropy.push_back(generalized->entropy_at(yt));
        tr.entropy_on_learned.push_back(generalized->entropy_at(yl));
        if (k == 0) entropy_offset = tr.true_entropy[0] - s_learned;
        tr.learned_entropy.push_back(s_learned + entropy_offset);
      }
    }
  }
  e.energy_drift = diverged ? std::numeric_limits<double>::infinity() : drift;
  e.geometric_mean_relative_error = diverged ? std::numeric_limits<double>::infinity()
                                             : (relative_count > 0 ? std::exp(log_relative / relative_count) : 0.0);
  if (diverged && constrained) e.constraint_drift = std::numeric_limits<double>::infinity();
  const double n = static_cast<double>(o.starts) * o.points;
  e.energy_mse = diverged ? std::numeric_limits<double>::infinity() : energy_sq / n;
  e.state_mse = diverged ? std::numeric_limits<double>::infinity() : state_sq / (n * dim);
  return e;
}

double trajectory_sse(DynamicsModelImpl& model, const torch::Tensor& traj, double dt, int substeps) {
  if (traj.dim() != 3) throw InvalidInput("trajectory_sse needs trajectories [T, N, W]");
  if (substeps < 1) throw InvalidInput("substeps must be >= 1");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw InvalidInput("trajectory_sse needs a finite dt > 0");
  const int64_t T = traj.size(0), N = traj.size(1);
  if (N == 0 || T == 0) return 0.0;
  const auto dtype = model.parameters().front().scalar_type();
  const auto truth = traj.to(torch::kFloat64);
  auto x = truth[0].to(dtype);
  const auto learned = rollout_field(model);
  const double h = dt / substeps;
  double sse = 0.0;
  for (int64_t k = 1; k < T; ++k) {
    for (int sub = 0; sub < substeps; ++sub) integrators::rk4_step(x, 0.0, h, learned);
    const double e = (x.to(torch::kFloat64) - truth[k]).square().sum().item<double>();
    if (!std::isfinite(e)) return std::numeric_limits<double>::infinity();
    sse += e;
  }
  return sse / static_cast<double>(N);
}

double prediction_sse(DynamicsModelImpl& model, const System& truth, const torch::Tensor& starts, double dt,
                      int steps, int substeps) {
  if (steps < 1) throw InvalidInput("prediction steps must be >= 1");
  if (starts.dim() != 2 || starts.size(1) != truth.state_dim())
    throw InvalidInput("prediction starts must be [N, " + std::to_string(truth.state_dim()) + "]");
  const int64_t n = starts.size(0), w = starts.size(1);
  auto exact = torch::empty({steps + 1, n, w}, torch::kFloat64);
  const auto times = detail::sample_times(dt, steps + 1);
  const auto s64 = starts.to(torch::kFloat64).contiguous();
  auto acc = exact.accessor<double, 3>();
  for (int64_t i = 0; i < n; ++i) {
    const Vector start = Eigen::Map<const Vector>(s64.data_ptr<double>() + i * w, w);
    const auto states = detail::true_trajectory(truth, start, times, "true trajectory for the prediction failed");
    for (int k = 0; k <= steps; ++k)
      for (int64_t j = 0; j < w; ++j) acc[k][i][j] = states[static_cast<std::size_t>(k)][j];
  }
  return trajectory_sse(model, exact, dt, substeps);
}

Evaluation evaluate_measured(DynamicsModelImpl& model, const System& energy, const DataSet& data,
                             int substeps) {
  if (substeps < 1) throw InvalidInput("substeps must be >= 1");
  const int64_t n = data.test_x.size(0), split = data.x.size(0);
  if (n < 2) throw InvalidInput("measured evaluation needs at least two test rows");
  Evaluation e;
  e.starts = 1;
  e.test_loss = derivative_mse(model, data.test_x, data.test_dxdt);
  const auto dtype = model.parameters().front().scalar_type();
  auto x = data.test_x.narrow(0, 0, 1).to(dtype);
  const auto learned = rollout_field(model);
  double energy_sq = 0.0, state_sq = 0.0;
  const int64_t dim = data.test_x.size(1);
  for (int64_t k = 0; k < n; ++k) {
    if (k > 0) {
      const double span = data.t[split + k].item<double>() - data.t[split + k - 1].item<double>();
      for (int s = 0; s < substeps; ++s) integrators::rk4_step(x, 0.0, span / substeps, learned);
    }
    const auto xd = x.to(torch::kFloat64).contiguous();
    const Vector yl = Eigen::Map<const Vector>(xd.data_ptr<double>(), dim);
    const auto row = data.test_x[k].contiguous();
    const Vector ym = Eigen::Map<const Vector>(row.data_ptr<double>(), dim);
    const double de = energy.energy_at(yl) - energy.energy_at(ym);
    energy_sq += de * de;
    state_sq += (yl - ym).squaredNorm();
  }
  e.energy_mse = energy_sq / static_cast<double>(n);
  e.state_mse = state_sq / static_cast<double>(n * dim);
  return e;
}

}  // namespace noether::physics
