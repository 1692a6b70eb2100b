// physics/models/eigen_mlp.hpp: a small MLP on plain floats or doubles with its input gradient
// written out by hand: the torch-free inference path of every learned Hamiltonian (HNN rollouts,
// physics/models/eigen_hamiltonian.hpp; the nbody pair potential, nbody/learned_interaction.hpp).
//
//   EigenMlp<double> f(weights, biases, EigenActivation::kTanh);   // weights[l]: [out x in]
//   double y = f.value(x);                                           // one sample, x [in]
//   const auto& g = f.input_gradient(x);                             // dy/dx [in]
//   f.evaluate_batch(in, P, y, grad);                                // P samples, column-major
//
// Hidden layers apply the activation, the last layer is linear with one output (a scalar
// energy). Header-only and free of torch, so the n-body core links it without LibTorch. One
// sample: a forward pass, then the chain rule back, with the last hidden layer's forward and
// backward products in one pass over 32-row blocks of its weights (the largest matrix is read
// from cache once per evaluation). Many samples: every product as a sum of contiguous weight
// columns scaled by one input (vertical FMAs over the layer width), sample after sample. Both
// agree with torch to round-off (tested). An instance keeps scratch space: share it between
// threads only through evaluate_batch (thread-local scratch).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "noether/error.hpp"

namespace noether::physics {

enum class EigenActivation { kTanh, kRelu, kSoftplus, kSin };

/// "tanh", "relu", "softplus", "sin" -> the activation; throws InvalidInput for another name.
inline EigenActivation parse_eigen_activation(const std::string& name) {
  if (name == "tanh") return EigenActivation::kTanh;
  if (name == "relu") return EigenActivation::kRelu;
  if (name == "softplus") return EigenActivation::kSoftplus;
  if (name == "sin") return EigenActivation::kSin;
  throw InvalidInput("unknown activation '" + name + "'; known: tanh, relu, softplus, sin");
}

/// h = act(z), elementwise, for vectors or matrices of Scalar (h an array expression).
template <class Scalar, class In, class Out>
void eigen_activate(EigenActivation activation, const In& z, Out&& h) {
  switch (activation) {
    case EigenActivation::kTanh:
      if constexpr (std::is_same_v<Scalar, double>) {
        // Eigen vectorises exp but not tanh for doubles; this form is off by a few ulp.
        h = Scalar(1) - Scalar(2) / ((Scalar(2) * z.array()).exp() + Scalar(1));
      } else {
        h = z.array().tanh();
      }
      break;
    case EigenActivation::kRelu: h = z.array().cwiseMax(Scalar(0)); break;
    case EigenActivation::kSoftplus: {
      // softplus(z) = max(z, 0) + log1p(exp(-|z|)), with log1p(u) as log(w) u / (w - 1), w = 1 + u
      // (Kahan's form, exact to a few ulp). Where w rounds to 1 this gives 0 instead of u (< half
      // an ulp of 1): no select, since Eigen 3.4 evaluates select() one scalar at a time (scalar
      // logf calls were a third of a float HOGN rollout). Unlike torch, no threshold at 20 (there
      // the two differ by exp(-20), and the derivative below never had one).
      const auto zz = z.array();
      const auto u = (-zz.abs()).exp().eval();
      const auto w = (u + Scalar(1)).eval();
      h = zz.max(Scalar(0)) + w.log() * u / (w - Scalar(1)).max(std::numeric_limits<Scalar>::min());
      break;
    }
    case EigenActivation::kSin: h = z.array().sin(); break;
  }
}

/// g *= act'(z) elementwise, given h = act(z).
template <class Scalar, class Z, class H, class G>
void eigen_times_derivative(EigenActivation activation, const Z& z, const H& h, G&& g) {
  switch (activation) {
    case EigenActivation::kTanh: g.array() *= Scalar(1) - h.array().square(); break;
    case EigenActivation::kRelu: g.array() *= (z.array() > Scalar(0)).template cast<Scalar>(); break;
    case EigenActivation::kSoftplus: g.array() *= Scalar(1) / (Scalar(1) + (-z.array()).exp()); break;
    case EigenActivation::kSin: g.array() *= z.array().cos(); break;
  }
}

template <class Scalar>
class EigenMlp {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vec = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  EigenMlp() = default;
  /// weights[l] [out_l x in_l] for the hidden layers and the output layer (one row); biases[l]
  /// of size out_l, or size 0 for none. Throws InvalidInput for shapes that do not chain.
  EigenMlp(std::vector<Matrix> weights, std::vector<Vec> biases, EigenActivation activation)
      : weights_(std::move(weights)), biases_(std::move(biases)), activation_(activation) {
    if (weights_.size() < 2) throw InvalidInput("EigenMlp: needs at least one hidden layer and an output layer");
    if (biases_.size() != weights_.size())
      throw InvalidInput("EigenMlp: " + std::to_string(biases_.size()) + " bias vectors for " +
                         std::to_string(weights_.size()) + " layers");
    for (std::size_t l = 0; l < weights_.size(); ++l) {
      if (l > 0 && weights_[l].cols() != weights_[l - 1].rows())
        throw InvalidInput("EigenMlp: layer " + std::to_string(l) + " takes " + std::to_string(weights_[l].cols()) +
                           " inputs, the layer before gives " + std::to_string(weights_[l - 1].rows()));
      if (biases_[l].size() != 0 && biases_[l].size() != weights_[l].rows())
        throw InvalidInput("EigenMlp: layer " + std::to_string(l) + " has " + std::to_string(biases_[l].size()) +
                           " biases for " + std::to_string(weights_[l].rows()) + " outputs");
    }
    if (weights_.back().rows() != 1) throw InvalidInput("EigenMlp: the output layer must have one output");
    for (std::size_t l = 0; l + 1 < weights_.size(); ++l) {
      rows_.push_back(weights_[l]);
      uniform_ = uniform_ && weights_[l].rows() == weights_.front().rows();
    }
    z_.resize(weights_.size());
    h_.resize(weights_.size());
  }

  /// The same network computing in another scalar type (the weights rounded to it).
  template <class To>
  EigenMlp<To> cast() const {
    std::vector<typename EigenMlp<To>::Matrix> w;
    std::vector<typename EigenMlp<To>::Vec> b;
    for (const auto& m : weights_) w.push_back(m.template cast<To>());
    for (const auto& v : biases_) b.push_back(v.template cast<To>());
    return EigenMlp<To>(std::move(w), std::move(b), activation_);
  }

  int inputs() const { return weights_.empty() ? 0 : static_cast<int>(weights_.front().cols()); }
  int hidden_layers() const { return static_cast<int>(weights_.size()) - 1; }
  EigenActivation activation() const { return activation_; }

  /// The output for one sample x [inputs].
  Scalar value(const Vec& x) const {
    const Vec& in = forward_layers(x, weights_.size() - 1);
    Scalar out = weights_.back().row(0).dot(in);
    if (biases_.back().size()) out += biases_.back()[0];
    return out;
  }

  /// d output / d x for one sample, [inputs] (valid until the next call).
  const Vec& input_gradient(const Vec& x) const {
    const std::size_t hidden = weights_.size() - 1;   // >= 1
    const Vec& in = forward_layers(x, hidden - 1);    // every hidden layer but the last
    // The last hidden layer in one pass over its weights, a block of rows at a time: the block's
    // pre-activations, then at once its share of the gradient at the layer's input,
    // sum_i w_out[i] act'(z_i) W[i, :], while the block is still in L1.
    const std::size_t last = hidden - 1;
    const auto& w = rows_[last];
    const Vec& b = biases_[last];
    const auto w_out = weights_.back().row(0);
    const Eigen::Index rows = w.rows();
    constexpr Eigen::Index kBlock = 32;  // 32 rows of 200 floats: 25 KB, fits L1 (8: 18x, 16: 20x, 64: 19x)
    next_.setZero(w.cols());
    Eigen::Matrix<Scalar, kBlock, 1> z, h, s;
    for (Eigen::Index r = 0; r < rows; r += kBlock) {
      const Eigen::Index n = std::min(kBlock, rows - r);
      auto zb = z.head(n);
      auto hb = h.head(n);
      auto sb = s.head(n);
      zb.noalias() = w.middleRows(r, n) * in;
      if (b.size()) zb += b.segment(r, n);
      activate(zb, hb.array());
      sb = w_out.segment(r, n).transpose();
      times_derivative(zb, hb, sb);
      next_.noalias() += w.middleRows(r, n).transpose() * sb;
    }
    g_.swap(next_);
    for (std::size_t l = last; l-- > 0;) {
      times_derivative(z_[l], h_[l], g_);
      next_.noalias() = weights_[l].transpose() * g_;
      g_.swap(next_);
    }
    return g_;
  }

  /// P samples at once: `in` column-major [inputs x P] (sample after sample); writes the outputs
  /// to f[0..P) and, if `grad` is given, d output / d input of the first `grad_inputs` inputs
  /// (all when < 0), column-major [grad_inputs x P].
  void evaluate_batch(const Scalar* in, int P, Scalar* f, Scalar* grad = nullptr, int grad_inputs = -1) const {
    using Map = Eigen::Map<Vec>;
    using CMap = Eigen::Map<const Vec>;
    const int layers = hidden_layers();
    const int H = static_cast<int>(weights_.front().rows());
    if (!uniform_) throw InvalidInput("EigenMlp::evaluate_batch needs hidden layers of one width");
    const bool keep_z = activation_ != EigenActivation::kTanh;  // tanh' comes from tanh itself
    thread_local std::vector<Scalar> buf;
    const std::size_t hp = static_cast<std::size_t>(H) * P;
    const std::size_t blocks = static_cast<std::size_t>(layers) * (keep_z ? 2 : 1) + 2;
    if (buf.size() < hp * blocks) buf.resize(hp * blocks);
    auto act = [&](int l) { return buf.data() + hp * static_cast<std::size_t>(l); };
    auto pre = [&](int l) { return keep_z ? buf.data() + hp * static_cast<std::size_t>(layers + 2 + l) : act(l); };
    for (int l = 0; l < layers; ++l) {
      const auto& Wl = weights_[static_cast<std::size_t>(l)];  // column-major [H x w]
      const int w = static_cast<int>(Wl.cols());
      const Scalar* W = Wl.data();
      const Vec& bl = biases_[static_cast<std::size_t>(l)];
      const Scalar* x = l == 0 ? in : act(l - 1);
      Scalar* z0 = pre(l);
      for (int p = 0; p < P; ++p) {
        Scalar* __restrict a = z0 + static_cast<std::size_t>(p) * H;
        const Scalar* xp = x + static_cast<std::size_t>(p) * w;
        if (bl.size()) {
          for (int o = 0; o < H; ++o) a[o] = bl[o];
        } else {
          for (int o = 0; o < H; ++o) a[o] = Scalar(0);
        }
        for (int k = 0; k < w; ++k) {
          const Scalar xk = xp[k];
          const Scalar* __restrict wk = W + static_cast<std::size_t>(k) * H;
          for (int o = 0; o < H; ++o) a[o] += xk * wk[o];
        }
      }
      Map A(act(l), static_cast<Eigen::Index>(hp));
      activate(Map(z0, static_cast<Eigen::Index>(hp)), A.array());
    }
    const CMap wo(weights_.back().data(), H);  // the output layer's one row, contiguous
    const Scalar bo = biases_.back().size() ? biases_.back()[0] : Scalar(0);
    const Scalar* last = act(layers - 1);
    for (int p = 0; p < P; ++p) f[p] = wo.dot(CMap(last + static_cast<std::size_t>(p) * H, H)) + bo;
    if (!grad) return;
    // Input gradient: g = W_l^T (g_{l+1} * act'(z_l)), with the row-major weights' rows contiguous.
    Scalar* G = act(layers);
    Scalar* Gn = act(layers + 1);
    for (int p = 0; p < P; ++p) Map(G + static_cast<std::size_t>(p) * H, H) = wo;
    for (int l = layers - 1; l >= 0; --l) {
      const auto& Rl = rows_[static_cast<std::size_t>(l)];
      const int w = static_cast<int>(Rl.cols());
      const Scalar* W = Rl.data();
      for (int p = 0; p < P; ++p) {
        const std::size_t off = static_cast<std::size_t>(p) * H;
        Map g(G + off, H);
        times_derivative(CMap(pre(l) + off, H), CMap(act(l) + off, H), g);
        const int wk = l > 0 || grad_inputs < 0 ? w : std::min(grad_inputs, w);  // gradients wanted
        Scalar* __restrict out = l > 0 ? Gn + off : grad + static_cast<std::size_t>(p) * wk;
        for (int k = 0; k < wk; ++k) out[k] = Scalar(0);
        const Scalar* __restrict gp = G + off;
        for (int o = 0; o < H; ++o) {
          const Scalar go = gp[o];
          const Scalar* __restrict row = W + static_cast<std::size_t>(o) * w;
          for (int k = 0; k < wk; ++k) out[k] += go * row[k];
        }
      }
      if (l > 0) std::swap(G, Gn);
    }
  }

  /// The same as evaluate_batch, as matrix products over all P samples (Eigen's blocked GEMM keeps
  /// each weight matrix in cache across samples): faster for wide layers and many samples (a
  /// HOGN's edges), where evaluate_batch streams every weight matrix once per sample.
  void evaluate_gemm(const Scalar* in, int P, Scalar* f, Scalar* grad = nullptr, int grad_inputs = -1) const {
    const int layers = hidden_layers();
    thread_local std::vector<Matrix> z, h;
    thread_local Matrix g, next;
    z.resize(static_cast<std::size_t>(layers));
    h.resize(static_cast<std::size_t>(layers));
    const Eigen::Map<const Matrix> x(in, inputs(), P);
    for (int l = 0; l < layers; ++l) {
      const auto k = static_cast<std::size_t>(l);
      if (l == 0) z[k].noalias() = weights_[k] * x;
      else z[k].noalias() = weights_[k] * h[k - 1];
      if (biases_[k].size()) z[k].colwise() += biases_[k];
      h[k].resize(z[k].rows(), z[k].cols());
      activate(z[k], h[k].array());
    }
    const auto last = static_cast<std::size_t>(layers - 1);
    Eigen::Map<Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> out(f, P);
    out.noalias() = weights_.back() * h[last];
    if (biases_.back().size()) out.array() += biases_.back()[0];
    if (!grad) return;
    g.resize(weights_.back().cols(), P);  // w_out in every column (replicate() costs a division per entry)
    for (int p = 0; p < P; ++p) g.col(p) = weights_.back().row(0).transpose();
    for (int l = layers - 1; l >= 0; --l) {
      const auto k = static_cast<std::size_t>(l);
      times_derivative(z[k], h[k], g);
      if (l > 0) {
        next.noalias() = weights_[k].transpose() * g;
        g.swap(next);
      }
    }
    const int wanted = grad_inputs < 0 ? inputs() : std::min(grad_inputs, inputs());
    Eigen::Map<Matrix>(grad, wanted, P).noalias() = weights_.front().leftCols(wanted).transpose() * g;
  }

 private:
  template <class In, class Out>
  void activate(const In& z, Out&& h) const { eigen_activate<Scalar>(activation_, z, h); }
  template <class Z, class H, class G>
  void times_derivative(const Z& z, const H& h, G&& g) const { eigen_times_derivative<Scalar>(activation_, z, h, g); }
  /// Runs hidden layers 0 .. count-1 (filling z_ and h_) and returns the input of layer `count`.
  const Vec& forward_layers(const Vec& x, std::size_t count) const {
    if (x.size() != inputs())
      throw InvalidInput("EigenMlp: input has " + std::to_string(x.size()) + " entries; expected " +
                         std::to_string(inputs()));
    const Vec* in = &x;
    for (std::size_t l = 0; l < count; ++l) {
      z_[l].noalias() = weights_[l] * *in;
      if (biases_[l].size()) z_[l] += biases_[l];
      h_[l].resize(z_[l].size());
      activate(z_[l], h_[l].array());
      in = &h_[l];
    }
    return *in;
  }

  std::vector<Matrix> weights_;  ///< layer l: [out, in], column-major
  std::vector<Vec> biases_;      ///< zero-size: no bias
  /// The hidden layers' weights again, row-major: a block of rows (one-sample gradient) or one
  /// row (batch gradient) is then contiguous.
  std::vector<RowMatrix> rows_;
  EigenActivation activation_ = EigenActivation::kTanh;
  bool uniform_ = true;  ///< every hidden layer has the same width (evaluate_batch's layout)
  mutable std::vector<Vec> z_, h_;
  mutable Vec g_, next_;
};

}  // namespace noether::physics
