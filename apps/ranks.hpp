// apps/ranks.hpp: the processes a command runs as: this one alone, or the ranks of a torchrun
// launch (PyTorch's c10d, physics/learning/distributed.hpp), seen through what the commands ask.
//
//   const Ranks& ranks = one_process();          // or process_ranks() where LibTorch is linked
//   const auto [begin, end] = ranks.shard(n, 16);
//   if (ranks.primary()) std::cout << ...;
//
// The `noether` program that runs `conform` links no LibTorch and runs as one process; under
// torchrun it hands the command to the LibTorch program (apps/conform_main.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace noether::apps {

/// One process by default: rank 0 of 1, every collective answers for this process alone.
class Ranks {
 public:
  virtual ~Ranks() = default;
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
  bool active() const { return world_size() > 1; }
  /// Rank 0: the one that prints and joins the outputs.
  bool primary() const { return rank() == 0; }
  /// "rank R of W" (for messages); empty on one process.
  virtual std::string who() const { return ""; }
  /// This rank's part [begin, end) of n items in whole units of `unit` (Distributed::shard).
  virtual std::pair<int64_t, int64_t> shard(int64_t n, int64_t /*unit*/) const { return {0, n}; }
  /// `value` summed over the ranks.
  virtual int64_t sum(int64_t value) const { return value; }
  /// True when every rank passed ok = true.
  virtual bool all_ok(bool ok) const { return ok; }
};

/// This process alone.
inline const Ranks& one_process() {
  static const Ranks ranks;
  return ranks;
}

/// The ranks of Distributed::process() (joined at the first call), in programs that link LibTorch
/// (apps/torch_ranks.cpp).
const Ranks& process_ranks();

}  // namespace noether::apps
