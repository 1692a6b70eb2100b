// physics/learning/densities.hpp: the 2-D densities that normalising flows are compared on
// (issue 18): two moons, rings and a mixture of Gaussians, as seeded samples.
//
//   torch::Tensor x = sample_density(Density::kTwoMoons, 10000, /*seed=*/0);   // [N, 2] float64
//   torch::Tensor lp = density_log_prob(Density::kGaussianMixture, x);         // exact where known
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "noether/json_codec.hpp"

namespace noether::physics {

/// kTwoMoons: two interleaved half circles of radius 1 ((cos t, sin t) and (1 - cos t, 1/2 - sin t),
/// t ~ U[0, pi]) with N(0, 0.1^2) noise, shifted to centre (1/2, 1/4) at the origin.
/// kRings: two circles of radius 1 and 2 (equal shares) with N(0, 0.1^2) radial noise.
/// kGaussianMixture: 8 equal Gaussians of standard deviation 0.2 on a circle of radius 2.
enum class Density { kTwoMoons, kRings, kGaussianMixture };
/// "two-moons", "rings", "gaussian-mixture".
const char* density_name(Density d);
/// InvalidInput "unknown density ...; known: ..." for another name.
Density parse_density(const std::string& name);
NOETHER_JSON_ENUM(Density, density_name, parse_density)

/// n samples [n, 2] float64, the same for the same seed.
torch::Tensor sample_density(Density d, int64_t n, uint64_t seed);

/// The exact log density at x [B, 2] for kGaussianMixture; InvalidInput for the others (their
/// normalising constant has no closed form).
torch::Tensor density_log_prob(Density d, const torch::Tensor& x);

}  // namespace noether::physics
