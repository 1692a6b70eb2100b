// bench_generalized_eigen: RK4 rollouts of a pq or GENERIC model through the torch path
// (autograd field) and the Eigen path (physics/models/eigen_generalized.hpp), batch 1, float64,
// the same weights and steps.
//
//   build/bench/bench_generalized_eigen [--model FILE] [--steps N] [--json]
// Without --model: untrained models of each kind, width 64, two hidden layers (pq on 3 entries,
// generic and generic-soft on 4, as on Lorenz and the gas container); the cost does not depend on
// the weights' values.
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integrators/rk4.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/eigen_generalized.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;

int main(int argc, char** argv) {
  std::string model_path;
  long steps = 2000;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--model") && i + 1 < argc) model_path = argv[++i];
    else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) steps = std::atol(argv[++i]);
    else if (!std::strcmp(argv[i], "--json")) json = true;
    else {
      std::cerr << "usage: bench_generalized_eigen [--model FILE] [--steps N] [--json]\n";
      return 2;
    }
  }
  torch::set_num_threads(1);
  std::vector<std::shared_ptr<np::DynamicsModelImpl>> models;
  if (!model_path.empty()) {
    models.push_back(np::load_checkpoint(model_path).model);
  } else {
    for (const auto& [kind, n] : {std::pair{np::ModelKind::kPq, 3}, std::pair{np::ModelKind::kGeneric, 4},
                                  std::pair{np::ModelKind::kGenericSoft, 4}}) {
      np::ModelConfig c;
      c.kind = kind;
      c.dof = 0;
      c.state_dim = n;
      c.hidden = 64;
      torch::manual_seed(0);
      models.push_back(np::make_model(c));
    }
  }
  const double dt = 0.01;
  for (auto& model : models) {
    model->to(torch::kFloat64);
    const auto fast = np::EigenGeneralizedField::from_model(*model);
    const int n = fast.state_dim();
    auto xt = torch::full({1, n}, 0.3, torch::kFloat64);
    auto torch_field = [&](double, const torch::Tensor& y) { return model->time_derivative(y, false); };
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < steps; ++i) ni::rk4_step(xt, 0.0, dt, torch_field);
    const double torch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Eigen::VectorXd xe = Eigen::VectorXd::Constant(n, 0.3);
    auto eigen_field = [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); };
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < steps; ++i) ni::rk4_step(xe, 0.0, dt, eigen_field);
    const double eigen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double diff = 0.0;
    for (int j = 0; j < n; ++j) diff = std::max(diff, std::abs(xe[j] - xt[0][j].item<double>()));
    const double torch_rate = steps / torch_s, eigen_rate = steps / eigen_s;
    const std::string kind = np::model_kind_name(model->config().kind);
    if (json) {
      std::cout << nlohmann::json{{"kind", kind},
                                  {"state_dim", n},
                                  {"steps", steps},
                                  {"torch_steps_per_second", torch_rate},
                                  {"eigen_steps_per_second", eigen_rate},
                                  {"speedup", eigen_rate / torch_rate},
                                  {"max_state_difference", diff}}
                       .dump()
                << std::endl;
    } else {
      std::cout << kind << " (" << model->config().describe() << "), RK4, " << steps << " steps, batch 1, float64:\n"
                << "  torch path " << torch_rate << " steps/s, Eigen path " << eigen_rate << " steps/s, speedup "
                << eigen_rate / torch_rate << "x; states differ by " << diff << " at the end\n";
    }
  }
  return 0;
}
