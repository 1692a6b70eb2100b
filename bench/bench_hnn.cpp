// bench_hnn: long rollouts of a trained HNN through the torch path (autograd vector field) and
// through the Eigen path (physics/models/eigen_hamiltonian.hpp), same RK4 scheme, same weights.
//
//   build/bench/bench_hnn [--model FILE] [--steps N] [--threads T] [--json]
// Without --model a freshly initialised spring HNN (2-200-200-1) is used: the cost does not
// depend on the weights' values.
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "integrators/rk4.hpp"
#include "noether/allocator.hpp"
#include "noether/subnormals.hpp"
#include "physics/models/eigen_hamiltonian.hpp"
#include "physics/torch_state.hpp"
#include "physics/learning/training.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;

int main(int argc, char** argv) {
  noether::flush_subnormals();   // as the noether program does (noether/subnormals.hpp)
  noether::keep_freed_memory();  // as the noether program does (noether/allocator.hpp)
  std::string model_path;
  long steps = 20000;
  int threads = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--model") && i + 1 < argc) model_path = argv[++i];
    else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) steps = std::atol(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--json")) json = true;
    else {
      std::cerr << "usage: bench_hnn [--model FILE] [--steps N] [--threads T] [--json]\n";
      return 2;
    }
  }
  torch::set_num_threads(threads);
  std::shared_ptr<np::DynamicsModelImpl> model;
  if (model_path.empty()) {
    np::ModelConfig c;
    c.kind = np::ModelKind::kHnn;
    c.dof = 1;
    torch::manual_seed(0);
    model = np::make_model(c);
  } else {
    model = np::load_checkpoint(model_path).model;
  }
  model->to(torch::kFloat64);  // both paths in double, so the trajectories can be compared
  const auto fast = np::EigenMlpHamiltonian::from_model(*model);
  const auto fast32 = np::EigenMlpHamiltonianF::from_model(*model);
  const double dt = 0.01;

  auto xt = torch::zeros({1, 2 * model->dof()}, torch::kFloat64);
  xt[0][0] = 0.5;
  auto torch_field = [&](double, const torch::Tensor& y) { return model->time_derivative(y, false); };
  const long torch_steps = std::max(1L, steps / 20);  // the torch path is far slower
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < torch_steps; ++i) ni::rk4_step(xt, 0.0, dt, torch_field);
  const double torch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Eigen::VectorXd xe = Eigen::VectorXd::Zero(2 * model->dof());
  xe[0] = 0.5;
  auto eigen_field = [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); };
  t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < steps; ++i) ni::rk4_step(xe, 0.0, dt, eigen_field);
  const double eigen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Eigen::VectorXd xf = Eigen::VectorXd::Zero(2 * model->dof());
  xf[0] = 0.5;
  auto float_field = [&](double, const Eigen::VectorXd& y) { return fast32.time_derivative(y); };
  t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < steps; ++i) ni::rk4_step(xf, 0.0, dt, float_field);
  const double float_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The torch path in float32, as the model was trained.
  auto model32 = np::make_model(model->config());
  {
    torch::NoGradGuard no_grad;
    auto src = model->parameters();
    auto dst = model32->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i].to(torch::kFloat32));
  }
  auto xt32 = torch::zeros({1, 2 * model->dof()}, torch::kFloat32);
  xt32[0][0] = 0.5;
  auto torch32_field = [&](double, const torch::Tensor& y) { return model32->time_derivative(y, false); };
  t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < torch_steps; ++i) ni::rk4_step(xt32, 0.0, dt, torch32_field);
  const double torch32_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double torch32_rate = torch_steps / torch32_s;

  // Agreement over the torch path's span.
  Eigen::VectorXd check = Eigen::VectorXd::Zero(2 * model->dof());
  check[0] = 0.5;
  for (long i = 0; i < torch_steps; ++i) ni::rk4_step(check, 0.0, dt, eigen_field);
  double diff = 0.0;
  for (int j = 0; j < check.size(); ++j) diff = std::max(diff, std::abs(check[j] - xt[0][j].item<double>()));

  const double torch_rate = torch_steps / torch_s, eigen_rate = steps / eigen_s,
               float_rate = steps / float_s;
  if (json) {
    std::cout << nlohmann::json{{"torch_steps_per_second", torch_rate},
                                {"eigen_steps_per_second", eigen_rate},
                                {"eigen_float_steps_per_second", float_rate},
                                {"speedup", eigen_rate / torch_rate},
                                {"torch_float32_steps_per_second", torch32_rate},
                                {"speedup_float", float_rate / torch32_rate},
                                {"float_vs_double_final_difference", (xf - xe).cwiseAbs().maxCoeff()},
                                {"max_state_difference", diff},
                                {"threads", threads}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "HNN rollout, RK4, batch 1, float64, " << threads << " torch thread(s)\n"
              << "  torch path (autograd field): " << torch_rate << " steps/s (" << torch_steps << " steps)\n"
              << "  torch path, float32:         " << torch32_rate << " steps/s\n"
              << "  Eigen path (analytic field): " << eigen_rate << " steps/s (" << steps << " steps)\n"
              << "  Eigen path, float network:   " << float_rate << " steps/s (" << steps
              << " steps; differs from double by " << (xf - xe).cwiseAbs().maxCoeff() << " at the end)\n"
              << "  speedup " << eigen_rate / torch_rate << "x (double vs torch float64), "
              << float_rate / torch32_rate << "x (float vs torch float32); max state difference torch vs Eigen double after "
              << torch_steps << " steps " << diff << "\n";
  }
  return 0;
}
