// bench_graph: HOGN rollout throughput (particle-steps per second) for batches of 1, 64 and 1024
// graphs, and the training time per epoch (one full-batch Adam step with the derivative loss; for
// HOGN with the hand-derived gradient and with autograd's).
//
//   bench_graph [--particles 4] [--hidden 64] [--integrator rk4] [--steps 20] [--device cpu|cuda]
//               [--train-states 456] [--threads 0] [--rounds 1] [--dtype float64|float32] [--graphs 1,64,1024]
// Prints one JSON object per line. Weights are random: the cost does not depend on them.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "noether/allocator.hpp"
#include "noether/subnormals.hpp"
#include "graph/particle_data.hpp"
#include "graph/particle_model.hpp"
#include "graph/training.hpp"

namespace ng = noether::graph;

int main(int argc, char** argv) {
  noether::flush_subnormals();   // as the noether program does (noether/subnormals.hpp)
  noether::keep_freed_memory();  // as the noether program does (noether/allocator.hpp)
  int particles = 4, steps = 20, threads = 0, rounds = 1;
  int64_t hidden = 64, train_states = 456;
  std::string integrator = "rk4", device = "cpu", system = "springs", dtype_name = "float64";
  std::vector<int64_t> batches{1, 64, 1024};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--particles") particles = std::atoi(v.c_str());
    else if (k == "--hidden") hidden = std::atoll(v.c_str());
    else if (k == "--integrator") integrator = v;
    else if (k == "--steps") steps = std::atoi(v.c_str());
    else if (k == "--device") device = v;
    else if (k == "--train-states") train_states = std::atoll(v.c_str());
    else if (k == "--threads") threads = std::atoi(v.c_str());
    else if (k == "--system") system = v;
    else if (k == "--rounds") rounds = std::atoi(v.c_str());
    else if (k == "--dtype") dtype_name = v;
    else if (k == "--graphs") {  // comma-separated batch sizes of the rollouts
      batches.clear();
      for (std::size_t at = 0; at < v.size();) {
        const auto comma = v.find(',', at);
        batches.push_back(std::atoll(v.substr(at, comma - at).c_str()));
        at = comma == std::string::npos ? v.size() : comma + 1;
      }
    }
    else { std::cerr << "unknown option " << k << "\n"; return 2; }
  }
  if (dtype_name != "float32" && dtype_name != "float64") {
    std::cerr << "--dtype: float32 or float64\n";
    return 2;
  }
  const torch::Dtype dtype = dtype_name == "float32" ? torch::kFloat32 : torch::kFloat64;
  if (threads > 0) torch::set_num_threads(threads);
  const torch::Device dev(device == "cuda" ? torch::kCUDA : torch::kCPU);
  if (dev.is_cuda() && !torch::cuda::is_available()) {
    std::cerr << "CUDA is not available\n";
    return 2;
  }
  torch::manual_seed(0);
  ng::ParticleModelConfig c;
  c.hidden = hidden;
  c.rounds = rounds;
  ng::ParticleModel model(c);
  model.to(dev);
  model.to(dtype);
  const auto integ = ng::parse_step_integrator(integrator);
  auto sync = [&] { if (dev.is_cuda()) torch::cuda::synchronize(); };
  using clock = std::chrono::steady_clock;

  for (const int64_t B : batches) {
    ng::ParticleSamples s;
    s.q = torch::randn({B, particles, 2}, torch::kFloat64).to(dev, dtype);
    s.p = torch::randn({B, particles, 2}, torch::kFloat64).to(dev, dtype);
    s.masses = (torch::rand({B, particles}, torch::kFloat64) + 0.5).to(dev, dtype);
    const auto g = ng::particle_batch(s, model.features());
    torch::Tensor q = s.q.reshape({-1, 2}), p = s.p.reshape({-1, 2});
    const auto m = s.masses.reshape({-1});
    for (int k = 0; k < 2; ++k) std::tie(q, p) = model.step(q, p, m, g, 0.01, integ);  // warm-up
    sync();
    const auto t0 = clock::now();
    for (int k = 0; k < steps; ++k) std::tie(q, p) = model.step(q, p, m, g, 0.01, integ);
    sync();
    const double sec = std::chrono::duration<double>(clock::now() - t0).count();
    std::cout << nlohmann::json{{"bench", "hogn_rollout"}, {"device", device}, {"graphs", B},
                                {"particles", particles}, {"integrator", integrator}, {"hidden", hidden},
                                {"rounds", rounds}, {"dtype", dtype_name}, {"steps", steps}, {"seconds_per_step", sec / steps},
                                {"particle_steps_per_second", B * particles * steps / sec}}
                     .dump()
              << std::endl;
  }

  // Training: one epoch = one full-batch Adam step over train_states states (the CLI's default
  // 4-particle training set has 456), for each of the three models; --train-states 0: rollouts only.
  if (train_states == 0) return 0;
  ng::ParticleDataOptions d;
  d.interaction = system == "gravity" ? noether::physics::Particles::Interaction::kGravity
                                      : noether::physics::Particles::Interaction::kSpring;
  d.count = particles;
  d.systems = 2;
  d.samples = static_cast<int>(train_states / 2 + 1);
  d.dt = 0.05;
  d.softening = system == "gravity" ? 0.1 : 0.0;
  const auto data = ng::generate_particle_data(d);
  const auto train = data.pairs(0, 2);
  for (const std::string tag : {"hogn", "hogn-autograd", "ogn", "deltagn"}) {
    const std::string kind = tag == "hogn-autograd" ? "hogn" : tag;
    ng::ParticleModelConfig mc;
    mc.kind = ng::parse_graph_model_kind(kind);
    mc.hidden = hidden;
    mc.rounds = rounds;
    ng::ParticleModel mm(mc);
    mm.to(dev);
    mm.to(dtype);
    ng::GraphTrainOptions o;
    o.steps = 2;
    o.loss = kind == "deltagn" ? ng::GraphLoss::kStep : ng::GraphLoss::kDerivative;
    o.fused = tag != "hogn-autograd";  // HOGN: the hand-derived loss gradient (fused_hogn.hpp), and autograd's
    o.dt = d.dt;
    ng::train_model(mm, train, train, o);  // warm-up
    o.steps = steps;
    const auto r = ng::train_model(mm, train, train, o);
    std::cout << nlohmann::json{{"bench", "train_epoch"}, {"device", device}, {"model", kind},
                                {"particles", particles}, {"states", train.size()}, {"hidden", hidden}, {"dtype", dtype_name},
                                {"gradients", kind != "hogn" ? "autograd" : o.fused ? "fused" : "autograd"},
                                {"seconds_per_epoch", r.seconds / steps}}
                     .dump()
              << std::endl;
  }
  return 0;
}
