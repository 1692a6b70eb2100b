// noether/interrupt.hpp: Ctrl-C and SIGTERM as a request to stop cleanly.
//
//   noether::install_interrupt_handlers();      // a program's main, never a library
//   for (...) { noether::throw_if_interrupted("training at step 120"); ... }
//   // main: catch (const noether::Interrupted&) { return noether::interrupt_exit_code(); }
//
// The first signal only sets a flag: long loops of the library (the trainer, the command line's
// integration runs) stop after the step they are in by throwing Interrupted, atomic writes remove
// their temporary file and leave the target as it was, and the last complete checkpoint stays.
// A second signal (a second after the first or later: one request is often delivered twice) means
// "now": the temporary files being written are removed and the process exits at once with 128 +
// the signal. Without the handlers (a library user's program) the flag
// is never set, so nothing changes unless the caller calls request_interrupt() itself.
#pragma once

#include <atomic>
#include <csignal>
#include <cstring>
#include <ctime>
#include <string>

#include <unistd.h>

#include "noether/error.hpp"

namespace noether {

/// A run stopped on request (SIGINT, SIGTERM or request_interrupt()). What it wrote before the
/// request is kept; what it was writing is not.
class Interrupted : public Error {
 public:
  using Error::Error;
};

namespace detail {

inline std::atomic<int> interrupt_count{0};
inline std::atomic<int> interrupt_signal{0};
inline constexpr int kTempSlots = 32;
inline constexpr std::size_t kTempPathBytes = 4096;
inline char temp_paths[kTempSlots][kTempPathBytes];
inline std::atomic<bool> temp_in_use[kTempSlots];

inline std::atomic<long long> first_signal_ns{0};
inline std::atomic<int> finish_writes_depth{0};

/// Monotonic nanoseconds (clock_gettime is async-signal-safe).
inline long long monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

inline void on_interrupt_signal(int sig) {
  interrupt_signal.store(sig);
  const long long now = monotonic_ns();
  // The first request stores its time before it counts, in one step: a second signal can run
  // this handler on another thread at the same moment (the first one's thread has the signal
  // blocked while it runs), and must never see the count raised but no time stored.
  long long first = 0;
  const bool is_first = first_signal_ns.compare_exchange_strong(first, now);
  interrupt_count.fetch_add(1);
  if (is_first) return;
  // One request often arrives twice (`timeout` signals the program, then its process group):
  // a second signal within a second of the first is the same request.
  if (now - first < 1000000000LL) return;
  // A second request: only async-signal-safe calls from here on.
  for (int i = 0; i < kTempSlots; ++i)
    if (temp_in_use[i].load()) ::unlink(temp_paths[i]);
  ::_exit(128 + sig);
}

}  // namespace detail

/// True once a stop was requested.
inline bool interrupt_requested() noexcept { return detail::interrupt_count.load(std::memory_order_relaxed) > 0; }

/// True when an atomic write in progress should be abandoned: a stop was requested and no
/// FinishWrites is alive.
inline bool abandon_writes() noexcept {
  return interrupt_requested() && detail::finish_writes_depth.load(std::memory_order_relaxed) == 0;
}

/// While one lives, atomic writes run to the end even after a stop request, which stays set for
/// the caller's next check: for files that are only valid together (a checkpoint and its sidecar,
/// which holds the checkpoint's checksum). A second signal still ends the process at once.
class FinishWrites {
 public:
  FinishWrites() noexcept { detail::finish_writes_depth.fetch_add(1); }
  ~FinishWrites() { detail::finish_writes_depth.fetch_sub(1); }
  FinishWrites(const FinishWrites&) = delete;
  FinishWrites& operator=(const FinishWrites&) = delete;
};

/// Requests a stop, as SIGINT does (tests, or a caller's own cancel button).
inline void request_interrupt() noexcept {
  long long none = 0;
  detail::first_signal_ns.compare_exchange_strong(none, detail::monotonic_ns());
  detail::interrupt_count.fetch_add(1);
}

/// Forgets a request (a library user's program that carries on after an interrupted call).
inline void clear_interrupt() noexcept {
  detail::interrupt_count.store(0);
  detail::interrupt_signal.store(0);
  detail::first_signal_ns.store(0);
}

/// Throws Interrupted("interrupted: " + where) if a stop was requested.
inline void throw_if_interrupted(const std::string& where) {
  if (interrupt_requested()) throw Interrupted("interrupted: " + where);
}

/// The exit status of a program stopped by a request: 128 + the signal (130 for Ctrl-C).
inline int interrupt_exit_code() noexcept {
  const int sig = detail::interrupt_signal.load();
  return 128 + (sig > 0 ? sig : SIGINT);
}

/// Installs the SIGINT and SIGTERM handlers described above. For programs: a library call never
/// changes process-wide settings.
inline void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = detail::on_interrupt_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

/// Registers a temporary file for the second signal to remove, for as long as it lives. A path
/// too long for the table, or a full table, is simply not registered.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& path) {
    if (path.size() + 1 > detail::kTempPathBytes) return;
    for (int i = 0; i < detail::kTempSlots; ++i) {
      bool expected = false;
      // Claim the slot with the path not yet visible to the handler, then publish it.
      if (claimed_[i].compare_exchange_strong(expected, true)) {
        std::memcpy(detail::temp_paths[i], path.c_str(), path.size() + 1);
        detail::temp_in_use[i].store(true);
        slot_ = i;
        return;
      }
    }
  }
  ~TemporaryFile() {
    if (slot_ < 0) return;
    detail::temp_in_use[slot_].store(false);
    claimed_[slot_].store(false);
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

 private:
  static inline std::atomic<bool> claimed_[detail::kTempSlots];
  int slot_ = -1;
};

}  // namespace noether
