// physics/learning/meta.hpp: a Hamiltonian meta-learned across a family of systems (Lee et al.
// 2021, issue 18): MAML finds weights from which a few gradient steps on a few observed states of
// a new member of the family fit its dynamics; compared with the same network trained on every
// member pooled, and with one trained from scratch.
//
//   MetaOptions o;  o.family = SystemFamily::kPendulumLengths;  o.kind = ModelKind::kHnn;
//   MetaRun run = new_meta_run(o);
//   meta_train(run);                                       // MAML and the pooled model, same budget
//   MetaEvaluation e = evaluate_meta(run, 25, 10);         // test loss after 0 .. 10 steps, each start
//
// A task is one member of the family (its parameter drawn) with states x and their exact
// derivatives dx/dt; a model is an HNN (dx/dt = J grad H_theta) or a plain MLP (dx/dt =
// MLP_theta(x)), 2 -> hidden -> hidden -> 1 or 2, tanh. Adaptation is plain gradient descent on
// the derivative MSE of the task's support states, at rate inner_lr; MAML differentiates through
// those steps (second order, and through the HNN's own gradient: third derivatives of H).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "noether/json_codec.hpp"
#include "physics/learning/trainer.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

/// kPendulumLengths: H = p^2 / (2 l^2) + l (1 - cos q) (unit mass and gravity), l ~ U[0.5, 2];
/// kSpringConstants: H = p^2 / (2 m) + k q^2 / 2, k, m ~ U[0.5, 2] each. States q ~ U[-pi/2, pi/2]
/// (pendulum) or U[-1, 1] (spring), p ~ U[-1, 1].
/// kKeplerMasses: a body about a fixed centre in the plane, H = |p|^2 / 2 - mu / |q| with
/// mu = G M ~ U[0.5, 2] (the drawn central mass); states q at |q| ~ U[0.5, 1.5] in any direction,
/// p ~ U[-1, 1]^2: four entries, (q1, q2, p1, p2).
enum class SystemFamily { kPendulumLengths, kSpringConstants, kKeplerMasses };
/// The entries of a state of `family`: 2, or 4 for kKeplerMasses.
int64_t family_state_dim(SystemFamily family);
/// "pendulum-lengths", "spring-constants", "kepler-masses".
const char* family_name(SystemFamily f);
SystemFamily parse_family(const std::string& name);
NOETHER_JSON_ENUM(SystemFamily, family_name, parse_family)

struct MetaTask {
  torch::Tensor x, dxdt;  ///< [N, family_state_dim] float32: states and their exact derivatives
  double parameter = 0.0; ///< the member's l (pendulum), k (spring) or mu (Kepler)
};
/// A member of `family` with `points` states, drawn from `seed`.
MetaTask sample_task(SystemFamily family, int64_t points, uint64_t seed);

/// A dim -> hidden -> ... -> out tanh MLP held as plain tensors (weights, biases; no last bias), so
/// that adapted copies are tensors computed from the originals, as MAML needs.
struct FunctionalNet {
  ModelKind kind = ModelKind::kHnn;  ///< hnn: out 1, the field J grad H; baseline: out dim
  int64_t dim = 2;                   ///< entries of a state
  std::vector<torch::Tensor> params;
  /// dx/dt at x [B, dim] under `weights` (params or an adapted copy); differentiable in both.
  torch::Tensor field(const torch::Tensor& x, const std::vector<torch::Tensor>& weights) const;
  /// H at x under weights (hnn only): [B].
  torch::Tensor energy(const torch::Tensor& x, const std::vector<torch::Tensor>& weights) const;
  /// Mean over samples and entries of (field - dxdt)^2.
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& dxdt, const std::vector<torch::Tensor>& weights) const;
  /// `steps` steps of gradient descent at rate lr from `weights` on (x, dxdt); with create_graph
  /// the result stays differentiable in `weights` (MAML), else it is detached.
  std::vector<torch::Tensor> adapt(const std::vector<torch::Tensor>& weights, const torch::Tensor& x,
                                   const torch::Tensor& dxdt, int64_t steps, double lr, bool create_graph) const;
  /// The weights moved to `device` (fresh leaves there: call before a Trainer is built on them).
  void to(const torch::Device& device);
};
/// Fresh weights (orthogonal, biases zero, as the HNN code), from torch's current seed; layers
/// hidden layers (0: a linear map).
FunctionalNet make_functional_net(ModelKind kind, int64_t hidden, int64_t layers, int64_t dim = 2);

struct MetaOptions {
  SystemFamily family = SystemFamily::kPendulumLengths;
  ModelKind kind = ModelKind::kHnn;  ///< hnn or baseline
  int64_t hidden = 64;
  int64_t layers = 2;
  int64_t steps = 1000;          ///< outer steps (MAML) and steps of the pooled model
  int64_t tasks_per_step = 8;
  int64_t support = 25;          ///< states the inner steps see (the paper: 10-50)
  int64_t query = 25;            ///< states the outer loss sees
  int64_t inner_steps = 1;
  double inner_lr = 0.1;
  double learning_rate = 1e-3;   ///< Adam, outer loop and pooled model
  uint64_t seed = 0;
  bool progress = false;
  /// Where the networks and the tasks' states go (physics/learning/device.hpp); not recorded in
  /// the model file, which always holds CPU tensors. Tasks are drawn on the CPU, as everywhere.
  torch::Device device = torch::kCPU;
  void validate() const;
};
NOETHER_JSON(MetaOptions, family, kind, hidden, layers, steps, tasks_per_step, support, query, inner_steps, inner_lr,
             learning_rate, seed)

struct MetaRun {
  MetaOptions options;
  FunctionalNet meta;    ///< MAML's initial weights
  FunctionalNet pooled;  ///< trained on all tasks pooled
  int64_t steps = 0;
  double seconds = 0.0;  ///< training wall time (both models)
};

MetaRun new_meta_run(const MetaOptions& options);
/// options.steps of MAML, then as many of the pooled model (tasks drawn afresh every step from
/// seeds that never meet the evaluation's).
void meta_train(MetaRun& run);
void save_meta(const MetaRun& run, const std::string& path);
MetaRun load_meta(const std::string& path);
/// "noether.meta-model", as model_file_kind() reports it.
const char* meta_file_kind();

struct MetaEvaluation {
  int64_t tasks = 0, shots = 0;
  /// Mean over the test tasks of the query loss after k = 0 .. adapt_steps steps on `shots`
  /// support states, from each start.
  std::vector<double> meta_curve, pooled_curve, scratch_curve;
};
/// 20 unseen members (their own seeds), 100 query states each.
MetaEvaluation evaluate_meta(const MetaRun& run, int64_t shots, int64_t adapt_steps, int64_t tasks = 20);

}  // namespace noether::physics
