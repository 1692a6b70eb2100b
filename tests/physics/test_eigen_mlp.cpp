// The torch-free MLP shared by the HNN rollouts and the n-body kick: one-sample and batched
// paths agree, and the input gradient matches central differences, for every activation.
#include "tests/support/test_common.hpp"

#include "physics/models/eigen_mlp.hpp"

namespace np = noether::physics;

TEST_CASE("EigenMlp: batch equals one sample at a time, gradients equal finite differences", "[physics][eigen_mlp]") {
  using Mlp = np::EigenMlp<double>;
  std::srand(3);
  for (auto act : {np::EigenActivation::kTanh, np::EigenActivation::kRelu, np::EigenActivation::kSoftplus,
                   np::EigenActivation::kSin}) {
    std::vector<Mlp::Matrix> w{Mlp::Matrix::Random(7, 3), Mlp::Matrix::Random(7, 7), Mlp::Matrix::Random(1, 7)};
    std::vector<Mlp::Vec> b{Mlp::Vec::Random(7), Mlp::Vec::Random(7), Mlp::Vec()};
    const Mlp net(w, b, act);
    const int P = 5;
    const Eigen::MatrixXd in = Eigen::MatrixXd::Random(3, P);
    std::vector<double> f(P), g(3 * P), g0(P);
    net.evaluate_batch(in.data(), P, f.data(), g.data());
    net.evaluate_batch(in.data(), P, f.data(), g0.data(), 1);
    for (int p = 0; p < P; ++p) {
      const Eigen::VectorXd x = in.col(p);
      CHECK(f[p] == Approx(net.value(x)).epsilon(1e-13));
      const Eigen::VectorXd grad = net.input_gradient(x);
      const Eigen::VectorXd fd =
          noether::testing::finite_difference_gradient([&](const Eigen::VectorXd& y) { return net.value(y); }, x);
      for (int k = 0; k < 3; ++k) {
        CHECK(g[static_cast<std::size_t>(3 * p + k)] == Approx(grad[k]).epsilon(1e-12).margin(1e-14));
        if (act != np::EigenActivation::kRelu) CHECK(grad[k] == Approx(fd[k]).epsilon(1e-6).margin(1e-8));
      }
      CHECK(g0[static_cast<std::size_t>(p)] == Approx(grad[0]).epsilon(1e-12).margin(1e-14));
    }
  }
  CHECK_THROWS_AS(Mlp({Mlp::Matrix::Random(4, 2), Mlp::Matrix::Random(1, 3)}, {Mlp::Vec(), Mlp::Vec()},
                      np::EigenActivation::kTanh),
                  noether::InvalidInput);
}
