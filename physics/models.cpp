#include "physics/models.hpp"

#include <sstream>

#include "noether/error.hpp"

namespace noether::physics {

const std::vector<std::string>& model_kinds() {
  static const std::vector<std::string> kinds{"baseline", "hnn", "dhnn", "separable"};
  return kinds;
}

void ModelConfig::validate() const {
  const auto& kinds = model_kinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw InvalidInput("unknown model '" + kind + "'; known models: baseline, hnn, dhnn, separable");
  if (dof < 1) throw InvalidInput("model dof = " + std::to_string(dof) + ": must be >= 1");
  if (hidden < 1) throw InvalidInput("model hidden = " + std::to_string(hidden) + ": must be >= 1");
  if (layers < 1) throw InvalidInput("model layers = " + std::to_string(layers) + ": must be >= 1");
  if (activation != "tanh" && activation != "relu" && activation != "softplus" && activation != "sin")
    throw InvalidInput("unknown activation '" + activation + "'; known: tanh, relu, softplus, sin");
}

std::string ModelConfig::describe() const {
  std::ostringstream os;
  os << kind << "(dof=" << dof << ", hidden=" << hidden << ", layers=" << layers << ", "
     << activation << ")";
  return os.str();
}

// ---- MLP ------------------------------------------------------------------------------------

MlpImpl::MlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t layers,
                 const std::string& activation, bool last_bias)
    : activation_(activation) {
  int64_t width = in;
  for (int64_t l = 0; l <= layers; ++l) {
    const bool last = l == layers;
    auto lin = register_module(
        "linear" + std::to_string(l),
        torch::nn::Linear(torch::nn::LinearOptions(width, last ? out : hidden).bias(!last || last_bias)));
    // Orthogonal weights; the biases keep torch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as
    // in the HNN code.
    torch::NoGradGuard no_grad;
    torch::nn::init::orthogonal_(lin->weight);
    linears_.push_back(lin);
    width = hidden;
  }
}

torch::Tensor MlpImpl::act(const torch::Tensor& x) const {
  if (activation_ == "tanh") return torch::tanh(x);
  if (activation_ == "relu") return torch::relu(x);
  if (activation_ == "softplus") return torch::softplus(x);
  return torch::sin(x);
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (std::size_t l = 0; l + 1 < linears_.size(); ++l) h = act(linears_[l]->forward(h));
  return linears_.back()->forward(h);
}

// ---- helpers --------------------------------------------------------------------------------

torch::Tensor DynamicsModelImpl::energy(const torch::Tensor&) {
  throw InvalidInput("model '" + config_.kind + "' has no learned energy");
}

torch::Tensor DynamicsModelImpl::dissipation(const torch::Tensor& x) {
  return torch::zeros({x.size(0)}, x.options());
}

namespace {

void check_input(const torch::Tensor& x, int64_t dof) {
  if (x.dim() != 2 || x.size(1) != 2 * dof) {
    std::ostringstream os;
    os << "model input has shape " << x.sizes() << "; expected [B, " << 2 * dof << "] (q then p)";
    throw InvalidInput(os.str());
  }
}

/// Sets every bias of `net` to zero: the network is then odd in its input at the start.
void zero_biases(const Mlp& net) {
  torch::NoGradGuard no_grad;
  for (const auto& lin : net->linears())
    if (lin->bias.defined()) lin->bias.zero_();
}

class BaselineImpl : public DynamicsModelImpl {
 public:
  explicit BaselineImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
    // No bias on the output layer, as in the HNN code: with one, the learned field need not
    // vanish anywhere, and the pendulum baseline drifted 9x further in energy.
    net_ = register_module("net", Mlp(2 * c.dof, c.hidden, 2 * c.dof, c.layers, c.activation, false));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    check_input(x, dof());
    if (create_graph) return net_->forward(x);
    torch::NoGradGuard no_grad;
    return net_->forward(x);
  }

 private:
  Mlp net_{nullptr};
};

class HnnImpl : public DynamicsModelImpl {
 public:
  explicit HnnImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
    h_ = register_module("hamiltonian", Mlp(2 * c.dof, c.hidden, 1, c.layers, c.activation, false));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    check_input(x, dof());
    return hamiltonian_field([this](const torch::Tensor& s) { return energy(s); }, x, create_graph);
  }
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override { return h_->forward(x).squeeze(-1); }

 protected:
  Mlp h_{nullptr};
};

class DhnnImpl : public HnnImpl {
 public:
  explicit DhnnImpl(const ModelConfig& c) : HnnImpl(c) {
    d_ = register_module("dissipation", Mlp(2 * c.dof, c.hidden, 1, c.layers, c.activation, false));
    // Both networks start with zero biases, so odd in the state. H + a qp and D - a (q^2 - p^2)/2
    // give the same field; those even terms are absent from an odd start and the data never ask
    // for them, so D stays near zero on conservative data (with torch's default biases it kept
    // an rms gradient of 0.1 on the spring, and the damped-spring rollout error was 3x larger).
    zero_biases(h_);
    zero_biases(d_);
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    // The HNN's J grad H plus grad D. The two gradients are taken separately: one gradient of
    // H + D would mix them, since J applies to grad H only.
    return HnnImpl::time_derivative(x, create_graph) +
           energy_gradient([this](const torch::Tensor& s) { return dissipation(s); }, x, create_graph);
  }
  torch::Tensor dissipation(const torch::Tensor& x) override { return d_->forward(x).squeeze(-1); }

 private:
  Mlp d_{nullptr};
};

}  // namespace

class SeparableHamiltonianImpl : public DynamicsModelImpl {
 public:
  explicit SeparableHamiltonianImpl(const ModelConfig& c) : DynamicsModelImpl(c) {
    k_ = register_module("kinetic", Mlp(c.dof, c.hidden, 1, c.layers, c.activation, false));
    v_ = register_module("potential", Mlp(c.dof, c.hidden, 1, c.layers, c.activation, false));
  }
  torch::Tensor kinetic(const torch::Tensor& p) { return k_->forward(p).squeeze(-1); }
  torch::Tensor potential(const torch::Tensor& q) { return v_->forward(q).squeeze(-1); }
  bool has_energy() const override { return true; }
  torch::Tensor energy(const torch::Tensor& x) override {
    check_input(x, dof());
    return kinetic(x.narrow(-1, dof(), dof())) + potential(x.narrow(-1, 0, dof()));
  }
  torch::Tensor time_derivative(const torch::Tensor& x, bool create_graph) override {
    check_input(x, dof());
    const auto g = separable_gradients_impl(create_graph);
    return torch::cat({g.dH_dp(x.narrow(-1, dof(), dof())), -g.dH_dq(x.narrow(-1, 0, dof()))}, -1);
  }
  SeparableGradients separable_gradients_impl(bool create_graph) {
    return {[this, create_graph](const torch::Tensor& q) {
              return energy_gradient([this](const torch::Tensor& s) { return potential(s); }, q, create_graph);
            },
            [this, create_graph](const torch::Tensor& p) {
              return energy_gradient([this](const torch::Tensor& s) { return kinetic(s); }, p, create_graph);
            }};
  }

 private:
  Mlp k_{nullptr}, v_{nullptr};
};

SeparableGradients separable_gradients(const std::shared_ptr<DynamicsModelImpl>& model,
                                       bool create_graph) {
  auto sep = std::dynamic_pointer_cast<SeparableHamiltonianImpl>(model);
  if (!sep)
    throw InvalidInput("leapfrog needs a separable model; '" + model->config().kind + "' is not");
  return sep->separable_gradients_impl(create_graph);
}

std::shared_ptr<DynamicsModelImpl> make_model(const ModelConfig& c) {
  c.validate();
  if (c.kind == "baseline") return std::make_shared<BaselineImpl>(c);
  if (c.kind == "hnn") return std::make_shared<HnnImpl>(c);
  if (c.kind == "dhnn") return std::make_shared<DhnnImpl>(c);
  return std::make_shared<SeparableHamiltonianImpl>(c);
}

}  // namespace noether::physics
