#include "nbody/interaction.hpp"

#include "nbody/detail/newtonian.hpp"

namespace noether::nbody {

void NewtonianKick::massive_accelerations(double G, const double* m, const Vec3* x, std::size_t n,
                                          SkippedPairs skip, Vec3* acc) const {
  detail::newtonian_massive(G, m, x, n, skip, acc);
}

Vec3 NewtonianKick::test_particle_acceleration(double G, const double* m, const Vec3* x, std::size_t n,
                                               const Vec3& at, bool skip_central) const {
  return detail::newtonian_test_particle(G, m, x, n, at, skip_central);
}

std::shared_ptr<const InteractionKick> newtonian_kick() {
  static const auto k = std::make_shared<const NewtonianKick>();
  return k;
}

}  // namespace noether::nbody
