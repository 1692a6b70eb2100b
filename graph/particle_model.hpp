// graph/particle_model.hpp: one handle on the three particle models (HOGN, OGN, DeltaGN), their
// time stepping with the integrators of integrators/, and versioned checkpoints.
//
//   using namespace noether::graph;
//   ParticleModelConfig c; c.kind = GraphModelKind::kHogn; c.dim = 2; c.mass_features = true;
//   ParticleModel model(c);                   // float64 on the CPU; model.to(torch::kCUDA)
//   GraphBatch g = particle_batch(samples, model.features());
//   auto [q1, p1] = model.step(q, p, masses, g, 0.01, StepIntegrator::kLeapfrog);   // [N, D] each
//   save_particle_model(model, "springs.pt", info);   // + springs.pt.json
//   ParticleModel again = load_particle_model("springs.pt").model;
//
// HOGN and OGN give a vector field, so any integrator steps them; DeltaGN gives the state change
// over one step directly, so it ignores the integrator (and was only trained at its data's dt).
// Every tensor stays on the device and in the dtype of the model's parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "graph/eigen_hogn.hpp"
#include "graph/gn.hpp"
#include "graph/graph.hpp"
#include "graph/hogn.hpp"
#include "graph/particle_data.hpp"
#include "integrators/registry.hpp"
#include "noether/json_codec.hpp"

namespace noether::graph {

/// The schemes of integrators/registry.hpp that step the learned fields: every fixed-step
/// scheme (euler, rk4, implicit-midpoint for any field; leapfrog, velocity-verlet, yoshida4,
/// yoshida6 for a separable H, i.e. a conservative HOGN whose H is V(q) + T(p); tao, explicit and
/// symplectic for any H(q, p) (Tao 2016), 4 gradient evaluations per step). Not the adaptive ones.
using StepIntegrator = integrators::Scheme;

/// "rk4" -> Scheme::kRk4 among the schemes above; throws InvalidInput naming them.
StepIntegrator parse_step_integrator(const std::string& name);

/// What a graph model is trained on: kDerivative, the MSE of (dq/dt, dp/dt) against the exact
/// derivatives (HOGN, OGN); kStep, the MSE of the one-step prediction against the next sample
/// over dt^2 (every model; DeltaGN's only one).
enum class GraphLoss { kDerivative, kStep };
/// "derivative", "step".
const char* graph_loss_name(GraphLoss loss);
/// Throws InvalidInput naming the known losses.
GraphLoss parse_graph_loss(const std::string& name);
NOETHER_JSON_ENUM(GraphLoss, graph_loss_name, parse_graph_loss)

enum class GraphModelKind { kHogn, kOgn, kDeltaGn };
/// "hogn", "ogn", "deltagn".
const char* graph_model_kind_name(GraphModelKind kind);
/// Throws InvalidInput naming the known models.
GraphModelKind parse_graph_model_kind(const std::string& name);
NOETHER_JSON_ENUM(GraphModelKind, graph_model_kind_name, parse_graph_model_kind)

/// The architecture. Every field is written to checkpoints and compared on load.
struct ParticleModelConfig {
  GraphModelKind kind = GraphModelKind::kHogn;
  int64_t dim = 2;            ///< D
  bool mass_features = true;  ///< masses as node features (see ParticleFeatures)
  bool spring_features = false;  ///< spring constants as edge features (springs only)
  int64_t hidden = 64;
  int64_t layers = 2;
  int64_t rounds = 1;         ///< GN blocks (message passing) in the network
  std::string activation = "softplus";
  bool dissipation = false;   ///< HOGN only: learned Rayleigh term
  /// Throws InvalidInput naming the bad field.
  void validate() const;
  /// "hogn(dim=2, hidden=64, layers=2, rounds=1, softplus, masses)"
  std::string describe() const;
  bool operator==(const ParticleModelConfig& o) const;
  bool operator!=(const ParticleModelConfig& o) const { return !(*this == o); }
};
NOETHER_JSON(ParticleModelConfig, kind, dim, mass_features, spring_features, hidden, layers, rounds, activation,
             dissipation)

/// The model; copies share the parameters (like a TORCH_MODULE holder).
class ParticleModel {
 public:
  explicit ParticleModel(ParticleModelConfig config);
  const ParticleModelConfig& config() const { return config_; }
  ParticleFeatures features() const { return {config_.mass_features, config_.spring_features}; }
  /// True for HOGN (a learned energy).
  bool has_energy() const { return static_cast<bool>(hogn_); }
  /// True where the model gives dq/dt, dp/dt (HOGN and OGN), false for DeltaGN.
  bool has_vector_field() const { return config_.kind != GraphModelKind::kDeltaGn; }
  /// True where leapfrog / Yoshida apply (a conservative HOGN).
  bool separable() const { return has_energy() && !config_.dissipation; }
  /// The underlying module (a copy of the handle shares it, so this is not deep-const).
  torch::nn::Module& module() const;
  std::vector<torch::Tensor> parameters() const;
  /// dtype and device of the parameters.
  torch::TensorOptions options() const;
  void to(torch::Dtype dtype);
  void to(torch::Device device);
  void train(bool on = true);

  /// The learned H per graph, [G] (HOGN only; InvalidInput otherwise). q, p [N, D]; masses [N].
  torch::Tensor energy(const torch::Tensor& q, const torch::Tensor& p, const torch::Tensor& masses,
                       const GraphBatch& graph);
  /// (dq/dt, dp/dt), each [N, D] (HOGN, OGN; InvalidInput for DeltaGN). Detached unless create_graph;
  /// detached fields of a HOGN on the CPU come from the torch-free path (graph/eigen_hogn.hpp).
  std::pair<torch::Tensor, torch::Tensor> time_derivative(const torch::Tensor& q,
                                                          const torch::Tensor& p,
                                                          const torch::Tensor& masses,
                                                          const GraphBatch& graph,
                                                          bool create_graph = false);
  /// One step of dt: (q', p'), each [N, D]. `omega` is Tao's coupling. Throws InvalidInput when
  /// the integrator needs a separable H the model does not have.
  std::pair<torch::Tensor, torch::Tensor> step(const torch::Tensor& q, const torch::Tensor& p,
                                               const torch::Tensor& masses, const GraphBatch& graph,
                                               double dt, StepIntegrator integrator,
                                               bool create_graph = false, double omega = 20.0);

 private:
  struct FastHogn;
  /// The torch-free HOGN (graph/eigen_hogn.hpp) for detached fields on the CPU, rebuilt whenever
  /// the weights have changed (their storage or version counters); null where it does not apply.
  const EigenHogn* fast_hogn(const torch::Tensor& q);

  ParticleModelConfig config_;
  Hogn hogn_{nullptr};
  GnDynamics gn_{nullptr};
  std::shared_ptr<FastHogn> fast_;  ///< shared by copies, as the parameters are
};

/// What a graph checkpoint holds besides the weights (all of it also in the JSON sidecar).
struct ParticleCheckpoint {
  ParticleModel model{ParticleModelConfig{}};
  std::string system;            ///< springs or gravity
  ParticleDataOptions data;      ///< the data the model was trained on (count, dt, damping, seed ...)
  GraphLoss loss = GraphLoss::kDerivative;
  std::string train_integrator;  ///< the integrator of a step loss ("" for derivative)
  int64_t steps = 0;             ///< Adam steps taken
  double train_loss = 0.0, test_loss = 0.0;
  double seconds = 0.0;          ///< training wall time
};

/// Writes `path` (a torch archive: format_version, kind, the JSON metadata and the weights) and
/// `path`.json, both atomically. Weights are saved as float64 on the CPU.
void save_particle_model(const ParticleCheckpoint& checkpoint, const std::string& path);
/// Reads a checkpoint written by save_particle_model: builds the model from the stored
/// architecture, then loads the weights (float64, CPU). Throws InvalidInput for a missing file,
/// another format or version, or weights that do not fit the stored architecture.
ParticleCheckpoint load_particle_model(const std::string& path);
/// Loads the weights of `path` into `model`; InvalidInput when the stored architecture differs.
void load_particle_weights(ParticleModel& model, const std::string& path);

}  // namespace noether::graph
