// physics/systems/noisy.hpp: the variational-integrator-network paper's systems (Saemundsson et
// al. 2020), observed in phase space with noise of standard deviation 0.33 (issue 17).
//
//   auto sys = noether::physics::make_system("pendulum-noisy");
//   auto data = generate_dataset(*sys, sys->protocol(), 0);   // noisy (q, p) samples every 0.1
//
// pendulum-noisy: m = l = 1, g = 9.82, H = p^2 / 2 + g (1 - cos q); starts q0 = +-(pi - U[0.1,
//   pi/2]) (high swings, some over the top), dq/dt ~ U[-1, 1].
// spring-noisy: m = 1, k = 2, H = p^2 / 2 + q^2; starts q0 = +-U[1, 1.5], dq/dt ~ U[-0.5, 0.5].
// Protocol of both: 50 trajectories (half held out) of 101 samples on [0, 10] (dt 0.1), truth by
// DOP853 at rtol 1e-12, Gaussian noise 0.33 on every coordinate.
#pragma once

#include "physics/systems/systems.hpp"

namespace noether::physics {

class NoisyPendulum : public System {
 public:
  static constexpr double kGravity = 9.82;
  std::string name() const override { return "pendulum-noisy"; }
  std::string description() const override;
  int dof() const override { return 1; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

class NoisySpring : public System {
 public:
  std::string name() const override { return "spring-noisy"; }
  std::string description() const override;
  int dof() const override { return 1; }
  bool separable() const override { return true; }
  double energy(const Vector& q, const Vector& p) const override;
  Vector dH_dq(const Vector& q, const Vector& p) const override;
  Vector dH_dp(const Vector& q, const Vector& p) const override;
  Vector default_state() const override;
  Vector random_state(Rng& rng) const override;
  DataProtocol protocol() const override;
};

}  // namespace noether::physics
