// apps/threads.hpp: --threads for the commands that train or run a torch model.
//
//   set_threads(a.threads);   // 0: torch's and the BLAS library's defaults
#pragma once

#include <ATen/Parallel.h>

#include "noether/blas_threads.hpp"

namespace noether::apps {

/// threads > 0: torch's intra-op threads and the BLAS library's both `threads` (Debian's LibTorch
/// does not pass its count on to libblas.so.3: noether/blas_threads.hpp); 0 leaves both as they are.
inline void set_threads(int threads) {
  if (threads <= 0) return;
  at::set_num_threads(threads);
  set_blas_threads(threads);
}

}  // namespace noether::apps
