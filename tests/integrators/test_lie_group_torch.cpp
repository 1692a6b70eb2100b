// The Lie-group schemes on torch batches (physics/torch_lie.hpp): the same steps as on Eigen
// vectors, and gradients through a rollout equal to finite differences.
#include "tests/support/test_common.hpp"

#include <vector>

#include "integrators/lie_group.hpp"
#include "physics/torch_lie.hpp"

namespace ni = noether::integrators;
using Eigen::Vector3d;
using Eigen::VectorXd;

namespace {

constexpr double kG = 9.81;

/// Two spherical pendula on T*S^2 under gravity; y [B, 12].
torch::Tensor generator(const torch::Tensor& y) {
  std::vector<torch::Tensor> gq, gp;
  for (int i = 0; i < 2; ++i) {
    gq.push_back(torch::tensor({0.0, 0.0, kG}, y.options()).expand({y.size(0), 3}));
    gp.push_back(y.narrow(1, 6 * i + 3, 3));
  }
  return ni::sphere_generator(y, torch::cat(gq, 1), torch::cat(gp, 1));
}

VectorXd generator(const VectorXd& y) {
  VectorXd gq = VectorXd::Zero(6), gp(6);
  for (int i = 0; i < 2; ++i) {
    gq[3 * i + 2] = kG;
    gp.segment<3>(3 * i) = y.segment<3>(6 * i + 3);
  }
  return ni::sphere_generator(y, gq, gp);
}

torch::Tensor starts() {
  std::vector<double> rows;
  for (int b = 0; b < 3; ++b)
    for (int i = 0; i < 2; ++i) {
      const Vector3d q = Vector3d(1.0, 0.2 * b + 0.3 * i, -0.5).normalized();
      const Vector3d v(0.1 * i - 0.2 * b, 1.0, 0.3);
      const Vector3d p = v - q.dot(v) * q;
      rows.insert(rows.end(), {q[0], q[1], q[2], p[0], p[1], p[2]});
    }
  return torch::tensor(rows, torch::kFloat64).reshape({3, 12});
}

const ni::Scheme kAll[] = {ni::Scheme::kLieEuler, ni::Scheme::kRkmk4, ni::Scheme::kCf4};

}  // namespace

TEST_CASE("Lie-group schemes step torch batches exactly as Eigen vectors", "[integrators][lie][torch]") {
  const ni::SphereBundle space(2);
  for (auto scheme : kAll) {
    auto y = starts();
    for (int k = 0; k < 50; ++k) ni::lie_step(scheme, space, y, 0.0, 0.02, [](double, const torch::Tensor& s) { return generator(s); });
    const auto y0 = starts();
    for (int64_t b = 0; b < y0.size(0); ++b) {
      const auto row = y0[b].contiguous();
      VectorXd e = Eigen::Map<const VectorXd>(row.data_ptr<double>(), 12);
      for (int k = 0; k < 50; ++k) ni::lie_step(scheme, space, e, 0.0, 0.02, [](double, const VectorXd& s) { return generator(s); });
      for (int j = 0; j < 12; ++j) CHECK(y[b][j].item<double>() == Approx(e[j]).margin(1e-13));
    }
  }
  // The rotations of a frame as well: SO(3) turning three columns, one angular velocity.
  const ni::Rotations frame({0, 0, 0});
  auto r = torch::eye(3, torch::kFloat64).reshape({1, 9});
  const auto spin = torch::tensor({{0.0, 0.0, 0.5}}, torch::kFloat64);
  ni::cf4_step(frame, r, 0.0, M_PI, [&](double, const torch::Tensor&) { return spin; });  // a quarter turn about z
  const auto turned = torch::tensor({{0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0}}, torch::kFloat64);
  CHECK((r - turned).abs().max().item<double>() < 1e-15);
}

TEST_CASE("gradients through Lie-group rollouts equal finite differences", "[integrators][lie][torch]") {
  const ni::SphereBundle space(2);
  auto final_height = [&](ni::Scheme scheme, const torch::Tensor& y0) {
    auto y = y0;
    for (int k = 0; k < 20; ++k) ni::lie_step(scheme, space, y, 0.0, 0.05, [](double, const torch::Tensor& s) { return generator(s); });
    return (y.select(1, 2) + 0.5 * y.select(1, 8) + y.select(1, 4) * y.select(1, 10)).sum();
  };
  for (auto scheme : kAll) {
    const auto y0 = starts().requires_grad_(true);
    const auto grad = torch::autograd::grad({final_height(scheme, y0)}, {y0})[0];
    REQUIRE(torch::isfinite(grad).all().item<bool>());
    torch::NoGradGuard no_grad;
    const double h = 1e-6;
    for (int j : {0, 3, 4, 8, 11}) {
      auto up = starts(), down = starts();
      up[1][j] += h;
      down[1][j] -= h;
      const double fd = (final_height(scheme, up).item<double>() - final_height(scheme, down).item<double>()) / (2 * h);
      CHECK(grad[1][j].item<double>() == Approx(fd).epsilon(1e-6).margin(1e-8));
    }
  }
  // At rest at the bottom the generator is zero: the series branch, with finite gradients.
  auto rest = torch::zeros({1, 12}, torch::kFloat64);
  rest[0][2] = -1.0;
  rest[0][8] = -1.0;
  rest.requires_grad_(true);
  const auto g = torch::autograd::grad({final_height(ni::Scheme::kCf4, rest)}, {rest})[0];
  CHECK(torch::isfinite(g).all().item<bool>());
}
