#include "nbody/kepler.hpp"

#include <sstream>

#include "noether/error.hpp"

namespace noether::nbody::detail {

void kepler_failure(const char* why, double mu, const Vec3& r, const Vec3& v, double dt) {
  std::ostringstream os;
  os.precision(17);
  os << "Kepler drift failed (" << why << ") for the orbit mu = " << mu << ", r = (" << r.x << ", "
     << r.y << ", " << r.z << "), v = (" << v.x << ", " << v.y << ", " << v.z << "), dt = " << dt;
  throw NumericalError(os.str());
}

}  // namespace noether::nbody::detail
