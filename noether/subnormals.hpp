// noether/subnormals.hpp: subnormal floats flushed to zero, a setting that suits LibTorch's CPU work.
//
//   int main() { noether::flush_subnormals(); ... }   // once, before any thread starts (the CLI does)
//
// Products of small weights and saturated activations' derivatives fall below the normal range in
// long training runs (under 1.2e-38 in float32), and every such operand costs the CPU a microcode
// assist: a GHNN step with the authors' squared ICNN weights grew from 1.4 to 12 s, 91% of it in
// OpenBLAS's sgemm (docs/benchmarks.md, issue 16, session 24). The setting is per thread and
// inherited by the threads a thread starts, so programs make it first thing; the library and the
// Python module never do (it would change their caller's own arithmetic).
#pragma once

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace noether {

/// Flush subnormal results and operands to zero in this thread and the threads it starts after:
/// the SSE control register's flush-to-zero and denormals-are-zero bits, as LibTorch's
/// setFlushDenormal(true) sets them (without LibTorch: the `noether` program that runs `conform`
/// does not link it). Elsewhere than x86-64 it does nothing, as LibTorch's does not.
inline void flush_subnormals() {
#if defined(__x86_64__)
  constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
#endif
}

}  // namespace noether
