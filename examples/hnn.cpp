// A library user's Hamiltonian neural network with noether::physics: the HNN paper's spring
// protocol, a short training run, then a rollout of the learned field with RK4, whose learned
// energy stays near its start while the true energy is compared.
#include <cmath>
#include <iostream>

#include <torch/torch.h>

#include "integrators/rk4.hpp"
#include "noether/error.hpp"
#include "physics/learning/dataset.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/eigen_hamiltonian.hpp"
#include "physics/systems/systems.hpp"

namespace np = noether::physics;

int main() try {
  auto spring = np::make_system("spring");
  const np::DataSet data = np::generate_dataset(*spring, spring->protocol(), /*seed=*/0);
  np::ModelConfig c;  // an HNN, 2 x 200 tanh
  np::TrainOptions o;
  o.steps = 300;
  auto run = np::new_run(c, o, data);
  const auto s = np::train(run, data, o);
  std::cout << "HNN on the spring: test derivative MSE " << s.test_loss << " after " << s.steps << " steps\n";
  // Roll the learned field out on plain doubles (the torch-free inference path).
  const auto fast = np::EigenMlpHamiltonian::from_model(*run.model);
  Eigen::VectorXd x(2);
  x << 1.0, 0.0;
  const double h0 = fast.energy(x), e0 = spring->energy(x.head(1), x.tail(1));
  double learned_drift = 0.0, true_drift = 0.0;
  for (int k = 0; k < 2000; ++k) {
    noether::integrators::rk4_step(x, 0.0, 0.01, [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); });
    learned_drift = std::max(learned_drift, std::abs(fast.energy(x) - h0));
    true_drift = std::max(true_drift, std::abs(spring->energy(x.head(1), x.tail(1)) - e0) / e0);
  }
  std::cout << "20 time units: learned energy drift " << learned_drift << ", true energy relative error " << true_drift
            << "\n";
  return s.test_loss < 1.0 && true_drift < 0.5 ? 0 : 1;
} catch (const noether::Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 2;
}
