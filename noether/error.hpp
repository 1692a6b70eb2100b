// noether/error.hpp: the exception types every noether module throws.
//
//   try { noether::physics::make_system("nope"); }
//   catch (const noether::InvalidInput& e) { std::cerr << e.what() << '\n'; }
//
// Library code never aborts: bad input is InvalidInput, a computation that broke down (NaN state,
// unsolvable orbit, non-convergent solver) is NumericalError, a broken invariant is InternalError.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace noether {

/// Base class of all noether exceptions.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The caller passed something invalid: an unknown name, a bad number, a malformed file.
class InvalidInput : public Error {
 public:
  using Error::Error;
};

/// A computation failed numerically: a non-finite state, a solver that did not converge.
class NumericalError : public Error {
 public:
  using Error::Error;
};

/// A bug in noether: an internal invariant does not hold.
class InternalError : public Error {
 public:
  using Error::Error;
};

namespace detail {
[[noreturn]] inline void throw_internal(const char* file, int line, const std::string& msg) {
  std::ostringstream os;
  os << file << ':' << line << ": internal error: " << msg;
  throw InternalError(os.str());
}
}  // namespace detail

}  // namespace noether

/// Throws noether::InternalError with file:line when `cond` is false.
#define NOETHER_CHECK(cond, msg)                                                 \
  do {                                                                           \
    if (!(cond)) ::noether::detail::throw_internal(__FILE__, __LINE__, (msg));   \
  } while (0)
