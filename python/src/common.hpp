// python/src/common.hpp: what the binding's files share: their registration functions, and long
// C++ work run without the GIL that still stops on Ctrl-C.
#pragma once

#include <chrono>
#include <cstdint>

#include <pybind11/pybind11.h>

namespace noether::python {

namespace py = pybind11;

void bind_molecules(py::module_& m);
void bind_nbody(py::module_& m);
void bind_learned(py::module_& m);

/// Raises Python's pending signal (KeyboardInterrupt on Ctrl-C) as a C++ exception; call with the
/// GIL released: it takes it for the check only.
inline void check_python_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

/// Runs `total` units of work as work(count) calls of about `seconds` each, without the GIL,
/// checking for Ctrl-C between them. work returns false to stop early. The chunk grows from one
/// unit to what fills the interval, so short calls pay nothing and long ones stop within about
/// `seconds`.
template <class Work>
void run_in_chunks(int64_t total, Work&& work, double seconds = 0.1) {
  py::gil_scoped_release release;
  int64_t done = 0, chunk = 1;
  while (done < total) {
    const int64_t n = std::min(chunk, total - done);
    const auto t0 = std::chrono::steady_clock::now();
    if (!work(n)) return;
    done += n;
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (done < total) check_python_signals();
    if (took < seconds / 4) chunk = std::min<int64_t>(chunk * 4, int64_t{1} << 40);
    else if (took > seconds * 4 && chunk > 1) chunk /= 2;
  }
}

}  // namespace noether::python
