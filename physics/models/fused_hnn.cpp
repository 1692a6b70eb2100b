#include "physics/models/fused_hnn.hpp"

#include <type_traits>

#include <Eigen/Core>

#include "noether/error.hpp"

namespace noether::physics {

namespace {

std::shared_ptr<MlpImpl> energy_mlp(DynamicsModelImpl& model) {
  for (const auto& child : model.named_children())
    if (child.key() == "hamiltonian") return std::dynamic_pointer_cast<MlpImpl>(child.value());
  return nullptr;
}

/// z <- tanh(z + b) row by row, vectorised: Eigen's packet tanh for float; for double, which
/// Eigen does not vectorise, 1 - 2 / (exp(2 v) + 1) with its vectorised exp.
template <class T>
void bias_tanh(T* z, const T* b, int64_t rows, int64_t cols) {
  using Rows = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Rows> Z(z, rows, cols);
  const Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>> bias(b, cols);
  Z.rowwise() += bias;
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> flat(z, rows * cols);
  if constexpr (std::is_same_v<T, double>) {
    flat = T(1) - T(2) / ((T(2) * flat).exp() + T(1));
  } else {
    flat = flat.tanh();
  }
}

}  // namespace

bool FusedHnnLoss::supports(DynamicsModelImpl& model) {
  if (model.config().kind != ModelKind::kHnn || model.config().activation != "tanh") return false;
  const auto mlp = energy_mlp(model);
  if (!mlp) return false;
  const auto p = model.parameters();
  return !p.empty() && p.front().device().is_cpu();
}

FusedHnnLoss::FusedHnnLoss(DynamicsModelImpl& model) {
  if (!supports(model))
    throw InvalidInput("the fused HNN loss takes a CPU hnn model with tanh, not " + model.config().describe());
  const auto lins = energy_mlp(model)->linears();
  for (std::size_t l = 0; l + 1 < lins.size(); ++l) {
    weights_.push_back(lins[l]->weight);
    biases_.push_back(lins[l]->bias);
    grad_w_.push_back(torch::zeros_like(lins[l]->weight));
    grad_b_.push_back(torch::zeros_like(lins[l]->bias));
  }
  w_out_ = lins.back()->weight;
  grad_w_out_ = torch::zeros_like(w_out_);
}

void FusedHnnLoss::resize(int64_t batch) {
  if (batch == batch_) return;
  batch_ = batch;
  const auto opts = w_out_.options().requires_grad(false);
  h_.clear(); g_.clear(); d_.clear(); a_.clear(); p_.clear(); t_.clear();
  for (const auto& w : weights_) {
    const int64_t width = w.size(0);
    for (auto* v : {&h_, &g_, &d_, &a_, &p_, &t_}) v->push_back(torch::empty({batch, width}, opts));
  }
  const int64_t n = weights_.front().size(1);
  g0_ = torch::empty({batch, n}, opts);
  a0_ = torch::empty({batch, n}, opts);
  q_ = torch::empty({batch, weights_.back().size(0)}, opts);
}

double FusedHnnLoss::loss_and_gradients(const torch::Tensor& x_in, const torch::Tensor& y_in) {
  torch::NoGradGuard no_grad;
  const auto x = x_in.contiguous(), y = y_in.contiguous();
  if (x.dim() != 2 || x.size(1) != weights_.front().size(1) || y.sizes() != x.sizes())
    throw InvalidInput("fused HNN loss: states and targets must both be [B, " +
                       std::to_string(weights_.front().size(1)) + "]");
  if (x.scalar_type() != w_out_.scalar_type())
    throw InvalidInput("fused HNN loss: data and model dtypes differ");
  resize(x.size(0));
  if (x.scalar_type() == torch::kFloat64) return run<double>(x, y);
  if (x.scalar_type() == torch::kFloat32) return run<float>(x, y);
  throw InvalidInput("fused HNN loss: float32 or float64 only");
}

template <class T>
double FusedHnnLoss::run(const torch::Tensor& x, const torch::Tensor& y) {
    const int64_t B = x.size(0), n = x.size(1), d = n / 2;
    const std::size_t L = weights_.size();
    // Forward: H_l = tanh(H_{l-1} W_l^T + b_l).
    for (std::size_t l = 0; l < L; ++l) {
      torch::mm_out(h_[l], l == 0 ? x : h_[l - 1], weights_[l].t());
      bias_tanh(h_[l].data_ptr<T>(), biases_[l].data_ptr<T>(), B, h_[l].size(1));
    }
    // Input-gradient pass: G_L = w broadcast; D_l = G_l (1 - H_l^2); G_{l-1} = D_l W_l.
    for (std::size_t l = L; l-- > 0;) {
      const int64_t width = h_[l].size(1);
      T* G = g_[l].data_ptr<T>();
      T* D = d_[l].data_ptr<T>();
      const T* H = h_[l].data_ptr<T>();
      if (l == L - 1) {
        const T* w = w_out_.data_ptr<T>();
        for (int64_t r = 0; r < B; ++r)
          std::copy(w, w + width, G + r * width);
      }
#pragma omp simd
      for (int64_t i = 0; i < B * width; ++i) D[i] = G[i] * (T(1) - H[i] * H[i]);
      torch::mm_out(l == 0 ? g0_ : g_[l - 1], d_[l], weights_[l]);
    }
    // Field J G0, loss and its adjoint A0 = dL/dG0.
    const T* G0 = g0_.data_ptr<T>();
    const T* Y = y.data_ptr<T>();
    T* A0 = a0_.data_ptr<T>();
    const T scale = T(2) / static_cast<T>(B * n);
    double loss = 0.0;
    for (int64_t r = 0; r < B; ++r) {
      for (int64_t j = 0; j < d; ++j) {
        const T fq = G0[r * n + d + j] - Y[r * n + j];      // dq/dt = dH/dp
        const T fp = -G0[r * n + j] - Y[r * n + d + j];     // dp/dt = -dH/dq
        loss += static_cast<double>(fq) * fq + static_cast<double>(fp) * fp;
        A0[r * n + d + j] = scale * fq;
        A0[r * n + j] = -scale * fp;
      }
    }
    loss /= static_cast<double>(B * n);
    // Adjoint of the input-gradient pass, layer 1 upwards.
    for (std::size_t l = 0; l < L; ++l) {
      const auto& a_prev = l == 0 ? a0_ : a_[l - 1];
      torch::mm_out(t_[l], a_prev, weights_[l].t());       // dL/dD_l
      torch::mm_out(grad_w_[l], d_[l].t(), a_prev);         // dL/dW_l, first part
      const int64_t m = B * h_[l].size(1);
      const T* dD = t_[l].data_ptr<T>();
      const T* H = h_[l].data_ptr<T>();
      const T* G = g_[l].data_ptr<T>();
      T* A = a_[l].data_ptr<T>();
      T* P = p_[l].data_ptr<T>();
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) {
        A[i] = dD[i] * (T(1) - H[i] * H[i]);          // dL/dG_l
        P[i] = T(-2) * H[i] * (dD[i] * G[i]);         // dL/dH_l through S_l = 1 - H_l^2
      }
    }
    torch::sum_out(grad_w_out_, a_[L - 1], {0}, /*keepdim=*/true);
    // Backward through the forward pass.
    q_.copy_(p_[L - 1]);
    for (std::size_t l = L; l-- > 0;) {
      const int64_t m = B * h_[l].size(1);
      const T* H = h_[l].data_ptr<T>();
      T* Q = q_.data_ptr<T>();
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) Q[i] *= (T(1) - H[i] * H[i]);  // dZ_l
      grad_w_[l].addmm_(q_.t(), l == 0 ? x : h_[l - 1]);
      torch::sum_out(grad_b_[l], q_, {0});
      if (l > 0) {
        q_next_ = torch::addmm(p_[l - 1], q_, weights_[l]);
        std::swap(q_, q_next_);
      }
    }
    for (std::size_t l = 0; l < L; ++l) {
      weights_[l].mutable_grad() = grad_w_[l];
      biases_[l].mutable_grad() = grad_b_[l];
    }
    w_out_.mutable_grad() = grad_w_out_;
    return loss;
}

}  // namespace noether::physics
