// bench_srnn: the SRNN paper's experiment on a chain of 20 masses and springs. A separable
// Hamiltonian H = K(p) + V(q) trained through leapfrog rollouts (SRNN) against an ODE-net (an MLP
// vector field) trained the same way through RK4, both on noisy observations (sigma = 0.2);
// then 100-step predictions on held-out trajectories, from the noisy first observation and from
// an initial state optimised against the first `--fit` observations. Error: mean squared
// difference to the clean trajectory over the 100 steps.
//
//   build/bench/bench_srnn [--steps 2000] [--window 10] [--fit 10] [--hidden 128]
//                          [--trajectories 50] [--noise 0.2] [--threads 1] [--json]
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "physics/learning/losses.hpp"
#include "physics/learning/training.hpp"

namespace np = noether::physics;

int main(int argc, char** argv) {
  int64_t steps = 2000, window = 10, fit = 10, hidden = 128;
  int threads = 1;
  bool json = false;
  double noise = 0.2;
  int trajectories = 50;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::atol(argv[++i]) : 0L; };
    if (!std::strcmp(argv[i], "--steps")) steps = next();
    else if (!std::strcmp(argv[i], "--window")) window = next();
    else if (!std::strcmp(argv[i], "--fit")) fit = next();
    else if (!std::strcmp(argv[i], "--hidden")) hidden = next();
    else if (!std::strcmp(argv[i], "--threads")) threads = static_cast<int>(next());
    else if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--noise") && i + 1 < argc) noise = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--trajectories")) trajectories = static_cast<int>(next());
    else {
      std::cerr << "usage: bench_srnn [--steps N] [--window W] [--fit F] [--hidden H] [--trajectories N] "
                   "[--noise S] [--threads T] [--json]\n";
      return 2;
    }
  }
  torch::set_num_threads(threads);
  const np::SpringChain chain(20, 0);
  auto protocol = chain.protocol();  // 50 trajectories x 101 samples, dt = 0.1, sigma = 0.2
  protocol.noise_std = noise;
  protocol.trajectories = trajectories;
  const auto noisy = np::generate_dataset(chain, protocol, 7);
  auto clean_protocol = protocol;
  clean_protocol.noise_std = 0.0;
  const auto clean = np::generate_dataset(chain, clean_protocol, 7);  // same draws, no noise
  const double dt = (protocol.t1 - protocol.t0) / (protocol.points - 1);
  const auto test_obs = np::trajectories(noisy, true);   // [101, 10, 40]
  const auto test_true = np::trajectories(clean, true);

  nlohmann::json out{{"system", "spring-chain-20"}, {"noise_std", protocol.noise_std},
                     {"train_trajectories", noisy.x.size(0) / protocol.points},
                     {"test_trajectories", test_obs.size(1)}, {"training_steps", steps},
                     {"window", window}, {"fit_samples", fit}};
  using noether::integrators::Scheme;
  for (const auto& [kind, integrator] : {std::pair<std::string, Scheme>{"separable", Scheme::kLeapfrog},
                                        {"baseline", Scheme::kRk4}}) {
    np::ModelConfig c;
    c.kind = np::parse_model_kind(kind);
    c.dof = chain.dof();
    c.hidden = hidden;
    np::TrainOptions o;
    o.steps = steps;
    o.loss = np::LossKind::kRollout;
    o.integrator = integrator;
    o.rollout_steps = window;
    o.batch_size = 16;
    o.dtype = torch::kFloat32;
    o.eval_every = std::max<int64_t>(1, steps);
    auto run = np::new_run(c, o, noisy);
    const auto start = std::chrono::steady_clock::now();
    const auto summary = np::train(run, noisy, o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto obs = test_obs.to(torch::kFloat32), truth = test_true.to(torch::kFloat32);
    const int64_t horizon = obs.size(0) - 1;  // 100 steps
    auto error_from = [&](const torch::Tensor& x0) {
      const auto pred = np::rollout(run.model, x0, dt, horizon, integrator, false);
      return torch::mse_loss(pred, truth).item<double>();
    };
    const double plain = error_from(obs[0]);
    const auto x0 = np::optimize_initial_state(run.model, obs.narrow(0, 0, fit + 1), dt, integrator, 300, 1e-2);
    const double optimised = error_from(x0);
    const std::string name = kind == "separable" ? "srnn" : "odenet";
    out[name + "_trajectory_mse"] = plain;
    out[name + "_trajectory_mse_optimized_x0"] = optimised;
    out[name + "_train_seconds"] = seconds;
    out[name + "_final_train_loss"] = summary.train_loss;
    out[name + "_derivative_test_mse"] = summary.test_loss;
    if (!json)
      std::cout << name << " (" << noether::integrators::scheme_name(integrator) << "): 100-step trajectory MSE " << plain
                << " from the noisy start, " << optimised << " with initial-state optimisation; "
                << seconds << " s to train (final window loss " << summary.train_loss
                << ", derivative MSE on test " << summary.test_loss << ")\n";
  }
  if (json) std::cout << out.dump() << std::endl;
  return 0;
}
