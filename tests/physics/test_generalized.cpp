// Generalized Hamiltonian systems and models (issue 16): the structure each promises, checked
// for random weights and states, independent of training.
#include "tests/support/test_common.hpp"

#include <cstdio>

#include "integrators/dop853.hpp"
#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/learning/evaluation.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/eigen_generalized.hpp"
#include "physics/models/field.hpp"
#include "physics/models/generalized.hpp"
#include "physics/models/normalized.hpp"
#include "physics/systems/generalized.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;
using np::Vector;

namespace {

np::ModelConfig config(np::ModelKind kind, int64_t dim) {
  np::ModelConfig c;
  c.kind = kind;
  c.dof = 0;
  c.state_dim = dim;
  c.hidden = 32;
  return c;
}

torch::Tensor random_states(int64_t b, int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({b, n}, torch::kFloat64);
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

/// The Eigen path's field and energy equal the torch model's at every state (row) of x.
void check_eigen_matches(const np::EigenGeneralizedField& fast, np::DynamicsModelImpl& model, const torch::Tensor& x) {
  const int64_t n = x.size(1);
  const auto f = model.time_derivative(x, false);
  torch::NoGradGuard no_grad;
  const auto h = model.energy(x);
  for (int64_t i = 0; i < x.size(0); ++i) {
    const auto row = x[i].contiguous();
    const Vector xi = Eigen::Map<const Vector>(row.data_ptr<double>(), n);
    const Vector fi = fast.time_derivative(xi);
    INFO("sample " << i);
    for (int64_t j = 0; j < n; ++j) CHECK(fi[j] == Approx(f[i][j].item<double>()).margin(1e-12).epsilon(1e-10));
    CHECK(fast.energy(xi) == Approx(h[i].item<double>()).margin(1e-12));
  }
}

/// A data set of system's protocol cut to `trajectories` of `points` samples, data seed 0.
np::DataSet small_data(const np::System& system, int64_t trajectories, int64_t points) {
  auto protocol = system.protocol();
  protocol.trajectories = trajectories;
  protocol.points = points;
  return np::generate_dataset(system, protocol, 0);
}

/// An untrained model of config c with weights drawn from `seed`, as Impl, in float64.
template <class Impl>
std::shared_ptr<Impl> float64_model(const np::ModelConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  auto model = std::dynamic_pointer_cast<Impl>(np::make_model(c));
  REQUIRE(model);
  model->to(torch::kFloat64);
  return model;
}

}  // namespace

TEST_CASE("the gas container keeps its energy and never loses entropy", "[physics][generalized]") {
  const np::GasContainer gas;
  np::Rng rng(5);
  ni::AdaptiveOptions o;
  o.rtol = 1e-12;
  o.atol = 1e-12;
  auto f = [&](double, const Vector& x) { return gas.vector_field(x); };
  for (int start = 0; start < 5; ++start) {
    Vector x = gas.random_state(rng);
    const double e0 = gas.energy_at(x);
    double s_prev = gas.entropy_at(x);
    bool exchanged = false;
    for (int k = 1; k <= 80; ++k) {
      REQUIRE(ni::integrate_dop853(x, 0.1 * (k - 1), 0.1 * k, f, o).ok());
      const double s = gas.entropy_at(x);
      INFO("start " << start << ", t = " << 0.1 * k);
      CHECK(std::abs(gas.energy_at(x) - e0) < 1e-9 * std::abs(e0));
      CHECK(s >= s_prev - 1e-12);
      exchanged = exchanged || s > s_prev + 1e-6;
      s_prev = s;
    }
    CHECK(exchanged);  // heat really flows: the entropy rises somewhere
  }
  // dS/dt = 9 alpha (E2 - E1)^2 / (4 E1^2 E2^2), term by term.
  Vector x(4);
  x << 0.7, 0.4, 1.5, 2.6;
  const Vector dx = gas.vector_field(x);
  const double e1 = std::pow(std::exp(x[2]) / x[0], 2.0 / 3.0), e2 = std::pow(std::exp(x[3]) / (2.0 - x[0]), 2.0 / 3.0);
  CHECK(dx[2] + dx[3] == Approx(9.0 * 10.0 * (e2 - e1) * (e2 - e1) / (4.0 * e1 * e1 * e2 * e2)));
}

TEST_CASE("Lorenz-63 is (J + R) grad E plus a constant forcing", "[physics][generalized]") {
  const np::Lorenz lorenz;
  np::Rng rng(9);
  const double s = np::Lorenz::kSigma, r = np::Lorenz::kRho, b = np::Lorenz::kBeta;
  for (int k = 0; k < 5; ++k) {
    const Vector x = lorenz.random_state(rng);
    const Vector grad = noether::testing::finite_difference_gradient([&](const Vector& y) { return lorenz.energy_at(y); }, x);
    Eigen::Matrix3d j, rr;
    j << 0, s, 0, -s, 0, -x[0], 0, x[0], 0;
    rr = Eigen::Vector3d(-s, -1.0, -b).asDiagonal();
    const Vector expected = (j + rr) * grad + Eigen::Vector3d(0, 0, -b * (s + r));
    CHECK((lorenz.vector_field(x) - expected).norm() < 1e-6 * expected.norm());
  }
  CHECK(lorenz.state_dim() == 3);
  CHECK_FALSE(lorenz.canonical());
  CHECK_THROWS_AS(lorenz.dH_dq(Vector(1), Vector(1)), noether::InvalidInput);
  CHECK_THROWS_WITH(lorenz.check_state(Vector::Zero(2)), Catch::Contains("expected 3"));
}

TEST_CASE("pq: P is skew, Q negative semi-definite, and H only decreases", "[physics][generalized][models]") {
  for (const int64_t n : {2, 3, 5}) {
    auto model = float64_model<np::PqImpl>(config(np::ModelKind::kPq, n), static_cast<uint64_t>(n));
    const auto x = random_states(64, n, 100 + static_cast<uint64_t>(n));
    const auto [p, q] = model->structure(x);
    INFO("n = " << n);
    CHECK(max_abs(p + p.transpose(1, 2)) == 0.0);
    CHECK(max_abs(q - q.transpose(1, 2)) < 1e-14);
    CHECK(torch::linalg_eigvalsh(q).max().item<double>() < 1e-12);
    CHECK(max_abs(q) > 1e-3);  // not trivially zero
    // dH/dt = grad H . (P + Q) grad H: the P part vanishes to round-off, the whole is <= 0.
    const auto g = np::energy_gradient([&](const torch::Tensor& s) { return model->energy(s); }, x, false);
    const auto f = model->time_derivative(x, false);
    CHECK(max_abs((g * np::mat_vec(p, g)).sum(-1)) < 1e-12 * (1.0 + max_abs(g)));
    CHECK((g * f).sum(-1).max().item<double>() <= 1e-12);
    CHECK(model->structure_residual(x).max().item<double>() <= 1e-12);
    // The autograd field is (P + Q) times the finite-difference gradient of H.
    const double h = 1e-6;
    auto fd = torch::zeros_like(x);
    for (int64_t i = 0; i < n; ++i) {
      auto e = torch::zeros_like(x);
      e.select(1, i).fill_(h);
      torch::NoGradGuard no_grad;
      fd.select(1, i).copy_((model->energy(x + e) - model->energy(x - e)) / (2 * h));
    }
    CHECK(max_abs(f - np::mat_vec(p + q, fd)) < 1e-7 * (1.0 + max_abs(f)));
  }
}

TEST_CASE("GENERIC exact: degeneracy at round-off, energy kept, entropy non-decreasing", "[physics][generalized][models]") {
  for (const int64_t n : {3, 4}) {
    auto model = float64_model<np::GenericImpl>(config(np::ModelKind::kGeneric, n), 7 + static_cast<uint64_t>(n));
    const auto x = random_states(64, n, 200 + static_cast<uint64_t>(n));
    const auto [l, m] = model->structure(x);
    INFO("n = " << n);
    CHECK(max_abs(l + l.transpose(1, 2)) < 1e-14);
    CHECK(max_abs(m - m.transpose(1, 2)) < 1e-13);
    CHECK(torch::linalg_eigvalsh(m).min().item<double>() > -1e-12);
    CHECK(model->structure_residual(x).max().item<double>() < 1e-24);
    const auto ge = np::energy_gradient([&](const torch::Tensor& s) { return model->energy(s); }, x, false);
    const auto gs = np::energy_gradient([&](const torch::Tensor& s) { return model->entropy(s); }, x, false);
    const auto f = model->time_derivative(x, false);
    CHECK(max_abs((ge * f).sum(-1)) < 1e-12 * (1.0 + max_abs(ge) * max_abs(f)));
    const auto ds = (gs * f).sum(-1);
    CHECK(ds.min().item<double>() > -1e-12);
    CHECK(ds.max().item<double>() > 1e-6);  // entropy really produced
    CHECK_FALSE(model->structure_penalty(x).defined());  // nothing to penalise
  }
}

TEST_CASE("GENERIC soft: skew L, positive M, and the degeneracy residual reported and penalised",
          "[physics][generalized][models]") {
  auto c = config(np::ModelKind::kGenericSoft, 4);
  c.degeneracy_weight = 2.0;
  auto model = float64_model<np::GenericImpl>(c, 3);
  const auto x = random_states(32, 4, 11);
  const auto [l, m] = model->structure(x);
  CHECK(max_abs(l + l.transpose(1, 2)) == 0.0);
  CHECK(torch::linalg_eigvalsh(m).min().item<double>() > -1e-12);
  const auto residual = model->structure_residual(x);
  CHECK(residual.mean().item<double>() > 1e-6);  // random weights do not satisfy the conditions
  const auto penalty = model->structure_penalty(x);
  REQUIRE(penalty.defined());
  CHECK(penalty.item<double>() == Approx(2.0 * residual.mean().item<double>()).epsilon(1e-10));
  CHECK(penalty.requires_grad());
}

TEST_CASE("generalized models train on generalized systems, canonical ones refuse odd states",
          "[physics][generalized][learning]") {
  const np::GasContainer gas;
  const auto data = small_data(gas, 5, 41);  // one trajectory held out
  REQUIRE(data.x.size(1) == 4);
  for (const auto kind : {np::ModelKind::kPq, np::ModelKind::kGeneric, np::ModelKind::kGenericSoft}) {
    np::TrainOptions o;
    o.steps = 80;
    o.learning_rate = 3e-3;
    o.eval_every = 40;
    auto run = np::new_run(config(kind, 4), o, data);
    const double before = np::derivative_mse(*run.model, data.x, data.dxdt);
    const auto s = np::train(run, data, o);
    INFO(np::model_kind_name(kind) << ": train loss " << before << " -> " << s.train_loss);
    CHECK(s.train_loss < 0.5 * before);
    np::EvaluationOptions eo;
    eo.starts = 2;
    eo.t1 = 0.5;
    eo.points = 20;
    const auto e = np::evaluate(*run.model, gas, data, eo);
    CHECK(e.structure_residual >= 0.0);
    if (kind != np::ModelKind::kGenericSoft) CHECK(e.structure_residual < 1e-8);
    CHECK(std::isfinite(e.energy_drift));
  }

  auto lorenz = np::Lorenz().protocol();
  lorenz.trajectories = 2;
  lorenz.points = 5;
  const auto odd = np::generate_dataset(np::Lorenz(), lorenz, 0);
  CHECK(odd.x.size(1) == 3);
  CHECK_THROWS_WITH(np::make_model(config(np::ModelKind::kHnn, 3)), Catch::Contains("needs canonical (q, p) states"));
}

TEST_CASE("GHNN: skew J blind to its own coordinates, concave friction, positive-definite H",
          "[physics][generalized][models]") {
  for (const int64_t n : {2, 3}) {
    auto model = float64_model<np::GhnnImpl>(config(np::ModelKind::kGhnn, n), 21 + static_cast<uint64_t>(n));
    const auto x = random_states(48, n, 300 + static_cast<uint64_t>(n));
    const auto [j, r] = model->structure(x);
    INFO("n = " << n);
    CHECK(max_abs(j + j.transpose(1, 2)) == 0.0);
    CHECK(max_abs(r - r.transpose(1, 2)) < 1e-10);
    CHECK(torch::linalg_eigvalsh(r).max().item<double>() < 1e-12);
    CHECK(max_abs(r) > 1e-6);
    // div(J grad H) = sum_i d(J grad H)_i / dx_i = 0: J_ij ignores x_i and x_j.
    {
      torch::AutoGradMode enable(true);
      const auto xg = x.clone().requires_grad_(true);
      const auto g = np::energy_gradient([&](const torch::Tensor& s) { return model->energy(s); }, xg, true);
      const auto jg = np::mat_vec(model->structure(xg, true).first, g);
      torch::Tensor div = torch::zeros({x.size(0)}, x.options());
      for (int64_t i = 0; i < n; ++i)
        div = div + torch::autograd::grad({jg.select(1, i).sum()}, {xg}, {}, true, false)[0].select(1, i);
      CHECK(max_abs(div) < 1e-10 * (1.0 + max_abs(jg)));
    }
    // dH/dt = grad H . (J + R) grad H <= 0.
    CHECK(model->structure_residual(x).max().item<double>() <= 1e-12);
    // H(0) = 0 and H > 0 elsewhere (the ReHU prior plus eps |x|^2).
    torch::NoGradGuard no_grad;
    CHECK(std::abs(model->energy(torch::zeros({1, n}, torch::kFloat64)).item<double>()) < 1e-15);
    const auto h = model->energy(x);
    CHECK((h - np::GhnnImpl::kEpsilon * x.square().sum(-1)).min().item<double>() >= 0.0);
    CHECK(h.min().item<double>() > 0.0);
  }
}

TEST_CASE("GHNN's curl regulariser: the friction field's curl by finite differences, weighted, and refused elsewhere",
          "[physics][generalized][models]") {
  for (const int64_t n : {2, 3})
  for (const std::string weights : {"softplus", "squared"}) {
    CAPTURE(n, weights);
    auto c = config(np::ModelKind::kGhnn, n);
    c.activation = "softplus";
    c.icnn_weights = weights;
    c.curl_weight = 0.5;
    auto model = float64_model<np::GhnnImpl>(c, 31 + static_cast<uint64_t>(n));
    const auto x = random_states(6, n, 8);
    const auto curl = model->friction_curl(x);
    REQUIRE(curl.sizes() == torch::IntArrayRef({6, n, n}));
    // The friction's field R grad H by central differences in each coordinate.
    auto friction = [&](const torch::Tensor& s) {
      const auto g = model->energy_gradient_at(s, false);
      const auto r = model->structure(s).second;
      return torch::matmul(r, g.unsqueeze(-1)).squeeze(-1).detach();
    };
    const double h = 1e-5;
    auto jac = torch::zeros({6, n, n}, torch::kFloat64);  // jac[b, i, k] = d f_i / dx_k
    for (int64_t k = 0; k < n; ++k) {
      auto e = torch::zeros({1, n}, torch::kFloat64);
      e[0][k] = h;
      jac.select(2, k).copy_((friction(x + e) - friction(x - e)) / (2 * h));
    }
    const auto expected = jac.transpose(1, 2) - jac;
    const double size = expected.abs().max().item<double>();
    CHECK((curl.detach() - expected).abs().max().item<double>() < 1e-6 * size + 1e-12);
    CHECK(size > (weights == "squared" ? 1e-6 : 1e-4));  // a curl worth comparing (squared starts weak)
    // The penalty: weight times the mean over pairs i < j and states of the squared curl, with a
    // gradient for the weights.
    const auto penalty = model->structure_penalty(x);
    const double pairs = static_cast<double>(n * (n - 1) / 2);
    CHECK(penalty.item<double>() == Approx(0.5 * expected.square().sum().item<double>() / 2.0 / pairs / 6.0).epsilon(1e-5));
    CHECK(penalty.requires_grad());
  }
  {
    // More states than the regulariser takes: a random subset's mean, the same for the same seed,
    // near the mean over all of them, and still a function of the weights.
    auto c = config(np::ModelKind::kGhnn, 2);
    c.activation = "softplus";
    c.curl_weight = 1.0;
    auto model = float64_model<np::GhnnImpl>(c, 5);
    const int64_t many = 4 * np::GhnnImpl::kCurlStates;
    const auto x = random_states(many, 2, 9);
    const double all = model->friction_curl(x).square().sum({1, 2}).mean().item<double>() / 2.0;
    torch::manual_seed(11);
    const auto first = model->structure_penalty(x);
    torch::manual_seed(11);
    const double again = model->structure_penalty(x).item<double>();
    torch::manual_seed(12);
    const double other = model->structure_penalty(x).item<double>();
    CHECK(first.requires_grad());
    CHECK(first.item<double>() == again);
    CHECK(first.item<double>() != other);
    CHECK(first.item<double>() == Approx(all).epsilon(0.15));
    CHECK(other == Approx(all).epsilon(0.15));
  }
  auto plain = float64_model<np::GhnnImpl>(config(np::ModelKind::kGhnn, 2), 3);
  CHECK_FALSE(plain->structure_penalty(random_states(4, 2, 1)).defined());
  auto c = config(np::ModelKind::kPq, 3);
  c.curl_weight = 1.0;
  CHECK_THROWS_WITH(np::make_model(c), Catch::Contains("ghnn's"));
  c = config(np::ModelKind::kGhnn, 2);
  c.icnn_weights = "exp";
  CHECK_THROWS_WITH(np::make_model(c), Catch::Contains("softplus or squared"));
}

TEST_CASE("the input-convex network is convex along random chords", "[physics][generalized][models]") {
  for (const bool squared : {false, true}) {
    CAPTURE(squared);
    torch::manual_seed(5);
    np::Icnn icnn(3, 32, 3, squared);
    icnn->to(torch::kFloat64);
    torch::NoGradGuard no_grad;
    const auto a = random_states(200, 3, 1) * 3.0, b = random_states(200, 3, 2) * 3.0;
    for (const double lambda : {0.1, 0.5, 0.8}) {
      const auto mid = icnn->forward(lambda * a + (1 - lambda) * b);
      const auto chord = lambda * icnn->forward(a) + (1 - lambda) * icnn->forward(b);
      CHECK((mid - chord).max().item<double>() <= 1e-12);
    }
    // The hidden path's weights are non-negative; squared ones start at most 1/h (mean 1/(3h)),
    // softplus ones near softplus(-2) = 0.13.
    for (std::size_t k = 1; k < 3; ++k) {
      const auto w = icnn->hidden_weight(k);
      CHECK(w.min().item<double>() >= 0.0);
      if (squared) {
        CHECK(w.max().item<double>() <= 1.0 / 32 + 1e-12);
        CHECK(w.mean().item<double>() == Approx(1.0 / 96).epsilon(0.2));
      } else {
        CHECK(w.mean().item<double>() == Approx(0.13).epsilon(0.2));
      }
    }
  }
  // ReHU: zero below 0, quadratic to d, linear beyond, continuous with its slope.
  const auto z = torch::tensor({-1.0, 0.0, 0.5, 1.0, 3.0}, torch::kFloat64);
  const auto v = np::rehu(z, 1.0);
  CHECK(v[0].item<double>() == 0.0);
  CHECK(v[2].item<double>() == Approx(0.125));
  CHECK(v[3].item<double>() == Approx(0.5));
  CHECK(v[4].item<double>() == Approx(2.5));
}

namespace {
/// The spring's exact field dx/dt = (2p, -2q), scaled: a model that is right when scale = 1.
class SpringField : public np::DynamicsModelImpl {
 public:
  explicit SpringField(double scale) : DynamicsModelImpl(np::ModelConfig{}), scale_(scale) {
    w_ = register_parameter("w", torch::ones({1}, torch::kFloat64));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool) override {
    return scale_ * w_ * torch::stack({2.0 * x.select(1, 1), -2.0 * x.select(1, 0)}, 1);
  }

 private:
  double scale_;
  torch::Tensor w_;
};
}  // namespace

TEST_CASE("weak form with Gaussian test functions: zero for the true field, boundary term included",
          "[physics][generalized][learning]") {
  // Exact spring trajectories q = cos(2t + a), p = -sin(2t + a), sampled finely over a window
  // that does not start or end at a turning point (so the boundary term matters).
  const int64_t T = 400, B = 3;
  const auto t = torch::linspace(0.3, 2.7, T, torch::kFloat64);
  const auto phase = torch::tensor({0.0, 1.0, 2.5}, torch::kFloat64);
  const auto arg = 2.0 * t.unsqueeze(1) + phase.unsqueeze(0);  // [T, B]
  const auto traj = torch::stack({torch::cos(arg), -torch::sin(arg)}, 2);
  REQUIRE(traj.size(1) == B);
  SpringField truth(1.0), wrong(1.3);
  for (const auto kind : {np::TestFunction::kRbf, np::TestFunction::kSine}) {
    const double right = np::weak_form_loss(truth, traj, t, 40, kind).item<double>();
    const double off = np::weak_form_loss(wrong, traj, t, 40, kind).item<double>();
    INFO(np::test_function_name(kind) << ": " << right << " against " << off);
    CHECK(right < 1e-4 * off);  // what is left is the trapezoid rule's O(h^2)
  }
  // The paper's shape, exp(-eps^2 (t - c)^2) with eps = 10: as exact for the truth, and a
  // different test space from the default (whose width follows the centres' spacing).
  const double right = np::weak_form_loss(truth, traj, t, 40, np::TestFunction::kRbf, 10.0).item<double>();
  const double off = np::weak_form_loss(wrong, traj, t, 40, np::TestFunction::kRbf, 10.0).item<double>();
  const double off_default = np::weak_form_loss(wrong, traj, t, 40, np::TestFunction::kRbf).item<double>();
  INFO("eps = 10: " << right << " against " << off << "; default width " << off_default);
  CHECK(right < 1e-4 * off);
  CHECK(std::abs(off - off_default) > 1e-3 * off_default);
  CHECK_THROWS_WITH(np::weak_form_loss(truth, traj, t, 40, np::TestFunction::kRbf, -1.0), Catch::Contains("shape"));
}

TEST_CASE("NSF: W = J + D theta - D theta^T is skew and closed, and the learned H is conserved",
          "[physics][generalized][models]") {
  const int64_t n = 4;
  auto model = float64_model<np::NsfImpl>(config(np::ModelKind::kNsf, n), 13);
  const auto x = random_states(32, n, 400);
  const auto w = model->symplectic_form(x);
  CHECK(max_abs(w + w.transpose(1, 2)) == 0.0);
  CHECK(max_abs(w) > 1e-3);
  // Closed: d_k W_ij + d_i W_jk + d_j W_ki = 0 (W is the exterior derivative of theta).
  {
    torch::AutoGradMode enable(true);
    const auto xg = x.clone().requires_grad_(true);
    const auto wg = model->symplectic_form(xg, true);
    std::vector<std::vector<torch::Tensor>> dw(n, std::vector<torch::Tensor>(n));  // dw[i][j]: d W_ij / dx, [B, n]
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        auto g = torch::autograd::grad({wg.select(1, i).select(1, j).sum()}, {xg}, {}, true, false, true)[0];
        dw[i][j] = g.defined() ? g : torch::zeros_like(x);
      }
    double worst = 0.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t k = 0; k < n; ++k)
          worst = std::max(worst, max_abs(dw[i][j].select(1, k) + dw[j][k].select(1, i) + dw[k][i].select(1, j)));
    CHECK(worst < 1e-10);
  }
  // W f = grad H, and dH/dt = grad H . W^{-1} grad H = 0.
  const auto f = model->time_derivative(x, false);
  const auto g = np::energy_gradient([&](const torch::Tensor& s) { return model->energy(s); }, x, false);
  CHECK(max_abs(np::mat_vec(w, f) - g) < 1e-9 * (1.0 + max_abs(g)));
  CHECK(model->structure_residual(x).max().item<double>() < 1e-9 * (1.0 + max_abs(g) * max_abs(f)));
  CHECK_THROWS_WITH(np::make_model(config(np::ModelKind::kNsf, 3)), Catch::Contains("even state dimension"));
}

TEST_CASE("systems in non-canonical coordinates are the textbook ones", "[physics][generalized]") {
  // Two springs: dv/dt is minus the potential's gradient over the mass.
  const np::TwoSpringsQv springs;
  Vector x(4);
  x << 1.3, 2.1, 0.4, -0.2;
  const Vector f = springs.vector_field(x);
  CHECK(f[0] == 0.4);
  CHECK(f[2] == Approx(-3.0 * 0.3 + 5.0 * (2.1 - 1.3 - 1.0)));
  CHECK(f[3] == Approx(-5.0 * (2.1 - 1.3 - 1.0) / 2.0));
  // The double pendulum hanging straight down stays there; the Lotka-Volterra fixed point (1, 1).
  const np::DoublePendulumQv dp;
  CHECK(dp.vector_field(Vector::Zero(4)).norm() == 0.0);
  const np::LotkaVolterra lv;
  CHECK(lv.vector_field(Vector::Ones(2)).norm() == 0.0);
  // Their energy along the exact flow: the conservative-systems test of test_systems.cpp.
  for (const np::System* s : std::vector<const np::System*>{&springs, &dp, &lv}) CHECK(s->conservative());
}

TEST_CASE("generalized models round-trip through checkpoints with their state width and options",
          "[physics][generalized][io]") {
  const auto data = small_data(np::GasContainer(), 2, 11);
  for (const auto kind : {np::ModelKind::kPq, np::ModelKind::kGenericSoft, np::ModelKind::kGhnn, np::ModelKind::kNsf}) {
    auto c = config(kind, 4);
    c.degeneracy_weight = 0.5;
    if (kind == np::ModelKind::kGhnn) {
      c.icnn_weights = "squared";
      c.curl_weight = 0.25;
    }
    np::TrainOptions o;
    o.steps = 2;
    o.loss = np::LossKind::kWeak;
    o.test_function = np::TestFunction::kRbf;
    o.clip_grad_norm = 0.5;
    auto run = np::new_run(c, o, data);
    np::train(run, data, o);
    const std::string path = std::string("test_generalized_") + np::model_kind_name(kind) + ".pt";
    np::save_checkpoint(run, path);
    const auto back = np::load_checkpoint(path);
    INFO(np::model_kind_name(kind));
    CHECK(back.model->config() == c);
    CHECK(back.model->state_dim() == 4);
    CHECK(back.options.test_function == np::TestFunction::kRbf);
    CHECK(back.options.clip_grad_norm == 0.5);
    CHECK(back.options.trainer_options().clip_grad_norm == 0.5);
    const auto x = data.test_x.to(torch::kFloat32);
    CHECK(torch::equal(back.model->time_derivative(x, false), run.model->time_derivative(x, false)));
    std::remove(path.c_str());
    std::remove((path + ".json").c_str());
  }
}

TEST_CASE("SymODEN: positive-definite inverse mass, the drive's power and nothing else changes H",
          "[physics][generalized][models]") {
  auto model = float64_model<np::SymodenImpl>(config(np::ModelKind::kSymoden, 6), 17);
  auto x = random_states(40, 6, 500);
  const auto q = x.narrow(1, 0, 2);
  CHECK(torch::linalg_eigvalsh(model->inverse_mass(q)).min().item<double>() >= np::SymodenImpl::kEpsilon * 0.999);
  const auto f = model->time_derivative(x, false);
  CHECK(max_abs(f.narrow(1, 4, 2)) == 0.0);  // du/dt = 0
  CHECK(model->structure_residual(x).max().item<double>() < 1e-10 * (1.0 + max_abs(f)));
  // Without a drive it is a Hamiltonian system: dH/dt = 0.
  auto free = x.clone();
  free.narrow(1, 4, 2).zero_();
  const auto g = np::energy_gradient([&](const torch::Tensor& s) { return model->energy(s); }, free, false);
  CHECK(max_abs((g * model->time_derivative(free, false)).sum(-1)) < 1e-10 * (1.0 + max_abs(g)));
  CHECK_THROWS_WITH(np::make_model(config(np::ModelKind::kSymoden, 4)), Catch::Contains("multiple of 3"));
}

TEST_CASE("SymODEN learns the driven pendulum through RK4 rollouts", "[physics][generalized][learning]") {
  const np::PendulumControl pendulum;
  auto protocol = pendulum.protocol();
  protocol.trajectories = 40;
  const auto data = np::generate_dataset(pendulum, protocol, 0);
  REQUIRE(data.x.size(1) == 3);
  // du/dt = 0 in the data, and the drive takes one of five values.
  CHECK(data.dxdt.select(1, 2).abs().max().item<double>() == 0.0);
  np::TrainOptions o;
  o.steps = 60;
  o.learning_rate = 3e-3;
  o.loss = np::LossKind::kRollout;
  o.rollout_steps = 4;
  o.eval_every = 30;
  auto run = np::new_run(config(np::ModelKind::kSymoden, 3), o, data);
  const double before = np::derivative_mse(*run.model, data.x, data.dxdt);
  np::train(run, data, o);
  const double after = np::derivative_mse(*run.model, data.x, data.dxdt);
  INFO(before << " -> " << after);
  CHECK(after < 0.5 * before);
}

TEST_CASE("a fixed start: every trajectory from the default state, evaluated from it", "[physics][generalized][learning]") {
  const np::DampedPendulum pendulum;
  auto protocol = pendulum.protocol();
  protocol.trajectories = 2;
  protocol.points = 50;
  protocol.noise_std = 0.0;
  protocol.test_fraction = 0.0;
  protocol.fixed_start = true;
  const auto data = np::generate_dataset(pendulum, protocol, 3);
  REQUIRE(data.x.size(0) == 100);
  const auto start = pendulum.default_state();
  for (const int64_t row : {0, 50}) {  // the first sample of each trajectory
    CHECK(data.x[row][0].item<double>() == start[0]);
    CHECK(data.x[row][1].item<double>() == start[1]);
  }
  CHECK(torch::equal(data.x.narrow(0, 0, 50), data.x.narrow(0, 50, 50)));  // noise-free: the same path
  np::EvaluationOptions eo;
  eo.fixed_start = true;
  CHECK_THROWS_WITH(eo.validate(), Catch::Contains("takes one start"));
  eo.starts = 1;
  CHECK_NOTHROW(eo.validate());
}

namespace {
np::ModelConfig embedded_config(int64_t angles) {
  auto c = config(np::ModelKind::kSymoden, 4 * angles);
  c.angles = angles;
  return c;
}
}  // namespace

TEST_CASE("SymODEN on embedded angles: Hamilton's equations in (q, p), seen through (cos q, sin q, dq/dt)",
          "[physics][generalized][models]") {
  auto model = float64_model<np::SymodenImpl>(embedded_config(1), 29);
  torch::manual_seed(600);
  const int64_t b = 16;
  const auto theta = torch::rand({b, 1}, torch::kFloat64) * 2 * M_PI - M_PI;
  const auto w = torch::randn({b, 1}, torch::kFloat64), u = torch::randn({b, 1}, torch::kFloat64);
  const auto x = torch::cat({torch::cos(theta), torch::sin(theta), w, u}, 1);
  const auto f = model->time_derivative(x, false);
  // The angle's part is exact kinematics; the drive is constant.
  CHECK(max_abs(f.select(1, 0) + x.select(1, 1) * x.select(1, 2)) < 1e-14);
  CHECK(max_abs(f.select(1, 1) - x.select(1, 0) * x.select(1, 2)) < 1e-14);
  CHECK(max_abs(f.select(1, 3)) == 0.0);
  // Independent route, by central differences in theta: with m(theta) = M^{-1}, p = w / m,
  // H(theta, p) = m p^2 / 2 + V, dp/dt = -dH/dtheta + g u and dw/dt = m'(theta) w p + m dp/dt.
  auto coords = [](const torch::Tensor& th) { return torch::cat({torch::cos(th), torch::sin(th)}, 1); };
  torch::NoGradGuard no_grad;
  auto m = [&](const torch::Tensor& th) { return model->inverse_mass(coords(th)).reshape({-1, 1}); };
  auto h_at = [&](const torch::Tensor& th, const torch::Tensor& p) {
    return 0.5 * m(th) * p * p + model->potential(coords(th)).unsqueeze(1);
  };
  const double h = 1e-5;
  const auto p = w / m(theta);
  const auto dh_dtheta = (h_at(theta + h, p) - h_at(theta - h, p)) / (2 * h);
  const auto dm_dtheta = (m(theta + h) - m(theta - h)) / (2 * h);
  const auto pdot = -dh_dtheta + model->input_map(coords(theta)).reshape({-1, 1}) * u;
  const auto wdot = dm_dtheta * w * p + m(theta) * pdot;
  INFO(f.select(1, 2) << "\n" << wdot.squeeze(1));
  CHECK(max_abs(f.select(1, 2) - wdot.squeeze(1)) < 1e-7 * (1.0 + max_abs(wdot)));
  // The drive's power and nothing else changes H, for two angles as well.
  CHECK(model->structure_residual(x).max().item<double>() < 1e-10 * (1.0 + max_abs(f)));
  auto two = float64_model<np::SymodenImpl>(embedded_config(2), 31);
  const auto th2 = torch::rand({b, 2}, torch::kFloat64) * 2 * M_PI;
  const auto x2 = torch::cat({torch::cos(th2), torch::sin(th2), torch::randn({b, 4}, torch::kFloat64)}, 1);
  CHECK(two->structure_residual(x2).max().item<double>() < 1e-10 * (1.0 + max_abs(two->time_derivative(x2, false))));
  // Angles in a (q, p, u) state: the networks see (cos q, sin q), so H is 2 pi-periodic in q.
  auto angle = embedded_config(1);
  angle.state_dim = 3;
  auto periodic = float64_model<np::SymodenImpl>(angle, 37);
  CHECK((periodic->periodic() && !periodic->embedded()));
  const auto y = torch::cat({theta, w, u}, 1);
  auto shifted = y.clone();
  shifted.select(1, 0).add_(2 * M_PI);
  CHECK(max_abs(periodic->energy(y) - periodic->energy(shifted)) < 1e-12);
  CHECK(max_abs(periodic->time_derivative(y, false) - periodic->time_derivative(shifted, false)) < 1e-10);
  CHECK(periodic->structure_residual(y).max().item<double>() < 1e-10 * (1.0 + max_abs(periodic->time_derivative(y, false))));
  auto bad = embedded_config(1);
  bad.state_dim = 5;
  CHECK_THROWS_WITH(np::make_model(bad), Catch::Contains("(cos q, sin q, dq/dt, u)"));
  bad = config(np::ModelKind::kNsf, 4);
  bad.angles = 1;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("only symoden"));
}

TEST_CASE("the gym pendulum in embedded angles: on the circle, its energy kept without a drive",
          "[physics][generalized]") {
  const np::PendulumEmbedded pendulum;
  CHECK(pendulum.embedded_angles());
  CHECK(pendulum.angle_coordinates() == 1);
  CHECK(pendulum.control_dim() == 1);
  // theta'' = 15 sin theta + 3 u, read back from the embedded field.
  const double theta = 0.7, omega = -0.4, u = 1.5;
  Vector x(4);
  x << std::cos(theta), std::sin(theta), omega, u;
  const Vector f = pendulum.vector_field(x);
  CHECK(f[0] == Approx(-std::sin(theta) * omega));
  CHECK(f[1] == Approx(std::cos(theta) * omega));
  CHECK(f[2] == Approx(15.0 * std::sin(theta) + 3.0 * u));
  x[3] = 0.0;
  ni::AdaptiveOptions tight;
  tight.rtol = tight.atol = 1e-12;
  Vector y = x;
  const double e0 = pendulum.energy_at(y);
  REQUIRE(ni::integrate_dop853(y, 0.0, 5.0, [&](double, const Vector& s) { return pendulum.vector_field(s); }, tight).ok());
  CHECK(std::abs(y[0] * y[0] + y[1] * y[1] - 1.0) < 1e-9);
  CHECK(std::abs(pendulum.energy_at(y) - e0) < 1e-9 * (1.0 + e0));
  // The drive does work: energy changes at the rate dtheta/dt * u (per p = dtheta/dt / 3, g = 1).
  x[3] = 2.0;
  const Vector fx = pendulum.vector_field(x);
  const double rate = fx[0] * 5.0 + x[2] * fx[2] / 3.0;  // dH/dt = 5 d(cos)/dt + w dw/dt / 3
  CHECK(rate == Approx(x[2] * 2.0));
}

TEST_CASE("trajectory error: zero on the model's own rollouts, the squared offset of one moved sample",
          "[physics][generalized][learning]") {
  auto model = float64_model<np::SymodenImpl>(config(np::ModelKind::kSymoden, 3), 5);
  auto x0 = random_states(6, 3, 44);
  const double dt = 0.05;
  std::vector<torch::Tensor> states{x0};
  auto x = x0.clone();
  auto field = [&](double, const torch::Tensor& s) { return model->time_derivative(s, false); };
  for (int k = 0; k < 9; ++k) {
    ni::rk4_step(x, 0.0, dt, field);
    states.push_back(x.clone());
  }
  auto traj = torch::stack(states);  // [10, 6, 3]
  CHECK(np::trajectory_sse(*model, traj, dt) < 1e-24);
  traj[4][2][1] += 0.3;  // one sample of one of six trajectories
  CHECK(np::trajectory_sse(*model, traj, dt) == Approx(0.09 / 6));
  CHECK_THROWS_WITH(np::trajectory_sse(*model, traj[0], dt), Catch::Contains("[T, N, W]"));
  // Prediction against the true pendulum: the truth's own field gives its integration error only.
  const np::PendulumControl pendulum;
  CHECK_THROWS_WITH(np::prediction_sse(*model, pendulum, x0.narrow(1, 0, 2), dt, 10), Catch::Contains("[N, 3]"));
  CHECK(np::prediction_sse(*model, pendulum, x0, dt, 10) > 0.0);
}

TEST_CASE("the Eigen path agrees with torch to round-off for every generalized model",
          "[physics][generalized][models]") {
  struct Case {
    np::ModelKind kind;
    int64_t n;
    std::string activation;
    int64_t angles;
  };
  // Each kind, with the activations whose derivatives the Eigen path writes out; SymODEN on (q, p, u)
  // with networks of q and of (cos q, sin q), and on embedded observations, one and two angles.
  for (const auto& c : {Case{np::ModelKind::kPq, 3, "tanh", 0}, Case{np::ModelKind::kGeneric, 4, "softplus", 0},
                        Case{np::ModelKind::kGenericSoft, 4, "tanh", 0}, Case{np::ModelKind::kNsf, 4, "tanh", 0},
                        Case{np::ModelKind::kNsf, 2, "softplus", 0}, Case{np::ModelKind::kGhnn, 2, "tanh", 0},
                        Case{np::ModelKind::kGhnn, 3, "softplus", 0}, Case{np::ModelKind::kGhnn, 3, "squared", 0},
                        Case{np::ModelKind::kSymoden, 6, "tanh", 0},
                        Case{np::ModelKind::kSymoden, 6, "sin", 2}, Case{np::ModelKind::kSymoden, 4, "tanh", 1},
                        Case{np::ModelKind::kSymoden, 8, "softplus", 2}}) {
    auto cfg = config(c.kind, c.n);
    cfg.activation = c.activation;
    if (c.activation == "squared") {  // GHNN's friction network with squared weights
      cfg.activation = "softplus";
      cfg.icnn_weights = "squared";
    }
    cfg.angles = c.angles;
    torch::manual_seed(41);
    auto model = np::make_model(cfg);
    model->to(torch::kFloat64);
    const auto fast = np::EigenGeneralizedField::from_model(*model);
    REQUIRE(fast.state_dim() == c.n);
    auto x = random_states(20, c.n, 77);
    if (c.kind == np::ModelKind::kGhnn) x.narrow(0, 0, 5).mul_(3.0);  // past ReHU's quadratic part too
    if (c.kind == np::ModelKind::kSymoden && 4 * c.angles == c.n) {  // (cos q, sin q) on the circle
      const auto q = x.narrow(1, 0, c.angles).clone();
      x.narrow(1, 0, c.angles).copy_(torch::cos(q));
      x.narrow(1, c.angles, c.angles).copy_(torch::sin(q));
    }
    INFO(np::model_kind_name(c.kind) << " n " << c.n << " " << c.activation << " angles " << c.angles);
    check_eigen_matches(fast, *model, x);
    // A model trained in float32 (the CLI's default) gives the same Eigen field, its weights widened.
    model->to(torch::kFloat32);
    const auto from_float = np::EigenGeneralizedField::from_model(*model);
    const Vector x0 = Vector::Constant(c.n, 0.3);
    CHECK((from_float.time_derivative(x0) - fast.time_derivative(x0)).norm() <= 1e-5 * (1.0 + fast.time_derivative(x0).norm()));
    model->to(torch::kFloat64);
    CHECK_THROWS_WITH(fast.time_derivative(Vector::Zero(c.n + 1)), Catch::Contains("entries"));
    CHECK_THROWS_WITH(fast.time_derivative(Vector::Constant(c.n, std::nan(""))), Catch::Contains("non-finite"));
  }
  auto baseline = np::make_model(config(np::ModelKind::kBaseline, 3));
  CHECK_THROWS_WITH(np::EigenGeneralizedField::from_model(*baseline), Catch::Contains("takes pq"));
}

namespace {
/// c with a normalisation far from the identity: shifts and scales per entry and a time scale.
np::ModelConfig normalized(np::ModelConfig c) {
  const int64_t n = c.dim();
  for (int64_t i = 0; i < n; ++i) {
    c.input_shift.push_back(1.5 - 0.7 * static_cast<double>(i));
    c.input_scale.push_back(0.5 + 3.0 * static_cast<double>(i));
  }
  c.time_scale = 4.0;
  return c;
}
}  // namespace

TEST_CASE("normalised coordinates: the field is c s (.) f~(x~), and every structure survives",
          "[physics][generalized][models]") {
  for (const auto& [kind, n] : {std::pair{np::ModelKind::kPq, int64_t{3}}, {np::ModelKind::kGhnn, 3},
                                {np::ModelKind::kGeneric, 4}, {np::ModelKind::kGenericSoft, 4},
                                {np::ModelKind::kNsf, 4}, {np::ModelKind::kBaseline, 3}}) {
    INFO(np::model_kind_name(kind));
    const auto c = normalized(config(kind, n));
    auto model = float64_model<np::NormalizedModelImpl>(c, 3);
    REQUIRE(model->config() == c);
    // States spread as the scales say, so that the inner model sees unit-sized inputs.
    const auto shift = torch::tensor(c.input_shift, torch::kFloat64), scale = torch::tensor(c.input_scale, torch::kFloat64);
    const auto x = shift + scale * random_states(64, n, 9);
    const auto inner_x = (x - shift) / scale;
    CHECK(max_abs(model->to_inner(x) - inner_x) < 1e-14);
    const auto f = model->time_derivative(x, false);
    const auto expected = c.time_scale * scale * model->inner().time_derivative(inner_x, false);
    CHECK(max_abs(f - expected) < 1e-12 * (1.0 + max_abs(expected)));
    if (kind == np::ModelKind::kBaseline) continue;
    // In the data's coordinates: the energy's rate along the field by autograd (grad_x H . dx/dt).
    const auto rate = model->energy_rate(x);
    const double size = max_abs(model->energy_gradient_at(x, false)) * max_abs(f);
    if (kind == np::ModelKind::kNsf || kind == np::ModelKind::kGeneric)
      CHECK(max_abs(rate) < 1e-10 * size);  // kept
    else if (kind != np::ModelKind::kGenericSoft)  // its degeneracy is a penalty, not exact
      CHECK(rate.max().item<double>() < 1e-10 * size);  // never rises
    if (kind == np::ModelKind::kGeneric) {  // entropy never falls
      const auto grad_s = np::energy_gradient([&](const torch::Tensor& s) { return model->entropy(s); }, x, false);
      CHECK((grad_s * f).sum(1).min().item<double>() > -1e-10 * max_abs(grad_s) * max_abs(f));
    }
    CHECK(max_abs(model->energy(x) - model->inner().energy(inner_x)) == 0.0);
    // The Eigen path reads the same normalisation.
    check_eigen_matches(np::EigenGeneralizedField::from_model(*model), *model, x.narrow(0, 0, 8));
  }
}

TEST_CASE("normalised coordinates from the data: unit spread, unit field, refused where the structure would break",
          "[physics][generalized][models]") {
  const auto data = small_data(np::Lorenz(), 4, 50);
  const auto c = np::normalization_for(config(np::ModelKind::kPq, 3), data.x, data.dxdt);
  REQUIRE(c.normalized());
  const auto mean = data.x.mean(0), spread = data.x.std(0);
  for (int64_t i = 0; i < 3; ++i) {
    CHECK(c.input_shift[static_cast<std::size_t>(i)] == Approx(mean[i].item<double>()));
    CHECK(c.input_scale[static_cast<std::size_t>(i)] == Approx(spread[i].item<double>()));
  }
  // The inner model's targets dx~/dt~ = (dx/dt) / (c s) have unit root mean square variance.
  const auto inner_targets = data.dxdt / (c.time_scale * torch::tensor(c.input_scale, torch::kFloat64));
  CHECK(inner_targets.var(0).mean().item<double>() == Approx(1.0).epsilon(1e-9));
  CHECK(c.time_scale > 5.0);  // Lorenz moves fast for its size: the field is not near unit scale
  // Through training and a checkpoint.
  np::TrainOptions o;
  o.steps = 3;
  auto run = np::new_run(c, o, data);
  np::train(run, data, o);
  np::save_checkpoint(run, "test_normalized.pt");
  const auto back = np::load_checkpoint("test_normalized.pt");
  CHECK(back.model->config() == c);
  const auto x = data.test_x.to(torch::kFloat32);
  CHECK(torch::equal(back.model->time_derivative(x, false), run.model->time_derivative(x, false)));
  std::remove("test_normalized.pt");
  std::remove("test_normalized.pt.json");
  // Canonical kinds and SymODEN keep their coordinates.
  np::ModelConfig hnn;
  hnn.dof = 1;
  const auto canonical = torch::randn({10, 2}, torch::kFloat64);
  CHECK_THROWS_WITH(np::normalization_for(hnn, canonical, canonical), Catch::Contains("cannot learn in normalised"));
  CHECK_THROWS_WITH(np::normalization_for(config(np::ModelKind::kPq, 3), canonical, canonical),
                    Catch::Contains("[N >= 2, 3]"));
  auto bad = normalized(config(np::ModelKind::kPq, 3));
  bad.input_scale[1] = 0.0;
  CHECK_THROWS_WITH(np::make_model(bad), Catch::Contains("input_scale[1]"));
}
