// tests/support/test_common_core.hpp: Catch2 and the numerical helpers, without LibTorch.
//
// For tests of the torch-free core (integrators on Eigen states, the Wisdom-Holman core of nbody/),
// which the sanitizer build (NOETHER_SANITIZE, `ctest -L sanitize`) compiles without LibTorch. A
// test that includes any torch header includes tests/support/test_common.hpp instead: LibTorch
// has to come before Catch2 (glog's CHECK).
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <utility>
#include <vector>

#include <Eigen/Dense>

namespace noether::testing {

/// Least-squares slope of log(err) against log(h): the measured convergence order.
inline double fitted_order(const std::vector<double>& h, const std::vector<double>& err) {
  double mx = 0, my = 0;
  const double n = static_cast<double>(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    mx += std::log(h[i]) / n;
    my += std::log(err[i]) / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double dx = std::log(h[i]) - mx;
    sxy += dx * (std::log(err[i]) - my);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

/// Central finite-difference gradient of a scalar function of an Eigen vector.
template <class F>
Eigen::VectorXd finite_difference_gradient(F&& f, const Eigen::VectorXd& x, double h = 1e-6) {
  Eigen::VectorXd g(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    Eigen::VectorXd xp = x, xm = x;
    xp[i] += h;
    xm[i] -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

}  // namespace noether::testing
