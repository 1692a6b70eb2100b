// noether/allocator.hpp: glibc malloc settings that suit LibTorch's CPU work.
//
//   int main() { noether::keep_freed_memory(); ... }   // once, before the work (the CLI does)
//
// glibc's defaults hand blocks over 128 KB back to the kernel as soon as they are freed (mmap /
// munmap) and trim the heap's top above 128 KB. LibTorch frees and reallocates the same large
// tensors at every step of a relaxation, a rollout or a training loop, so every step paid page
// faults and the zeroing of fresh pages again. Measured on the 2-core VM (docs/benchmarks.md):
// `noether conform` of 2100 drug-like molecules on one thread 9.5-12 s -> 3.7 s, and 40 steps of
// `noether train-graph` 12.5 s -> 3.0 s, for about 3% more peak memory. A process-wide setting, so
// the library never makes it on its own: programs (and the Python module) call this.
#pragma once

#include <malloc.h>

namespace noether {

/// Freed memory stays with the process for reuse: blocks up to 32 MB (glibc's largest allowed
/// threshold) come from the heap, and its top is returned to the kernel only above 256 MB (64 MB
/// kept as padding). glibc only; a no-op elsewhere.
inline void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace noether
