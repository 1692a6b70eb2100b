// physics/models/eigen_generalized.hpp: a trained generalized Hamiltonian model's vector field
// evaluated with Eigen, no autograd (issue 16's Eigen inference path), for every kind of
// physics/models/generalized.hpp: pq, generic, generic-soft, ghnn, nsf and symoden.
//
//   auto fast = EigenGeneralizedField::from_model(*run.model);
//   Eigen::VectorXd f = fast.time_derivative(x);                  // x: state_dim() entries
//   rk4_step(x, t, dt, [&](double, const Eigen::VectorXd& y) { return fast.time_derivative(y); });
//
// The energies' input gradients come from eigen_mlp.hpp's hand-written chain rule; the structure
// networks are plain forward passes, or forward-mode passes where the field needs a network's
// Jacobian (nsf's D theta, SymODEN's dM^{-1}/dq and dV/dq, carried as one tangent matrix through
// the layers) or an input-convex network's Hessian (GHNN's friction, carried to second order). The
// matrices are those of generalized.hpp (P = A - A^T, Q = -L L^T; GENERIC's L = P_S A P_S and
// M = P_E B B^T P_E, or A and B B^T for the soft form; W = J + D theta - D theta^T, applied by an
// LU solve; SymODEN's M^{-1} = L L^T + eps I). Agrees with the torch path to round-off (tested).
#pragma once

#include <vector>

#include <Eigen/Core>

#include "physics/models/eigen_mlp.hpp"
#include "physics/models/generalized.hpp"
#include "physics/models/model.hpp"

namespace noether::physics {

/// A torch MLP's weights as doubles (the one copy both Eigen paths make), and its forward pass for
/// any number of outputs (hidden layers with the activation, linear output layer).
struct EigenDenseMlp {
  std::vector<Eigen::MatrixXd> weights;  ///< [out x in] per layer
  std::vector<Eigen::VectorXd> biases;   ///< size out, or 0 for none
  EigenActivation activation = EigenActivation::kTanh;
  Eigen::VectorXd forward(const Eigen::VectorXd& x) const;
  /// The forward pass y (when asked) and its Jacobian dy/dx [out x in], by forward mode: the
  /// tangents of all inputs go through each layer as one matrix.
  Eigen::MatrixXd jacobian(const Eigen::VectorXd& x, Eigen::VectorXd* y = nullptr) const;
  /// The hidden layers' pre-activations and activations of one forward_batch, for vjp.
  struct Tape {
    std::vector<Eigen::MatrixXd> z, h;
  };
  /// Many samples as columns, x [in x B] -> [out x B], as matrix products; keeps `tape`.
  Eigen::MatrixXd forward_batch(const Eigen::MatrixXd& x, Tape& tape) const;
  /// The vector-Jacobian product of the pass on `tape`: d(sum ybar . y)/dx, [in x B].
  Eigen::MatrixXd vjp(const Eigen::MatrixXd& ybar, const Tape& tape) const;
  /// Copies a torch MLP's weights (as double).
  static EigenDenseMlp from(const MlpImpl& mlp);
};

/// A module's child by name; InvalidInput naming it when there is none.
std::shared_ptr<torch::nn::Module> child_module(torch::nn::Module& model, const std::string& name);
/// The same, as an MLP; InvalidInput when it is something else.
std::shared_ptr<MlpImpl> child_mlp(torch::nn::Module& model, const std::string& name);
/// A scalar-output torch MLP as an EigenMlp (weights copied as double).
EigenMlp<double> scalar_mlp(const MlpImpl& mlp);

/// An input-convex network's weights (IcnnImpl), the softplus of its hidden-path and output
/// weights taken once, with the network's Hessian in its input.
struct EigenIcnn {
  std::vector<Eigen::MatrixXd> from_input;  ///< W_k [hidden x in]
  std::vector<Eigen::VectorXd> input_bias;  ///< b_k
  std::vector<Eigen::MatrixXd> hidden_path;  ///< softplus(U_k) [hidden x hidden], k >= 1
  Eigen::VectorXd out;   ///< softplus(u)
  Eigen::VectorXd skip;  ///< w
  /// d^2 ICNN / dx^2 [in x in], by forward mode to second order.
  Eigen::MatrixXd hessian(const Eigen::VectorXd& x) const;
  static EigenIcnn from(IcnnImpl& icnn);
};

class EigenGeneralizedField {
 public:
  /// Copies the networks of a generalized model (pq, generic, generic-soft, ghnn, nsf, symoden),
  /// also one learning in normalised coordinates (normalized.hpp); throws InvalidInput for other
  /// kinds.
  static EigenGeneralizedField from_model(DynamicsModelImpl& model);
  /// True for the kinds from_model takes.
  static bool covers(ModelKind kind);
  int state_dim() const { return n_; }
  /// The learned energy at x: H, or E for GENERIC (the model's energy()).
  double energy(const Eigen::VectorXd& x) const;
  /// dx/dt at x; throws InvalidInput for a state of another size or a non-finite entry.
  Eigen::VectorXd time_derivative(const Eigen::VectorXd& x) const;

 private:
  void check_state(const Eigen::VectorXd& x) const;
  /// The checked state in the coordinates the networks learned in (x itself unless normalised).
  Eigen::VectorXd to_inner(const Eigen::VectorXd& x) const;
  /// A - A^T from the n(n-1)/2 upper-triangle entries, row by row (torch's triu_indices order).
  Eigen::MatrixXd skew(const Eigen::VectorXd& entries) const;
  Eigen::VectorXd pq_field(const Eigen::VectorXd& x) const;
  Eigen::VectorXd generic_field(const Eigen::VectorXd& x) const;
  Eigen::VectorXd ghnn_field(const Eigen::VectorXd& x) const;
  Eigen::VectorXd nsf_field(const Eigen::VectorXd& x) const;
  Eigen::VectorXd symoden_field(const Eigen::VectorXd& x) const;
  Eigen::VectorXd symoden_embedded_field(const Eigen::VectorXd& x) const;
  /// GHNN's grad H, H = ReHU(N(x) - N(0)) + eps |x|^2.
  Eigen::VectorXd ghnn_energy_gradient(const Eigen::VectorXd& x) const;

  /// SymODEN's networks at one state: coordinates c (q, or (cos q, sin q)), L with M^{-1} =
  /// L L^T + eps I, and the derivatives of L and V along each q_k.
  struct SymodenParts {
    Eigen::MatrixXd l, minv;
    std::vector<Eigen::MatrixXd> dl;  ///< dL/dq_k
    Eigen::VectorXd dv;               ///< dV/dq
    Eigen::MatrixXd g;                ///< the input map [d x d]
  };
  /// The networks' coordinates at x (q, or (cos q, sin q) computed or, embedded, read from x) and,
  /// when asked, their derivatives dc/dq [c.size() x d].
  Eigen::VectorXd symoden_coordinates(const Eigen::VectorXd& x, Eigen::MatrixXd* tangents = nullptr) const;
  /// c: the networks' coordinates; tangents [c.size() x d]: dc/dq.
  SymodenParts symoden_parts(const Eigen::VectorXd& c, const Eigen::MatrixXd& tangents) const;
  Eigen::MatrixXd lower(const Eigen::VectorXd& entries, int d) const;

  ModelKind kind_ = ModelKind::kPq;
  /// Normalisation (ModelConfig::input_shift, input_scale, time_scale); empty scale_: none.
  Eigen::VectorXd shift_, scale_;
  double time_scale_ = 1.0;
  int n_ = 0;
  EigenMlp<double> energy_, entropy_;  ///< H (pq, nsf), GHNN's N, E and S (GENERIC)
  EigenDenseMlp structure_, friction_;  ///< pq: structure_; GENERIC: A and B; nsf: theta
  struct Ghnn {
    std::vector<EigenDenseMlp> pairs;     ///< J's entry (i, j), i < j, row by row
    std::vector<Eigen::VectorXd> masks;   ///< 0 at i and j
    double n_origin = 0.0;                ///< N(0)
    EigenIcnn friction;                   ///< R = -Hess ICNN
  } ghnn_;
  struct Symoden {
    EigenDenseMlp inverse_mass, potential, input_map;
    int d = 0;
    bool periodic = false, embedded = false;
    double epsilon = 0.0;
  } symoden_;
};

}  // namespace noether::physics
