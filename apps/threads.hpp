// apps/threads.hpp: --threads for the commands that train or run a torch model.
//
//   set_threads(a.threads);   // 0: torch's and the BLAS library's defaults
#pragma once

#include <ATen/Parallel.h>

#include "noether/blas_threads.hpp"

namespace noether::apps {

/// threads > 0: torch's intra-op threads `threads`, and the BLAS library single-threaded (Debian's
/// LibTorch does not pass its count on to libblas.so.3: noether/blas_threads.hpp). Two pools of N
/// threads on N cores oversubscribe them: on the 2-core VM, `--threads 2` with both at 2 took
/// 66 ms a pixel-HNN step, 17.5 ms an HNN step (two-body) and 33 s for 100 HOGN steps, against
/// 28 ms, 6.0 ms and 21 s with BLAS at 1 (and 25 ms, 8.4 ms, 34 s with torch at 1 and BLAS at 2).
/// 0 leaves both as they are.
inline void set_threads(int threads) {
  if (threads <= 0) return;
  at::set_num_threads(threads);
  set_blas_threads(1);
}

}  // namespace noether::apps
