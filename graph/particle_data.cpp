#include "graph/particle_data.hpp"

#include <cmath>
#include <random>
#include <string>

#include "integrators/dop853.hpp"
#include "noether/error.hpp"

namespace noether::graph {

namespace {

torch::Tensor from_vector(const std::vector<double>& v, at::IntArrayRef sizes) {
  auto t = torch::empty(sizes, torch::kFloat64);
  std::copy(v.begin(), v.end(), t.data_ptr<double>());
  return t;
}

}  // namespace

void ParticleDataOptions::validate() const {
  if (count < 2) throw InvalidInput("particle data: count = " + std::to_string(count) + ": must be >= 2");
  if (dim != 2 && dim != 3) throw InvalidInput("particle data: dim = " + std::to_string(dim) + ": must be 2 or 3");
  if (systems < 1) throw InvalidInput("particle data: systems must be >= 1");
  if (samples < 1) throw InvalidInput("particle data: samples must be >= 1");
  if (!(dt > 0.0) || !std::isfinite(dt)) throw InvalidInput("particle data: dt must be > 0");
  if (!(mass_min > 0.0) || !(mass_max >= mass_min) || !std::isfinite(mass_max))
    throw InvalidInput("particle data: need 0 < mass_min <= mass_max");
  if (!(spring_min > 0.0) || !(spring_max >= spring_min) || !std::isfinite(spring_max))
    throw InvalidInput("particle data: need 0 < spring_min <= spring_max");
  if (!(tolerance > 0.0)) throw InvalidInput("particle data: tolerance must be > 0");
  if (!(damping >= 0.0)) throw InvalidInput("particle data: damping must be >= 0");
}

ParticleSamples ParticleSamples::select(const torch::Tensor& index) const {
  ParticleSamples s;
  s.q = q.index_select(0, index);
  s.p = p.index_select(0, index);
  s.dqdt = dqdt.index_select(0, index);
  s.dpdt = dpdt.index_select(0, index);
  s.masses = masses.index_select(0, index);
  if (springs.defined()) s.springs = springs.index_select(0, index);
  if (q_next.defined()) s.q_next = q_next.index_select(0, index);
  if (p_next.defined()) s.p_next = p_next.index_select(0, index);
  return s;
}

ParticleSamples ParticleSamples::to(const torch::TensorOptions& options) const {
  ParticleSamples s;
  s.q = q.to(options);
  s.p = p.to(options);
  s.dqdt = dqdt.to(options);
  s.dpdt = dpdt.to(options);
  s.masses = masses.to(options);
  if (springs.defined()) s.springs = springs.to(options);
  if (q_next.defined()) s.q_next = q_next.to(options);
  if (p_next.defined()) s.p_next = p_next.to(options);
  return s;
}

ParticleSamples ParticleData::at(int64_t k) const {
  if (k < 0 || k >= num_times())
    throw InvalidInput("particle data: time index " + std::to_string(k) + " out of [0, " +
                       std::to_string(num_times()) + ")");
  return {q[k], p[k], dqdt[k], dpdt[k], masses, springs, {}, {}};
}

ParticleSamples ParticleData::samples(int64_t s0, int64_t s1) const {
  if (s0 < 0 || s1 > num_systems() || s0 >= s1)
    throw InvalidInput("particle data: system range [" + std::to_string(s0) + ", " +
                       std::to_string(s1) + ") is empty or outside [0, " +
                       std::to_string(num_systems()) + ")");
  const int64_t T = num_times(), S = s1 - s0, N = q.size(2), D = q.size(3);
  auto flat = [&](const torch::Tensor& x) { return x.narrow(1, s0, S).reshape({T * S, N, D}); };
  ParticleSamples s;
  s.q = flat(q);
  s.p = flat(p);
  s.dqdt = flat(dqdt);
  s.dpdt = flat(dpdt);
  s.masses = masses.narrow(0, s0, S).repeat({T, 1});
  if (springs.defined()) s.springs = springs.narrow(0, s0, S).repeat({T, 1, 1});
  return s;
}

ParticleSamples ParticleData::pairs(int64_t s0, int64_t s1) const {
  if (num_times() < 2) throw InvalidInput("particle data: pairs() needs at least 2 samples per trajectory");
  if (s0 < 0 || s1 > num_systems() || s0 >= s1)
    throw InvalidInput("particle data: system range [" + std::to_string(s0) + ", " +
                       std::to_string(s1) + ") is empty or outside [0, " +
                       std::to_string(num_systems()) + ")");
  const int64_t T = num_times() - 1, S = s1 - s0, N = q.size(2), D = q.size(3);
  auto flat = [&](const torch::Tensor& x, int64_t t0) {
    return x.narrow(0, t0, T).narrow(1, s0, S).reshape({T * S, N, D});
  };
  ParticleSamples s;
  s.q = flat(q, 0);
  s.p = flat(p, 0);
  s.dqdt = flat(dqdt, 0);
  s.dpdt = flat(dpdt, 0);
  s.q_next = flat(q, 1);
  s.p_next = flat(p, 1);
  s.masses = masses.narrow(0, s0, S).repeat({T, 1});
  if (springs.defined()) s.springs = springs.narrow(0, s0, S).repeat({T, 1, 1});
  return s;
}

ParticleData generate_particle_data(const ParticleDataOptions& o) {
  o.validate();
  using physics::Particles;
  const bool spring = o.interaction == Particles::Interaction::kSpring;
  const int N = o.count, D = o.dim, S = o.systems, T = o.samples;
  physics::Rng rng(o.seed);
  std::uniform_real_distribution<double> umass(o.mass_min, o.mass_max);
  std::uniform_real_distribution<double> uspring(o.spring_min, o.spring_max);

  ParticleData d;
  std::vector<double> qs(static_cast<std::size_t>(T) * S * N * D), ps(qs.size()), dqs(qs.size()),
      dps(qs.size()), ms(static_cast<std::size_t>(S) * N), ks;
  if (spring) ks.assign(static_cast<std::size_t>(S) * N * N, 0.0);
  integrators::AdaptiveOptions opts;
  opts.rtol = o.tolerance;
  opts.atol = o.tolerance;
  for (int s = 0; s < S; ++s) {
    Particles::Options po;
    po.interaction = o.interaction;
    po.count = N;
    po.dim = D;
    po.rest_length = o.rest_length;
    po.gravitational_constant = o.gravitational_constant;
    po.softening = o.softening;
    po.damping = o.damping;
    po.masses.resize(static_cast<std::size_t>(N));
    for (int i = 0; i < N; ++i) po.masses[static_cast<std::size_t>(i)] = umass(rng);
    if (spring) {
      po.spring_constants.assign(static_cast<std::size_t>(N * N), 1.0);
      if (o.random_springs)
        for (int i = 0; i < N; ++i)
          for (int j = i + 1; j < N; ++j) {
            const double k = uspring(rng);
            po.spring_constants[static_cast<std::size_t>(i * N + j)] = k;
            po.spring_constants[static_cast<std::size_t>(j * N + i)] = k;
          }
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j)
          ks[(static_cast<std::size_t>(s) * N + i) * N + j] =
              i == j ? 0.0 : po.spring_constants[static_cast<std::size_t>(i * N + j)];
    }
    for (int i = 0; i < N; ++i)
      ms[static_cast<std::size_t>(s) * N + i] = po.masses[static_cast<std::size_t>(i)];
    const Particles system(po);
    auto field = [&](double, const physics::Vector& y) { return system.vector_field(y); };
    physics::Vector y = system.random_state(rng);
    for (int k = 0; k < T; ++k) {
      if (k > 0) {
        const auto r = integrators::integrate_dop853(y, (k - 1) * o.dt, k * o.dt, field, opts);
        if (!r.ok())
          throw NumericalError("particle data: system " + std::to_string(s) + ": " + r.message);
      }
      const physics::Vector dy = system.vector_field(y);
      const std::size_t base = (static_cast<std::size_t>(k) * S + s) * N * D;
      for (int i = 0; i < N * D; ++i) {
        qs[base + i] = y[i];
        ps[base + i] = y[N * D + i];
        dqs[base + i] = dy[i];
        dps[base + i] = dy[N * D + i];
      }
    }
    d.systems.push_back(system.options());
  }
  d.t = torch::arange(T, torch::kFloat64) * o.dt;
  d.q = from_vector(qs, {T, S, N, D});
  d.p = from_vector(ps, {T, S, N, D});
  d.dqdt = from_vector(dqs, {T, S, N, D});
  d.dpdt = from_vector(dps, {T, S, N, D});
  d.masses = from_vector(ms, {S, N});
  if (spring) d.springs = from_vector(ks, {S, N, N});
  return d;
}

GraphBatch particle_batch(const ParticleSamples& s, const ParticleFeatures& f) {
  if (!s.q.defined() || s.q.dim() != 3 || !s.masses.defined() || s.masses.dim() != 2 ||
      s.masses.size(0) != s.q.size(0) || s.masses.size(1) != s.q.size(1))
    throw InvalidInput("particle_batch: need q [B, N, D] and masses [B, N]");
  if (f.springs && !s.springs.defined())
    throw InvalidInput("particle_batch: spring features asked for, but the samples have none");
  const int64_t B = s.q.size(0), N = s.q.size(1);
  const auto fopt = s.q.options();
  const auto lopt = fopt.dtype(torch::kLong);
  const auto one = fully_connected(N, lopt);  // [2, N (N - 1)]
  const int64_t e = one.size(1);
  const auto offsets = (torch::arange(B, lopt) * N).view({1, B, 1});
  GraphBatch g;
  g.edge_index = (one.view({2, 1, e}) + offsets).reshape({2, B * e});
  g.nodes = f.masses ? s.masses.reshape({B * N, 1}).to(fopt) : torch::zeros({B * N, 0}, fopt);
  if (f.springs) {
    const auto k = s.springs.to(fopt).reshape({B, N * N});
    const auto pair = (one[0] * N + one[1]);  // [e]: flat (sender, receiver) index
    g.edges = k.index_select(1, pair).reshape({B * e, 1});
  }
  g.globals = torch::zeros({B, 0}, fopt);
  g.node_to_graph = torch::arange(B, lopt).repeat_interleave(N);
  g.num_graphs = B;
  return g;
}

}  // namespace noether::graph
