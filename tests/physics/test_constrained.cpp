// Constrained systems (physics/systems/constrained.hpp): the chain pendulum's field keeps its
// constraints at the velocity and acceleration level, one link is the simple pendulum, energy is
// kept, RATTLE holds the chain on its manifold, and bad names are refused.
#include "tests/support/test_common_core.hpp"

#include <cmath>
#include <memory>

#include <Eigen/Dense>

#include "integrators/dop853.hpp"
#include "integrators/rattle.hpp"
#include "physics/systems/constrained.hpp"

namespace np = noether::physics;
namespace ni = noether::integrators;
using Eigen::MatrixXd;
using Eigen::VectorXd;

TEST_CASE("chain pendulum: drawn parameters, states on the manifold, names", "[physics][constrained]") {
  const np::ChainPendulum chain(5, 0);
  REQUIRE(chain.dof() == 10);
  REQUIRE(chain.constraint_count() == 5);
  for (int k = 0; k < 5; ++k) {
    CHECK(chain.masses()[k] >= 0.6);
    CHECK(chain.masses()[k] <= 1.4);
    CHECK(chain.links()[static_cast<std::size_t>(k)].length >= 0.6);
    CHECK(chain.links()[static_cast<std::size_t>(k)].length <= 1.4);
  }
  CHECK(np::ChainPendulum(5, 0).masses() == chain.masses());  // the same seed, the same chain
  CHECK(np::ChainPendulum(5, 1).masses() != chain.masses());
  np::Rng rng(3);
  for (int i = 0; i < 10; ++i) CHECK(chain.constraint_violation(chain.random_state(rng)) < 1e-14);
  CHECK(np::make_system("chain-pendulum")->name() == "chain-pendulum-3");
  CHECK(np::make_system("chain-pendulum-5")->dof() == 10);
  CHECK_THROWS_WITH(np::make_system("chain-pendulum-0"), Catch::Contains("1 to 16"));
  CHECK_THROWS_WITH(np::make_system("chain-pendulum-x"), Catch::Contains("chain-pendulum-N"));
  CHECK_THROWS_WITH(chain.constraint_violation(VectorXd::Zero(3)), Catch::Contains("entries"));
  CHECK_FALSE(chain.on_unit_spheres());
  const np::SphericalPendulum sphere;
  CHECK(sphere.on_unit_spheres());
  CHECK(sphere.constraint_violation(sphere.default_state()) < 1e-15);
  for (int i = 0; i < 10; ++i) CHECK(sphere.constraint_violation(sphere.random_state(rng)) < 1e-15);
}

TEST_CASE("chain pendulum: the field keeps the constraints at the velocity and acceleration level",
          "[physics][constrained]") {
  const np::ChainPendulum chain(3, 0);
  np::Rng rng(7);
  const MatrixXd minv = chain.inverse_mass();
  for (int i = 0; i < 20; ++i) {
    const VectorXd y = chain.random_state(rng);
    const VectorXd f = chain.vector_field(y);
    const VectorXd q = chain.q_of(y), v = f.head(chain.dof()), a = minv * f.tail(chain.dof());
    const MatrixXd g = chain.constraint_jacobian(q);
    CHECK((g * v).cwiseAbs().maxCoeff() < 1e-13);
    // d^2 phi / dt^2 = G a + (dG/dt) v, by central differences of G along v.
    const double h = 1e-6;
    const VectorXd gdot_v = (chain.constraint_jacobian(q + h * v) - chain.constraint_jacobian(q - h * v)) / (2 * h) * v;
    CHECK((g * a + gdot_v).cwiseAbs().maxCoeff() < 1e-7);
    // The constraint force does no work: dH/dt = 0.
    const VectorXd dh = (VectorXd(2 * chain.dof()) << chain.potential_gradient(q), minv * chain.p_of(y)).finished();
    CHECK(std::abs(dh.dot(f)) < 1e-12 * (1.0 + dh.norm() * f.norm()));
  }
}

TEST_CASE("chain pendulum: one link is the simple pendulum, and energy is kept", "[physics][constrained]") {
  const np::ChainPendulum one(1, 2);
  const double l = one.links()[0].length;
  VectorXd y = one.from_angles(VectorXd::Constant(1, 1.2), VectorXd::Constant(1, 0.4));
  ni::AdaptiveOptions tight;
  tight.rtol = 1e-12;
  tight.atol = 1e-13;
  ni::integrate_dop853(y, 0.0, 5.0, [&](double, const VectorXd& s) { return one.vector_field(s); }, tight);
  VectorXd angle(2);  // theta'' = -(g / l) sin theta with g = 1
  angle << 1.2, 0.4;
  ni::integrate_dop853(angle, 0.0, 5.0, [&](double, const VectorXd& s) {
    return (VectorXd(2) << s[1], -std::sin(s[0]) / l).finished();
  }, tight);
  CHECK(y[0] == Approx(l * std::sin(angle[0])).margin(1e-9));
  CHECK(y[1] == Approx(-l * std::cos(angle[0])).margin(1e-9));

  const np::ChainPendulum chain(3, 0);
  np::Rng rng(11);
  VectorXd z = chain.random_state(rng);
  const double e0 = chain.energy_at(z);
  ni::integrate_dop853(z, 0.0, 3.0, [&](double, const VectorXd& s) { return chain.vector_field(s); }, tight);
  CHECK(chain.energy_at(z) == Approx(e0).margin(1e-8));
  CHECK(chain.constraint_violation(z) < 1e-8);
}

TEST_CASE("chain pendulum: RATTLE holds 3 and 5 links on the manifold, project() puts a state back",
          "[physics][constrained]") {
  for (int links : {3, 5}) {
    const np::ChainPendulum chain(links, 0);
    np::Rng rng(5);
    const VectorXd y0 = chain.random_state(rng);
    VectorXd q = chain.q_of(y0), p = chain.p_of(y0);
    const MatrixXd minv = chain.inverse_mass();
    double worst = 0.0;
    for (int i = 0; i < 10000; ++i) {
      ni::rattle_step(
          q, p, 0.01, minv, [&](const VectorXd& x) { return chain.potential_gradient(x); },
          [&](const VectorXd& x) { return chain.constraints(x); }, [&](const VectorXd& x) { return chain.constraint_jacobian(x); });
      worst = std::max(worst, chain.constraint_violation((VectorXd(2 * chain.dof()) << q, p).finished()));
    }
    INFO(links << " links");
    CHECK(worst < 1e-12);
    CHECK(chain.energy(q, p) == Approx(chain.energy_at(y0)).epsilon(1e-2));
  }
  const np::ChainPendulum chain(3, 0);
  np::Rng rng(9);
  VectorXd y = chain.random_state(rng);
  y += 0.01 * VectorXd::Ones(y.size());
  REQUIRE(chain.constraint_violation(y) > 1e-3);
  CHECK(chain.constraint_violation(chain.project(y)) < 1e-13);
}
