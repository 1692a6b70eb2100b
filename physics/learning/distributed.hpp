// physics/learning/distributed.hpp: the one distributed context of noether, over PyTorch's c10d
// (a Gloo process group), set up from torchrun's environment.
//
//   auto& d = Distributed::process();          // WORLD_SIZE unset: one process, every call a no-op
//   const auto [lo, hi] = d.shard(n, 128);     // this rank's rows of n, in whole units of 128
//   d.allreduce_sum(tensors);                  // in place, summed over the ranks
//   if (!d.all_ok(ok)) ...                     // every rank learns whether every rank succeeded
//
// Launch: `torchrun --nproc_per_node N --no_python noether ...` on one machine; on several, the
// same with --nnodes M --rdzv_backend c10d --rdzv_endpoint HOST:PORT on each. The environment read:
// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE and
// TORCHELASTIC_RESTART_COUNT (torchrun's own store, as torch.distributed uses it), and two of
// noether's: NOETHER_STORE_FILE (a FileStore on a shared path instead of TCP) and
// NOETHER_DIST_TIMEOUT (seconds any collective or store wait may take before every rank stops
// with an error; default 300). GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch.
//
// Every collective must be called by every rank in the same order. A rank that dies or a store
// that cannot be reached ends the others with DistributedError (within the time-out), never a hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "noether/error.hpp"

namespace noether::physics {

/// A collective or the rendezvous failed: another rank stopped, the store could not be reached,
/// or a wait ran past the time-out.
class DistributedError : public Error {
 public:
  using Error::Error;
};

struct DistributedSettings {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;   ///< torchrun's agent hosts the TCP store (every rank is a client)
  int restart_count = 0;      ///< torchrun's attempt; keys are prefixed with it, as PyTorch does
  std::string store_file;     ///< non-empty: a FileStore at this path instead of TCP
  std::chrono::seconds timeout{300};
  std::string socket_interface;  ///< GLOO_SOCKET_IFNAME
  /// From the environment (see the file comment); InvalidInput names a malformed variable.
  static DistributedSettings from_environment();
  void validate() const;
};

class Distributed {
 public:
  /// One process (rank 0 of 1): every collective is a no-op.
  Distributed();
  /// Joins the group the settings describe (world_size > 1): rendezvous through the store, then
  /// a Gloo process group. Throws DistributedError naming the address when the store cannot be
  /// reached within the time-out.
  explicit Distributed(const DistributedSettings& settings);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  /// The process's context, built from the environment at its first use and kept for the
  /// process's life (as torch.distributed's default group).
  static Distributed& process();

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  int local_rank() const { return local_rank_; }
  bool active() const { return world_ > 1; }
  /// Rank 0: the one that prints, writes model files and merges outputs.
  bool primary() const { return rank_ == 0; }
  /// "rank R of W" (for messages); empty on one process.
  std::string who() const;

  /// Sums each tensor over the ranks, in place (contiguous CPU tensors).
  void allreduce_sum(std::vector<torch::Tensor>& tensors) const;
  double sum(double value) const;
  double max(double value) const;
  int64_t sum(int64_t value) const;
  /// Starts a sum of `flat` (one contiguous tensor) in the background; wait() finishes it.
  class Pending {
   public:
    Pending();
    ~Pending();
    Pending(Pending&&) noexcept;
    Pending& operator=(Pending&&) noexcept;
    void wait();
   private:
    friend class Distributed;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };
  Pending allreduce_sum_async(torch::Tensor flat) const;
  /// Rank `root`'s values into every rank's tensors, in place.
  void broadcast(std::vector<torch::Tensor>& tensors, int root = 0) const;
  void barrier() const;
  /// True when every rank passed ok = true. Ranks that failed and ranks that did not both learn
  /// it, so all can stop together instead of waiting on one that is gone.
  bool all_ok(bool ok) const;

  /// This rank's part [begin, end) of n items cut in whole units of `unit` (the last unit may be
  /// short): consecutive ranks hold consecutive parts, so concatenating them in rank order gives
  /// the input order. One process: [0, n).
  std::pair<int64_t, int64_t> shard(int64_t n, int64_t unit = 1) const;
  /// This rank's rows of a step's global batch (dimension `dim`), cut by shard(): every rank draws
  /// the same global batch (the same random stream) and trains on its own part of it.
  torch::Tensor local_rows(const torch::Tensor& global, int64_t dim = 0) const;
  /// local_rows() and the share of the batch they are (rows here / all rows: the weight of this
  /// rank's mean in the step's gradient, StepLoss::share). InvalidInput when the batch has fewer
  /// rows than there are ranks. One process: {batch, 1}.
  std::pair<torch::Tensor, double> split_batch(const torch::Tensor& batch, int64_t dim = 0) const;

 private:
  struct Group;
  /// A one-entry tensor summed (or, with take_max, maximised) over the ranks.
  torch::Tensor reduce_one(torch::Tensor one, bool take_max) const;
  int rank_ = 0, world_ = 1, local_rank_ = 0;
  std::unique_ptr<Group> group_;
};

/// Averages the gradients of `parameters` over the ranks, as PyTorch's DistributedDataParallel
/// does (the C++ frontend has none): parameters are cut into buckets of about `bucket_bytes`, in
/// reverse order (the last layers' gradients come first in a backward pass), and hooks on the
/// parameters start each bucket's sum as soon as all its gradients are in, while the backward pass
/// goes on; finish() sums what is left, waits, and leaves gradient / world size in every .grad.
/// Buckets start in the same order on every rank. A gradient filled by hand rather than by a
/// backward pass (no arm()) is summed by finish() alone. One process: nothing is registered and
/// both calls return at once.
///
/// `share` weighs this rank's gradient in the sum: the fraction of the step's global batch it
/// holds (its rows / all rows), so that ranks holding means over unequal parts still give the
/// gradient of the mean over the whole batch; equal parts: 1 / world size.
///
///   reducer.arm(share);  loss.backward();  reducer.finish(share);  optimizer.step();
class GradientReducer {
 public:
  GradientReducer(const Distributed& distributed, std::vector<torch::Tensor> parameters,
                  int64_t bucket_bytes = int64_t(1) << 20);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// The next backward pass's gradients start their sums as they arrive.
  void arm(double share);
  /// Sums the rest, waits, leaves the weighted sum in .grad; a parameter that no backward reached
  /// on this rank counts as a zero gradient here. Returns the seconds spent waiting (the sums not
  /// hidden behind the backward pass).
  double finish(double share);
  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<std::size_t> members;  // indices into parameters_
    std::vector<int64_t> offsets;      // of each member in flat
    torch::Tensor flat;
    std::vector<char> arrived;
    std::size_t count = 0;
    bool launched = false;
    Distributed::Pending pending;
  };
  void on_gradient(std::size_t bucket, std::size_t slot, const torch::Tensor& grad);
  void launch_ready();
  void launch(Bucket& b);

  const Distributed& distributed_;
  std::vector<torch::Tensor> parameters_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hooks_;
  std::size_t next_ = 0;  // the next bucket to start, in order
  bool armed_ = false;
  double share_ = 1.0;
};

}  // namespace noether::physics
