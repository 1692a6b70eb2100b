#include "physics/learning/densities.hpp"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

#include "noether/enum_names.hpp"
#include "noether/error.hpp"

namespace noether::physics {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr int kComponents = 8;
constexpr double kMixtureRadius = 2.0, kMixtureStd = 0.2;
}  // namespace

constexpr EnumName<Density> kDensities[] = {
    {Density::kTwoMoons, "two-moons"}, {Density::kRings, "rings"}, {Density::kGaussianMixture, "gaussian-mixture"}};

const char* density_name(Density d) { return enum_name(kDensities, d); }
Density parse_density(const std::string& name) { return parse_enum(kDensities, name, "density"); }

torch::Tensor sample_density(Density d, int64_t n, uint64_t seed) {
  if (n < 1) throw InvalidInput("sample_density: n = " + std::to_string(n) + " must be >= 1");
  auto gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto which = torch::randint(0, d == Density::kGaussianMixture ? kComponents : 2, {n}, gen, torch::kLong);
  const auto noise = torch::randn({n, 2}, gen, opts);
  switch (d) {
    case Density::kTwoMoons: {
      const auto t = torch::rand({n}, gen, opts) * kPi;
      const auto upper = torch::stack({torch::cos(t), torch::sin(t)}, 1);
      const auto lower = torch::stack({1.0 - torch::cos(t), 0.5 - torch::sin(t)}, 1);
      const auto pick = (which == 0).unsqueeze(1);
      return torch::where(pick, upper, lower) + 0.1 * noise - torch::tensor({0.5, 0.25}, opts);
    }
    case Density::kRings: {
      const auto t = torch::rand({n}, gen, opts) * (2.0 * kPi);
      const auto r = (which + 1).to(torch::kFloat64) + 0.1 * noise.select(1, 0);
      return torch::stack({r * torch::cos(t), r * torch::sin(t)}, 1);
    }
    case Density::kGaussianMixture: {
      const auto angle = which.to(torch::kFloat64) * (2.0 * kPi / kComponents);
      return kMixtureRadius * torch::stack({torch::cos(angle), torch::sin(angle)}, 1) + kMixtureStd * noise;
    }
  }
  return {};
}

torch::Tensor density_log_prob(Density d, const torch::Tensor& x) {
  if (d != Density::kGaussianMixture)
    throw InvalidInput(std::string("the density '") + density_name(d) + "' has no closed-form log density");
  const auto opts = x.options();
  const auto angle = torch::arange(kComponents, opts) * (2.0 * kPi / kComponents);
  const auto centres = kMixtureRadius * torch::stack({torch::cos(angle), torch::sin(angle)}, 1);  // [K, 2]
  const auto d2 = (x.unsqueeze(1) - centres.unsqueeze(0)).pow(2).sum(-1);                          // [B, K]
  const double log_norm = -std::log(2.0 * kPi * kMixtureStd * kMixtureStd) - std::log(double(kComponents));
  return torch::logsumexp(-0.5 * d2 / (kMixtureStd * kMixtureStd), 1) + log_norm;
}

}  // namespace noether::physics
