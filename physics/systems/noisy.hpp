// physics/systems/noisy.hpp: the variational-integrator-network paper's systems (Saemundsson et
// al. 2020), observed in phase space with noise of standard deviation 0.33 (issue 17).
//
//   auto sys = noether::physics::make_system("pendulum-noisy");
//   auto data = generate_dataset(*sys, sys->protocol(), 0);   // noisy (q, p) samples every 0.1
//
// pendulum-noisy: m = l = 1, g = 9.82, H = p^2 / 2 + g (1 - cos q).
// spring-noisy: m = 1, k = 2, H = p^2 / 2 + q^2.
// Protocol of both (the VIN paper's): one trajectory of 151 samples on [0, 15] (dt 0.1) from the
// default state (pendulum q = 2.5, dq/dt = 0.5: a wide anharmonic swing; spring q = 1.2, dq/dt =
// 0.3) observed with Gaussian noise 0.33 on every coordinate, and a second, differently noisy one
// held out; the truth by DOP853 at rtol 1e-12. The test forecasts 10 s from the noiseless start
// (`evaluate --fixed-start`); evaluate's random starts draw from the paper's start distributions:
// pendulum q0 = +-(pi - U[0.1, pi/2]), dq/dt ~ U[-1, 1]; spring q0 = +-U[1, 1.5], dq/dt ~
// U[-0.5, 0.5].
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
