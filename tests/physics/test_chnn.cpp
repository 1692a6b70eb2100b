// The constrained Hamiltonian network (physics/models/constrained.hpp): for random weights its
// projected field keeps the constraints and their velocity form and conserves its own H; its
// mass matrix is positive definite; bad configurations are refused.
#include "tests/support/test_common.hpp"

#include <memory>

#include "physics/learning/dataset.hpp"
#include "physics/learning/evaluation.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/constrained.hpp"
#include "physics/models/model.hpp"
#include "physics/systems/constrained.hpp"

namespace np = noether::physics;

namespace {

std::shared_ptr<np::ChnnImpl> chnn_for(const np::ConstrainedSystem& system, uint64_t seed) {
  np::ModelConfig c;
  c.kind = np::ModelKind::kChnn;
  c.constraints = system.name();
  c.dof = system.dof();
  c.hidden = 32;
  torch::manual_seed(seed);
  auto model = std::dynamic_pointer_cast<np::ChnnImpl>(np::make_model(c));
  REQUIRE(model);
  model->to(torch::kFloat64);
  // A mass matrix away from the identity, so the velocity constraints depend on it, and a
  // potential that is not flat (its last layer starts at zero).
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {
    if (p.key() == "mass_factor") p.value().add_(0.3 * torch::randn_like(p.value()));
    if (p.key().rfind("potential.", 0) == 0) p.value().add_(0.3 * torch::randn_like(p.value()));
  }
  return model;
}

torch::Tensor states_on(const np::ConstrainedSystem& system, int count, uint64_t seed) {
  np::Rng rng(seed);
  auto z = torch::empty({count, 2 * system.dof()}, torch::kFloat64);
  for (int i = 0; i < count; ++i) {
    const np::Vector y = system.random_state(rng);
    for (int64_t j = 0; j < y.size(); ++j) z[i][j] = y[j];
  }
  return z;
}

}  // namespace

TEST_CASE("CHNN: the projected field keeps the constraints and conserves H for random weights",
          "[physics][chnn][models]") {
  const np::ChainPendulum chain(3, 0);
  const np::SphericalPendulum sphere;
  for (const np::ConstrainedSystem* system : {static_cast<const np::ConstrainedSystem*>(&chain),
                                              static_cast<const np::ConstrainedSystem*>(&sphere)}) {
    auto model = chnn_for(*system, 5);
    // Positions on the manifold; momenta made to satisfy the learned model's velocity form
    // G M^-1 p = 0 by projecting with its M^-1 (the model's own manifold).
    auto z = states_on(*system, 16, 3);
    const int64_t d = system->dof();
    {
      torch::NoGradGuard no_grad;
      const auto dphi = model->constraint_gradients(z);
      const int64_t m = dphi.size(2) / 2;
      const auto a = dphi.narrow(2, m, m).narrow(1, d, d);  // d(G M^-1 p)/dp = (G M^-1)^T [B, d, m]
      const auto p = z.narrow(1, d, d);
      // p <- p - a (a^T a)^-1 a^T p: G M^-1 p = a^T p = 0 afterwards.
      const auto coef = torch::linalg_solve(torch::bmm(a.transpose(1, 2), a), torch::bmm(a.transpose(1, 2), p.unsqueeze(-1)));
      z.narrow(1, d, d).sub_(torch::bmm(a, coef).squeeze(-1));
    }
    const auto f = model->time_derivative(z, false);
    INFO(system->name());
    CHECK(model->structure_residual(z).max().item<double>() < 1e-10);
    const auto g = model->energy_gradient_at(z, false);
    CHECK((g * f).sum(1).abs().max().item<double>() < 1e-10 * (1.0 + g.abs().max().item<double>() * f.abs().max().item<double>()));
    // Not vacuous: the unprojected Hamiltonian field breaks the velocity constraints.
    const auto jg = torch::cat({g.narrow(1, d, d), -g.narrow(1, 0, d)}, 1);
    const auto dphi = model->constraint_gradients(z);
    CHECK(torch::bmm(dphi.transpose(1, 2), jg.unsqueeze(-1)).abs().max().item<double>() > 1e-3);
  }
}

TEST_CASE("CHNN: a positive-definite learned mass, and its configuration checked", "[physics][chnn][models]") {
  const np::ChainPendulum chain(3, 0);
  auto model = chnn_for(chain, 9);
  const auto minv = model->inverse_mass();
  CHECK((minv - minv.t()).abs().max().item<double>() == 0.0);
  CHECK(torch::linalg_eigvalsh(minv).min().item<double>() >= np::ChnnImpl::kEpsilon * 0.999);

  np::ModelConfig c;
  c.kind = np::ModelKind::kChnn;
  c.dof = 6;
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("needs the constrained system"));
  c.constraints = "pendulum";
  CHECK_THROWS_WITH(np::make_model(c), Catch::Contains("has none"));
  c.constraints = "chain-pendulum-3";
  c.dof = 4;
  CHECK_THROWS_WITH(np::make_model(c), Catch::Contains("needs dof = 6"));
  np::ModelConfig h;
  h.kind = np::ModelKind::kHnn;
  h.constraints = "chain-pendulum-3";
  CHECK_THROWS_WITH(h.validate(), Catch::Contains("takes no constraints"));
  // The constrained-HNN papers call the unstructured baseline the ODE-net.
  CHECK(np::parse_model_kind("odenet") == np::ModelKind::kBaseline);
}

TEST_CASE("CHNN: a new run starts at the data's masses, from its trajectories alone", "[physics][chnn][models]") {
  // The gyroscope's points weigh 0.19 each (M^{-1} = 5.25), the rotor's 0.25, a chain's 0.6 to 1.4.
  for (const char* name : {"gyroscope", "rotor", "chain-pendulum-3"}) {
    INFO(name);
    const auto system = np::make_system(name);
    const auto& constrained = dynamic_cast<const np::ConstrainedSystem&>(*system);
    auto protocol = system->protocol();
    protocol.trajectories = 6;
    const auto data = np::generate_dataset(*system, protocol, 0);
    np::ModelConfig c;
    c.kind = np::ModelKind::kChnn;
    c.constraints = name;
    c.dof = system->dof();
    c.hidden = 8;
    np::TrainOptions o;
    o.dtype = torch::kFloat64;
    const auto run = np::new_run(c, o, data);
    const auto minv = dynamic_cast<np::ChnnImpl&>(*run.model).inverse_mass();
    for (int b = 0; b < constrained.bodies(); ++b) {
      // Central differences over the protocol's spacing: within a few per cent.
      CHECK(minv[b][b].item<double>() == Approx(1.0 / constrained.masses()[b]).epsilon(0.03));
      for (int j = 0; j < b; ++j) CHECK(minv[b][j].item<double>() == 0.0);
    }
  }
}

TEST_CASE("CHNN: a new model exerts no forces: bodies start in free motion", "[physics][chnn][models]") {
  const np::ChainPendulum chain(3, 0);
  np::ModelConfig c;
  c.kind = np::ModelKind::kChnn;
  c.constraints = chain.name();
  c.dof = chain.dof();
  c.hidden = 32;
  torch::manual_seed(1);
  auto model = std::dynamic_pointer_cast<np::ChnnImpl>(np::make_model(c));
  REQUIRE(model);
  model->to(torch::kFloat64);
  const auto z = states_on(chain, 8, 4);
  const int64_t d = chain.dof();
  // H is the kinetic energy alone, up to one constant: dH/dx = 0 everywhere.
  const auto g = model->energy_gradient_at(z, false);
  CHECK(g.narrow(1, 0, d).abs().max().item<double>() == 0.0);
  const auto p = z.narrow(1, d, d).reshape({8, 3, 2});
  const auto kinetic = 0.5 * torch::einsum("bid,ij,bjd->b", {p, model->inverse_mass(), p});
  const auto h = model->energy(z);
  CHECK(((h - kinetic) - (h - kinetic)[0]).abs().max().item<double>() < 1e-12);
  // The chain's own potential is not flat: the test is not vacuous.
  np::Rng rng(2);
  CHECK(chain.potential_gradient(chain.random_state(rng).head(d)).norm() > 1e-3);
}

TEST_CASE("CHNN rollouts by RATTLE or with projection stay on the constraints to round-off",
          "[physics][chnn][models]") {
  const np::ChainPendulum chain(3, 0);
  auto protocol = chain.protocol();
  protocol.trajectories = 4;
  const auto data = np::generate_dataset(chain, protocol, 0);
  for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
    auto model = chnn_for(chain, 11);  // random V and M: a field far from the truth's
    model->to(dtype);
    INFO((dtype == torch::kFloat64 ? "double" : "float"));
    np::EvaluationOptions o;
    o.starts = 3;
    o.points = 41;
    o.t1 = 2.0;
    const auto plain = np::evaluate(*model, chain, data, o);
    o.project = true;
    const auto projected = np::evaluate(*model, chain, data, o);
    o.project = false;
    o.integrator = noether::integrators::Scheme::kRattle;
    const auto rattle = np::evaluate(*model, chain, data, o);
    CHECK(plain.constraint_drift > 1e-9);  // RK4 of the projected field drifts by its error
    CHECK(projected.constraint_drift < 1e-12);
    CHECK(rattle.constraint_drift < 1e-12);
    // RATTLE is second order where RK4 is fourth: the two rollouts of the same field agree to
    // its error, not exactly (the comparison is not vacuous).
    CHECK(rattle.geometric_mean_relative_error == Approx(projected.geometric_mean_relative_error).epsilon(0.2));
    CHECK(rattle.geometric_mean_relative_error != projected.geometric_mean_relative_error);
  }
  // Only a CHNN has the mass and constraint graph they need; rattle keeps the constraints itself.
  np::ModelConfig c;
  c.kind = np::ModelKind::kHnn;
  c.dof = chain.dof();
  c.hidden = 8;
  auto hnn = np::make_model(c);
  np::EvaluationOptions o;
  o.starts = 1;
  o.points = 3;
  o.t1 = 0.1;
  o.integrator = noether::integrators::Scheme::kRattle;
  CHECK_THROWS_WITH(np::evaluate(*hnn, chain, data, o), Catch::Contains("needs a constrained HNN"));
  o.project = true;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("keeps the constraints itself"));
}
