// integrators/state.hpp: what a scheme needs to know about its state type.
//
// Every scheme in integrators/ is a template over `State`. A State must be copyable and support
// `a + b`, `a - b` and `s * a` with `s` a double; that covers Eigen vectors and torch::Tensor.
// The adaptive and implicit schemes also measure states through StateTraits<State>:
//
//   double StateTraits<S>::max_abs(const S& x);          // max |x_i| (inf-norm)
//   double StateTraits<S>::error_norm(err, y0, y1, atol, rtol);
//        // RMS of err_i / (atol + rtol * max(|y0_i|, |y1_i|)), Hairer's norm
//   bool   StateTraits<S>::all_finite(const S& x);
//
// The primary template below serves any Eigen dense expression type. physics/torch_state.hpp
// specialises it for torch::Tensor (this header stays free of torch).
#pragma once

#include <cmath>

#include <Eigen/Core>

namespace noether::integrators {

template <class State>
struct StateTraits {
  static double max_abs(const State& x) {
    return x.size() == 0 ? 0.0 : static_cast<double>(x.cwiseAbs().maxCoeff());
  }
  static double error_norm(const State& err, const State& y0, const State& y1, double atol,
                           double rtol) {
    if (err.size() == 0) return 0.0;
    const auto scale = (atol + rtol * y0.cwiseAbs().cwiseMax(y1.cwiseAbs()).array()).eval();
    return std::sqrt((err.array() / scale).square().mean());
  }
  static bool all_finite(const State& x) { return x.allFinite(); }
};

}  // namespace noether::integrators
