// A library user's program: learn (or load) a particle model with noether::graph and step a
// system given as Eigen matrices with ParticleSimulator.
//
//   particle_simulator                 # trains a small HOGN on 4-particle springs first
//   particle_simulator model.pt        # a checkpoint of `noether train-graph`
#include <iostream>

#include <torch/torch.h>

#include <Eigen/Dense>

#include "graph/particle_data.hpp"
#include "graph/particle_model.hpp"
#include "graph/simulator.hpp"
#include "graph/training.hpp"
#include "noether/error.hpp"

namespace ng = noether::graph;

int main(int argc, char** argv) try {
  ng::ParticleModel model{ng::ParticleModelConfig{}};  // a HOGN, masses as node features
  if (argc > 1) {
    model = ng::load_particle_model(argv[1]).model;
  } else {
    torch::manual_seed(0);
    ng::ParticleModelConfig c;
    c.hidden = 32;
    model = ng::ParticleModel(c);
    ng::ParticleDataOptions d;
    d.count = 4;
    d.systems = 8;
    d.samples = 10;
    d.dt = 0.05;
    const ng::ParticleData data = ng::generate_particle_data(d);
    ng::GraphTrainOptions o;
    o.steps = 40;
    o.learning_rate = 3e-3;
    const auto r = ng::train_model(model, data.pairs(0, 6), data.pairs(6, 8), o);
    std::cout << "trained " << model.config().describe() << ": derivative loss "
              << r.initial_train_loss << " -> " << r.train_loss << "\n";
  }

  ng::ParticleSimulator sim(model);
  Eigen::MatrixXd q(4, 2), v = Eigen::MatrixXd::Zero(4, 2);
  q << 0.0, 0.0, 1.2, 0.0, 1.0, 1.1, -0.1, 0.9;  // a stretched square of springs
  Eigen::VectorXd m(4);
  m << 1.0, 1.5, 0.8, 1.2;
  // Models trained on springs take each pair's spring constant as an edge feature.
  const Eigen::MatrixXd k = Eigen::MatrixXd::Constant(4, 4, 1.0);
  sim.set_state(q, v, m, model.config().spring_features ? k : Eigen::MatrixXd());
  std::cout << "step 0: H = " << sim.energies()[0] << "\n";
  for (int k = 1; k <= 4; ++k) {
    if (const auto r = sim.step(0.05, 100); !r.ok()) throw noether::NumericalError(r.message);
    std::cout << "step " << 100 * k << ": H = " << sim.energies()[0] << ", particle 0 at ("
              << sim.positions()(0, 0) << ", " << sim.positions()(0, 1) << ")\n";
  }
  return 0;
} catch (const noether::Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
