// apps/torch_ranks.cpp: apps/ranks.hpp over the process's c10d group.
#include "apps/ranks.hpp"

#include "physics/learning/distributed.hpp"

namespace noether::apps {

namespace {

class TorchRanks final : public Ranks {
 public:
  explicit TorchRanks(const physics::Distributed& d) : d_(d) {}
  int rank() const override { return d_.rank(); }
  int world_size() const override { return d_.world_size(); }
  std::string who() const override { return d_.who(); }
  std::pair<int64_t, int64_t> shard(int64_t n, int64_t unit) const override { return d_.shard(n, unit); }
  int64_t sum(int64_t value) const override { return d_.sum(value); }
  bool all_ok(bool ok) const override { return d_.all_ok(ok); }

 private:
  const physics::Distributed& d_;
};

}  // namespace

const Ranks& process_ranks() {
  static const TorchRanks ranks(physics::Distributed::process());
  return ranks;
}

}  // namespace noether::apps
