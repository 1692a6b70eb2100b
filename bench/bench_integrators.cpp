// bench_integrators: steps per second of every integrator on the Kepler (two-body) problem,
// on the Eigen path (fixed-size Vector4d and dynamic VectorXd) and on the torch path (batches of
// 1 and 1024 states, no autograd). Each figure is the best of 3 timed runs of at least 0.2 s.
//
//   build/bench/bench_integrators [--json] [--threads N]
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "integrators/integrators.hpp"
#include "physics/torch_state.hpp"

namespace ni = noether::integrators;

namespace {

/// Steps per second of `step`, best of 3 runs of at least `min_seconds` each.
double rate(const std::function<void()>& step, double min_seconds = 0.2) {
  double best = 0.0;
  for (int rep = 0; rep < 3; ++rep) {
    long n = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0.0;
    long batch = 1;
    while (elapsed < min_seconds) {
      for (long i = 0; i < batch; ++i) step();
      n += batch;
      batch *= 2;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    best = std::max(best, n / elapsed);
  }
  return best;
}

// ---- the Kepler field on each state type ----------------------------------------------------

template <class V>
V kepler_field(double, const V& y) {
  V dy(4);
  const double r2 = y[0] * y[0] + y[1] * y[1], r3 = r2 * std::sqrt(r2);
  dy << y[2], y[3], -y[0] / r3, -y[1] / r3;
  return dy;
}
template <class V>
V kepler_grad_q(const V& q) {
  const double r2 = q.squaredNorm();
  return q / (r2 * std::sqrt(r2));
}
template <class V>
V identity(const V& p) {
  return p;
}
template <class V>
std::pair<V, V> kepler_grad(const V& q, const V& p) {
  return {kepler_grad_q(q), p};
}

torch::Tensor t_field(double, const torch::Tensor& y) {
  const auto q = y.narrow(-1, 0, 2), p = y.narrow(-1, 2, 2);
  return torch::cat({p, -q / q.norm(2, -1, true).pow(3)}, -1);
}
torch::Tensor t_grad_q(const torch::Tensor& q) { return q / q.norm(2, -1, true).pow(3); }
torch::Tensor t_identity(const torch::Tensor& p) { return p; }
std::pair<torch::Tensor, torch::Tensor> t_grad(const torch::Tensor& q, const torch::Tensor& p) {
  return {t_grad_q(q), p};
}

const char* kSchemes[] = {"euler",    "rk4",      "dopri5",   "dop853",           "leapfrog",
                          "velocity_verlet", "yoshida4", "yoshida6", "implicit_midpoint", "tao"};

/// Steps/s of scheme `name` for state vectors of type V (Eigen); the state keeps orbiting.
template <class V>
double eigen_rate(const std::string& name) {
  const double dt = 1e-3;
  V y(4), q(2), p(2);
  y << 0.5, 0.0, 0.0, std::sqrt(3.0);
  q << 0.5, 0.0;
  p << 0.0, std::sqrt(3.0);
  ni::TaoState<V> ts(q, p);
  auto f = kepler_field<V>;
  if (name == "euler") return rate([&] { ni::euler_step(y, 0.0, dt, f); });
  if (name == "rk4") return rate([&] { ni::rk4_step(y, 0.0, dt, f); });
  if (name == "dopri5") return rate([&] { ni::dopri5_step(y, 0.0, dt, f); });
  if (name == "dop853") return rate([&] { ni::dop853_step(y, 0.0, dt, f); });
  if (name == "leapfrog") return rate([&] { ni::leapfrog_step(q, p, dt, kepler_grad_q<V>, identity<V>); });
  if (name == "velocity_verlet")
    return rate([&] { ni::velocity_verlet_step(q, p, dt, kepler_grad_q<V>, identity<V>); });
  if (name == "yoshida4") return rate([&] { ni::yoshida4_step(q, p, dt, kepler_grad_q<V>, identity<V>); });
  if (name == "yoshida6") return rate([&] { ni::yoshida6_step(q, p, dt, kepler_grad_q<V>, identity<V>); });
  if (name == "implicit_midpoint") return rate([&] { ni::implicit_midpoint_step(y, 0.0, dt, f); });
  return rate([&] { ni::tao_step(ts, dt, 20.0, kepler_grad<V>); });
}

double torch_rate(const std::string& name, int64_t batch) {
  torch::NoGradGuard no_grad;
  const double dt = 1e-3;
  auto y = torch::tensor({0.5, 0.0, 0.0, std::sqrt(3.0)}, torch::kFloat64).repeat({batch, 1});
  auto q = y.narrow(-1, 0, 2).clone(), p = y.narrow(-1, 2, 2).clone();
  ni::TaoState<torch::Tensor> ts(q, p);
  const double min_seconds = 0.2;
  if (name == "euler") return rate([&] { ni::euler_step(y, 0.0, dt, t_field); }, min_seconds);
  if (name == "rk4") return rate([&] { ni::rk4_step(y, 0.0, dt, t_field); }, min_seconds);
  if (name == "dopri5") return rate([&] { ni::dopri5_step(y, 0.0, dt, t_field); }, min_seconds);
  if (name == "dop853") return rate([&] { ni::dop853_step(y, 0.0, dt, t_field); }, min_seconds);
  if (name == "leapfrog") return rate([&] { ni::leapfrog_step(q, p, dt, t_grad_q, t_identity); }, min_seconds);
  if (name == "velocity_verlet")
    return rate([&] { ni::velocity_verlet_step(q, p, dt, t_grad_q, t_identity); }, min_seconds);
  if (name == "yoshida4") return rate([&] { ni::yoshida4_step(q, p, dt, t_grad_q, t_identity); }, min_seconds);
  if (name == "yoshida6") return rate([&] { ni::yoshida6_step(q, p, dt, t_grad_q, t_identity); }, min_seconds);
  if (name == "implicit_midpoint")
    return rate([&] { ni::implicit_midpoint_step(y, 0.0, dt, t_field); }, min_seconds);
  return rate([&] { ni::tao_step(ts, dt, 20.0, t_grad); }, min_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else {
      std::cerr << "usage: bench_integrators [--json] [--threads N]\n";
      return 2;
    }
  }
  torch::set_num_threads(threads);
  nlohmann::json rows = nlohmann::json::array();
  if (!json)
    std::cout << "Kepler problem, steps per second (torch threads: " << threads << ")\n"
              << std::left << std::setw(19) << "scheme" << std::right << std::setw(14)
              << "Eigen 4d" << std::setw(14) << "Eigen Xd" << std::setw(14) << "torch B=1"
              << std::setw(14) << "torch B=1024" << std::setw(18) << "B=1024 samples/s\n";
  for (const char* s : kSchemes) {
    const double fixed = eigen_rate<Eigen::Vector4d>(s);
    const double dynamic = eigen_rate<Eigen::VectorXd>(s);
    const double t1 = torch_rate(s, 1);
    const double t1024 = torch_rate(s, 1024);
    rows.push_back({{"scheme", s},
                    {"eigen_fixed_steps_per_second", fixed},
                    {"eigen_dynamic_steps_per_second", dynamic},
                    {"torch_batch1_steps_per_second", t1},
                    {"torch_batch1024_steps_per_second", t1024},
                    {"torch_batch1024_sample_steps_per_second", 1024 * t1024}});
    if (!json)
      std::cout << std::left << std::setw(19) << s << std::right << std::scientific
                << std::setprecision(2) << std::setw(14) << fixed << std::setw(14) << dynamic
                << std::setw(14) << t1 << std::setw(14) << t1024 << std::setw(17) << 1024 * t1024
                << "\n";
  }
  if (json) std::cout << nlohmann::json{{"problem", "kepler"}, {"threads", threads}, {"rows", rows}}.dump() << std::endl;
  return 0;
}
