// noether/blas_threads.hpp: the thread count of the BLAS library torch multiplies through.
//
//   noether::set_blas_threads(1);   // OpenBLAS or BLIS, whichever provides libblas.so.3
//
// Debian's LibTorch calls the system's libblas.so.3 and does not pass its own thread count on:
// OpenBLAS starts one thread per core and spins them between calls, so a run told to use one
// thread used two (measured: `noether conform --threads 1` spent a sixth of its time in the
// spinning threads' sched_yield). A library without either entry point is left as it is.
#pragma once

#include <dlfcn.h>

#include <cstdint>

namespace noether {

/// The BLAS library's thread count (0 when it has no such entry point).
inline int blas_threads() {
  if (auto* openblas = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) return openblas();
  if (auto* blis = reinterpret_cast<int64_t (*)()>(dlsym(RTLD_DEFAULT, "bli_thread_get_num_threads")))
    return static_cast<int>(blis());
  return 0;
}

inline void set_blas_threads(int threads) {
  if (auto* openblas = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    openblas(threads);
  if (auto* blis = reinterpret_cast<void (*)(int64_t)>(dlsym(RTLD_DEFAULT, "bli_thread_set_num_threads")))
    blis(threads);
}

/// Sets the BLAS thread count for a scope and restores it after: worker threads of our own that
/// each call BLAS want it single-threaded (OpenBLAS's one thread pool serves one call at a time).
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int threads) : before_(blas_threads()) {
    if (before_ > 0) set_blas_threads(threads);
  }
  ~ScopedBlasThreads() {
    if (before_ > 0) set_blas_threads(before_);
  }
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int before_;
};

}  // namespace noether
