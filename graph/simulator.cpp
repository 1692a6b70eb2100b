#include "graph/simulator.hpp"

#include "noether/error.hpp"

namespace noether::graph {

namespace {
StepIntegrator default_integrator(const ParticleModel& m) {
  return m.separable() ? StepIntegrator::kLeapfrog : StepIntegrator::kRk4;
}
}  // namespace

ParticleSimulator::ParticleSimulator(const std::string& checkpoint)
    : ParticleSimulator(load_particle_model(checkpoint).model) {}

ParticleSimulator::ParticleSimulator(ParticleModel model)
    : model_(std::move(model)), integrator_(default_integrator(model_)) {
  model_.train(false);
}

void ParticleSimulator::to(torch::Device device) {
  model_.to(device);
  if (q_.defined()) set_state(q_, p_, masses_, springs_);
}

void ParticleSimulator::set_state(const Eigen::MatrixXd& q, const Eigen::MatrixXd& v,
                                  const Eigen::VectorXd& masses, const Eigen::MatrixXd& springs) {
  const int64_t n = q.rows(), d = q.cols();
  if (v.rows() != n || v.cols() != d)
    throw InvalidInput("ParticleSimulator: velocities are " + std::to_string(v.rows()) + "x" +
                       std::to_string(v.cols()) + "; positions are " + std::to_string(n) + "x" +
                       std::to_string(d));
  if (masses.size() != n)
    throw InvalidInput("ParticleSimulator: " + std::to_string(masses.size()) + " masses for " +
                       std::to_string(n) + " particles");
  // Eigen is column-major: copy through a row-major matrix so that rows are particles.
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  auto tensor = [](const RowMajor& m) {
    return torch::from_blob(const_cast<double*>(m.data()), {m.rows(), m.cols()}, torch::kFloat64).clone();
  };
  const RowMajor qr = q, vr = v, sr = springs;
  const auto m = torch::from_blob(const_cast<double*>(masses.data()), {n}, torch::kFloat64).clone();
  const auto qt = tensor(qr).unsqueeze(0);
  const auto pt = (tensor(vr) * m.unsqueeze(-1)).unsqueeze(0);
  torch::Tensor k;
  if (springs.size() > 0) {
    if (springs.rows() != n || springs.cols() != n)
      throw InvalidInput("ParticleSimulator: spring constants must be " + std::to_string(n) + "x" +
                         std::to_string(n));
    k = tensor(sr).unsqueeze(0);
  }
  set_state(qt, pt, m.unsqueeze(0), k);
}

void ParticleSimulator::set_state(const torch::Tensor& q, const torch::Tensor& p,
                                  const torch::Tensor& masses, const torch::Tensor& springs) {
  const int64_t D = model_.config().dim;
  if (!q.defined() || q.dim() != 3 || q.size(2) != D)
    throw InvalidInput("ParticleSimulator: positions must be [B, N, " + std::to_string(D) + "]; got " +
                       (q.defined() ? detail::shape(q) : std::string("undefined")));
  if (!p.defined() || p.sizes() != q.sizes())
    throw InvalidInput("ParticleSimulator: momenta must have the positions' shape " + detail::shape(q));
  if (!masses.defined() || masses.dim() != 2 || masses.size(0) != q.size(0) || masses.size(1) != q.size(1))
    throw InvalidInput("ParticleSimulator: masses must be [B, N] = [" + std::to_string(q.size(0)) +
                       ", " + std::to_string(q.size(1)) + "]");
  if (q.size(1) < 2) throw InvalidInput("ParticleSimulator: need at least 2 particles");
  if (!(masses > 0).all().item<bool>()) throw InvalidInput("ParticleSimulator: masses must be > 0");
  if (!torch::isfinite(q).all().item<bool>() || !torch::isfinite(p).all().item<bool>())
    throw InvalidInput("ParticleSimulator: the state has non-finite entries");
  if (model_.config().spring_features && !springs.defined())
    throw InvalidInput("ParticleSimulator: the model was trained with spring constants; pass them");
  const auto opts = model_.options();
  ParticleSamples s;
  s.q = q.to(opts);
  s.p = p.to(opts);
  s.masses = masses.to(opts);
  if (springs.defined()) s.springs = springs.to(opts);
  graph_ = particle_batch(s, model_.features());
  q_ = s.q;
  p_ = s.p;
  masses_ = s.masses;
  springs_ = s.springs;
}

void ParticleSimulator::require_state(const char* what) const {
  if (!q_.defined()) throw InvalidInput(std::string("ParticleSimulator::") + what + ": call set_state first");
}

integrators::Result ParticleSimulator::step(double dt, int64_t steps) {
  require_state("step");
  if (!std::isfinite(dt) || dt == 0.0) throw InvalidInput("ParticleSimulator: dt must be finite and non-zero");
  if (steps < 0) throw InvalidInput("ParticleSimulator: steps must be >= 0");
  const int64_t D = model_.config().dim;
  torch::Tensor q = q_.reshape({-1, D}), p = p_.reshape({-1, D});
  const torch::Tensor m = masses_.reshape({-1});
  for (int64_t k = 0; k < steps; ++k) {
    auto next = model_.step(q, p, m, graph_, dt, integrator_);
    q = next.first.detach();
    p = next.second.detach();
  }
  integrators::Result r;
  if (!torch::isfinite(q).all().item<bool>() || !torch::isfinite(p).all().item<bool>()) {
    r.status = integrators::Status::kNonFinite;
    r.message = "ParticleSimulator: the state became non-finite within " + std::to_string(steps) +
                " steps of dt = " + std::to_string(dt) + "; the state before the call is kept";
    return r;
  }
  q_ = q.view(q_.sizes());
  p_ = p.view(p_.sizes());
  r.steps = static_cast<std::size_t>(steps);
  return r;
}

Eigen::MatrixXd ParticleSimulator::matrix(const torch::Tensor& t, int64_t b) const {
  if (b < 0 || b >= systems())
    throw InvalidInput("ParticleSimulator: system " + std::to_string(b) + " out of [0, " +
                       std::to_string(systems()) + ")");
  const auto c = t[b].to(torch::kCPU, torch::kFloat64).contiguous();
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(c.data_ptr<double>(), c.size(0), c.size(1));
}

Eigen::MatrixXd ParticleSimulator::positions(int64_t b) const {
  require_state("positions");
  return matrix(q_, b);
}

Eigen::MatrixXd ParticleSimulator::momenta(int64_t b) const {
  require_state("momenta");
  return matrix(p_, b);
}

Eigen::MatrixXd ParticleSimulator::velocities(int64_t b) const {
  require_state("velocities");
  return matrix(p_ / masses_.unsqueeze(-1), b);
}

torch::Tensor ParticleSimulator::energy_tensor() {
  require_state("energies");
  const int64_t D = model_.config().dim;
  torch::NoGradGuard no_grad;
  return model_.energy(q_.reshape({-1, D}), p_.reshape({-1, D}), masses_.reshape({-1}), graph_);
}

Eigen::VectorXd ParticleSimulator::energies() {
  const auto e = energy_tensor().to(torch::kCPU, torch::kFloat64).contiguous();
  return Eigen::Map<const Eigen::VectorXd>(e.data_ptr<double>(), e.size(0));
}

}  // namespace noether::graph
