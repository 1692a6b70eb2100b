// physics/systems/detail/sampling.hpp: the random draws and constant the analytic systems'
// samplers share (systems.cpp, generalized.cpp).
#pragma once

#include <random>

#include "physics/systems/systems.hpp"

namespace noether::physics::detail {

constexpr double kPi = 3.14159265358979323846;

/// U[lo, hi).
inline double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

/// N(0, sigma^2).
inline double normal(Rng& rng, double sigma) { return std::normal_distribution<double>(0.0, sigma)(rng); }

}  // namespace noether::physics::detail
