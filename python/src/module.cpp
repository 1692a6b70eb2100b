// python/src/module.cpp: the `noether._noether` extension module (issue 19). The package's
// __init__.py imports torch first (whose library this module shares) and wraps what is here.
//
// Errors cross as Python exceptions with the C++ message: InvalidInput as noether.InvalidInput (a
// ValueError), NumericalError as noether.NumericalError (a RuntimeError), a stop on request as
// KeyboardInterrupt.
//
// Importing the module keeps freed memory with the process (noether/allocator.hpp), as the
// command line does: LibTorch reallocates the same large tensors at every step, and glibc's
// defaults made `noether.conform` 3x slower than `noether conform`. NOETHER_KEEP_FREED_MEMORY=0
// in the environment leaves the host process's malloc settings alone.
#include <cstdlib>
#include <cstring>
#include <exception>

#include <pybind11/pybind11.h>

#include "noether/allocator.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "python/src/common.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_noether, m) {
  m.doc() = "noether's C++ core: conformers, planetary systems, learned Hamiltonians (use the `noether` package)";
  static py::exception<noether::InvalidInput> invalid(m, "InvalidInput", PyExc_ValueError);
  static py::exception<noether::NumericalError> numerical(m, "NumericalError", PyExc_RuntimeError);
  invalid.doc() = "Bad input: an unknown name, a bad number, a malformed file or molecule (a ValueError).";
  numerical.doc() = "A computation broke down: a non-finite state, an orbit the solver cannot follow (a RuntimeError).";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const noether::InvalidInput& e) {
      PyErr_SetString(invalid.ptr(), e.what());
    } catch (const noether::NumericalError& e) {
      PyErr_SetString(numerical.ptr(), e.what());
    } catch (const noether::Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const noether::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  const char* keep = std::getenv("NOETHER_KEEP_FREED_MEMORY");
  const bool kept = !(keep && std::strcmp(keep, "0") == 0);
  if (kept) noether::keep_freed_memory();
  m.attr("keeps_freed_memory") = kept;
  noether::python::bind_molecules(m);
  noether::python::bind_nbody(m);
  noether::python::bind_learned(m);
}
