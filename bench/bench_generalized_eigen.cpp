// bench_generalized_eigen: RK4 rollouts of a generalized model through the torch path (autograd
// field) and the Eigen path (physics/models/eigen_generalized.hpp), batch 1, float64, the same
// weights and steps.
//
//   build/bench/bench_generalized_eigen [--model FILE] [--steps N] [--json]
// Without --model: untrained models of each kind, width 64, two hidden layers, on the states of
// the systems they are benchmarked on (pq on Lorenz's 3 entries, generic and generic-soft on the
// gas container's 4, ghnn on the damped pendulum's 2, nsf on the two springs' 4, symoden on the
// control pendulum's (q, p, u) and the embedded one's (cos q, sin q, dq/dt, u)); the cost does not
// depend on the weights' values.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
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
    struct Spec {
      np::ModelKind kind;
      int n, angles;
    };
    for (const auto& [kind, n, angles] :
         {Spec{np::ModelKind::kPq, 3, 0}, Spec{np::ModelKind::kGeneric, 4, 0}, Spec{np::ModelKind::kGenericSoft, 4, 0},
          Spec{np::ModelKind::kGhnn, 2, 0}, Spec{np::ModelKind::kNsf, 4, 0}, Spec{np::ModelKind::kSymoden, 3, 1},
          Spec{np::ModelKind::kSymoden, 4, 1}}) {
      np::ModelConfig c;
      c.kind = kind;
      c.dof = 0;
      c.state_dim = n;
      c.angles = angles;
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
    Eigen::VectorXd start = Eigen::VectorXd::Constant(n, 0.3);
    if (model->config().angles > 0 && n == 4 * model->config().angles) start.head(2) << std::cos(0.3), std::sin(0.3);
    auto xt = torch::from_blob(start.data(), {1, n}, torch::kFloat64).clone();
    auto torch_field = [&](double, const torch::Tensor& y) { return model->time_derivative(y, false); };
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < steps; ++i) ni::rk4_step(xt, 0.0, dt, torch_field);
    const double torch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Eigen::VectorXd xe = start;
    auto eigen_field = [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); };
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < steps; ++i) ni::rk4_step(xe, 0.0, dt, eigen_field);
    const double eigen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double diff = 0.0;
    for (int j = 0; j < n; ++j) {
      const double d = std::abs(xe[j] - xt[0][j].item<double>());
      diff = std::isfinite(d) ? std::max(diff, d) : d;  // a rollout that blew up shows as nan or inf
    }
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
