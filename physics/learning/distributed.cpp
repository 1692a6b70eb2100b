#include "physics/learning/distributed.hpp"

#include <cstdlib>
#include <mutex>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace noether::physics {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

int env_int(const char* name, int fallback, int lo, int hi) {
  const std::string v = env(name);
  if (v.empty()) return fallback;
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || value < lo || value > hi)
    throw InvalidInput(std::string("environment variable ") + name + "='" + v + "': expected an integer in [" +
                       std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(value);
}

/// c10::Error's message without its C++ backtrace.
std::string reason(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

}  // namespace

DistributedSettings DistributedSettings::from_environment() {
  DistributedSettings s;
  s.world_size = env_int("WORLD_SIZE", 1, 1, 1 << 20);
  s.rank = env_int("RANK", 0, 0, 1 << 20);
  s.local_rank = env_int("LOCAL_RANK", 0, 0, 1 << 20);
  if (const auto addr = env("MASTER_ADDR"); !addr.empty()) s.master_addr = addr;
  s.master_port = env_int("MASTER_PORT", s.master_port, 1, 65535);
  s.agent_store = env("TORCHELASTIC_USE_AGENT_STORE") == "True";
  s.restart_count = env_int("TORCHELASTIC_RESTART_COUNT", 0, 0, 1 << 20);
  s.store_file = env("NOETHER_STORE_FILE");
  s.timeout = std::chrono::seconds(env_int("NOETHER_DIST_TIMEOUT", 300, 1, 7 * 24 * 3600));
  s.socket_interface = env("GLOO_SOCKET_IFNAME");
  s.validate();
  return s;
}

void DistributedSettings::validate() const {
  if (world_size < 1) throw InvalidInput("WORLD_SIZE = " + std::to_string(world_size) + ": must be >= 1");
  if (rank < 0 || rank >= world_size)
    throw InvalidInput("RANK = " + std::to_string(rank) + " with WORLD_SIZE = " + std::to_string(world_size) +
                       ": the rank must be in [0, WORLD_SIZE)");
  if (world_size > 1 && store_file.empty() && master_addr.empty())
    throw InvalidInput("MASTER_ADDR is empty: torchrun sets it, or set NOETHER_STORE_FILE");
  if (timeout.count() <= 0) throw InvalidInput("NOETHER_DIST_TIMEOUT must be positive");
}

struct Distributed::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::string who;

  /// Runs one collective; failures become DistributedError naming the rank and what failed.
  template <typename Fn>
  void run(const char* what, Fn&& fn) const {
    try {
      fn();
    } catch (const std::exception& e) {
      throw DistributedError(who + ": " + what + " failed: " + reason(e) +
                             " (another rank stopped, the network failed, or a wait ran past NOETHER_DIST_TIMEOUT)");
    }
  }
};

struct Distributed::Pending::Impl {
  c10::intrusive_ptr<c10d::Work> work;
  std::vector<torch::Tensor> tensors;  // kept alive until the sum is done
  const Group* group = nullptr;
};

Distributed::Pending::Pending() = default;
Distributed::Pending::~Pending() = default;
Distributed::Pending::Pending(Pending&&) noexcept = default;
Distributed::Pending& Distributed::Pending::operator=(Pending&&) noexcept = default;

void Distributed::Pending::wait() {
  if (!impl_ || !impl_->work) return;
  impl_->group->run("all-reduce", [&] { impl_->work->wait(); });
  impl_->work.reset();
}

Distributed::Distributed() = default;
Distributed::~Distributed() = default;

Distributed::Distributed(const DistributedSettings& s) {
  s.validate();
  rank_ = s.rank;
  world_ = s.world_size;
  local_rank_ = s.local_rank;
  if (world_ == 1) return;
  group_ = std::make_unique<Group>();
  group_->who = who();
  const std::chrono::milliseconds timeout = s.timeout;
  const std::string where = s.store_file.empty() ? s.master_addr + ":" + std::to_string(s.master_port)
                                                 : "file " + s.store_file;
  try {
    if (!s.store_file.empty()) {
      group_->store = c10::make_intrusive<c10d::FileStore>(s.store_file, world_);
      group_->store->setTimeout(timeout);
    } else {
      c10d::TCPStoreOptions o;
      o.port = static_cast<std::uint16_t>(s.master_port);
      // Under torchrun's agent the store exists already; otherwise rank 0 hosts it.
      o.isServer = !s.agent_store && rank_ == 0;
      o.numWorkers = s.agent_store ? c10::optional<std::size_t>() : c10::optional<std::size_t>(world_);
      o.waitWorkers = !s.agent_store;
      o.timeout = timeout;
      auto tcp = c10::make_intrusive<c10d::TCPStore>(s.master_addr, o);
      if (s.agent_store)
        group_->store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(s.restart_count), tcp);
      else
        group_->store = tcp;
    }
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(s.socket_interface.empty()
                                   ? c10d::ProcessGroupGloo::createDefaultDevice()
                                   : c10d::ProcessGroupGloo::createDeviceForInterface(s.socket_interface));
    group_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, rank_, world_, options);
  } catch (const std::exception& e) {
    throw DistributedError(who() + ": could not join the process group through " + where + " within " +
                           std::to_string(s.timeout.count()) + " s: " + reason(e));
  }
}

Distributed& Distributed::process() {
  static std::once_flag once;
  static std::unique_ptr<Distributed> context;
  std::call_once(once, [] {
    const auto s = DistributedSettings::from_environment();
    context = s.world_size > 1 ? std::make_unique<Distributed>(s) : std::make_unique<Distributed>();
  });
  return *context;
}

std::string Distributed::who() const {
  return active() ? "rank " + std::to_string(rank_) + " of " + std::to_string(world_) : std::string();
}

void Distributed::allreduce_sum(std::vector<torch::Tensor>& tensors) const {
  if (!active() || tensors.empty()) return;
  group_->run("all-reduce", [&] { group_->pg->allreduce(tensors)->wait(); });
}

torch::Tensor Distributed::reduce_one(torch::Tensor one, bool take_max) const {
  std::vector<torch::Tensor> t{std::move(one)};
  c10d::AllreduceOptions o;
  if (take_max) o.reduceOp = c10d::ReduceOp::MAX;
  group_->run("all-reduce", [&] { group_->pg->allreduce(t, o)->wait(); });
  return t[0];
}

double Distributed::sum(double value) const {
  return active() ? reduce_one(torch::full({1}, value, torch::kFloat64), false).item<double>() : value;
}

double Distributed::max(double value) const {
  return active() ? reduce_one(torch::full({1}, value, torch::kFloat64), true).item<double>() : value;
}

int64_t Distributed::sum(int64_t value) const {
  return active() ? reduce_one(torch::full({1}, value, torch::kLong), false).item<int64_t>() : value;
}

Distributed::Pending Distributed::allreduce_sum_async(torch::Tensor flat) const {
  Pending p;
  if (!active()) return p;
  p.impl_ = std::make_unique<Pending::Impl>();
  p.impl_->group = group_.get();
  p.impl_->tensors = {std::move(flat)};
  group_->run("all-reduce", [&] { p.impl_->work = group_->pg->allreduce(p.impl_->tensors); });
  return p;
}

void Distributed::broadcast(std::vector<torch::Tensor>& tensors, int root) const {
  if (!active() || tensors.empty()) return;
  c10d::BroadcastOptions o;
  o.rootRank = root;
  // Gloo broadcasts one tensor list per call; parameters of different shapes go one by one.
  group_->run("broadcast", [&] {
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one{t};
      group_->pg->broadcast(one, o)->wait();
    }
  });
}

void Distributed::barrier() const {
  if (!active()) return;
  group_->run("barrier", [&] { group_->pg->barrier()->wait(); });
}

bool Distributed::all_ok(bool ok) const {
  if (!active()) return ok;
  return sum(static_cast<int64_t>(ok ? 0 : 1)) == 0;
}

std::pair<int64_t, int64_t> Distributed::shard(int64_t n, int64_t unit) const {
  if (n < 0 || unit < 1) throw InvalidInput("shard: n = " + std::to_string(n) + ", unit = " + std::to_string(unit));
  const int64_t units = (n + unit - 1) / unit;
  const int64_t lo = units * rank_ / world_, hi = units * (rank_ + 1) / world_;
  return {std::min(n, lo * unit), std::min(n, hi * unit)};
}

std::pair<torch::Tensor, double> Distributed::split_batch(const torch::Tensor& batch, int64_t dim) const {
  if (!active()) return {batch, 1.0};
  const int64_t all = batch.size(dim);
  if (all < world_)
    throw InvalidInput("a batch of " + std::to_string(all) + " cannot be split over " + std::to_string(world_) +
                       " ranks: give each rank at least one (--batch-size)");
  auto mine = local_rows(batch, dim);
  const double share = static_cast<double>(mine.size(dim)) / static_cast<double>(all);
  return {std::move(mine), share};
}

torch::Tensor Distributed::local_rows(const torch::Tensor& global, int64_t dim) const {
  if (!active()) return global;
  const auto [lo, hi] = shard(global.size(dim));
  return global.narrow(dim, lo, hi - lo);
}

}  // namespace noether::physics

namespace noether::physics {

GradientReducer::GradientReducer(const Distributed& distributed, std::vector<torch::Tensor> parameters,
                                 int64_t bucket_bytes)
    : distributed_(distributed), parameters_(std::move(parameters)) {
  if (!distributed_.active()) return;
  // Buckets in reverse parameter order, each of one dtype.
  for (std::size_t k = parameters_.size(); k-- > 0;) {
    const auto& p = parameters_[k];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    if (buckets_.empty() || buckets_.back().flat.numel() * buckets_.back().flat.element_size() + bytes > bucket_bytes ||
        buckets_.back().flat.scalar_type() != p.scalar_type()) {
      buckets_.emplace_back();
      buckets_.back().flat = torch::empty({0}, p.options());
    }
    auto& b = buckets_.back();
    b.members.push_back(k);
    b.offsets.push_back(b.flat.numel());
    b.flat = torch::empty({b.flat.numel() + p.numel()}, p.options());
  }
  for (std::size_t bi = 0; bi < buckets_.size(); ++bi) {
    auto& b = buckets_[bi];
    b.arrived.assign(b.members.size(), 0);
    for (std::size_t slot = 0; slot < b.members.size(); ++slot)
      hooks_.push_back(parameters_[b.members[slot]].register_hook(
          [this, bi, slot](const torch::Tensor& grad) { on_gradient(bi, slot, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  std::size_t h = 0;
  for (const auto& b : buckets_)
    for (const auto k : b.members) {
      try {
        parameters_[k].remove_hook(hooks_[h++]);
      } catch (...) {  // a parameter whose graph is gone has no hook to remove
      }
    }
}

void GradientReducer::arm(double share) {
  if (!distributed_.active()) return;
  armed_ = true;
  share_ = share;
}

void GradientReducer::on_gradient(std::size_t bucket, std::size_t slot, const torch::Tensor& grad) {
  if (!armed_) return;  // gradients taken inside a loss (autograd::grad) are not the step's
  auto& b = buckets_[bucket];
  if (b.launched) return;
  torch::NoGradGuard no_grad;
  const auto& p = parameters_[b.members[slot]];
  auto part = b.flat.narrow(0, b.offsets[slot], p.numel());
  if (b.arrived[slot]) {
    part.add_(grad.reshape({-1}), share_);
  } else {
    part.copy_(grad.reshape({-1})).mul_(share_);
    b.arrived[slot] = 1;
    ++b.count;
  }
  launch_ready();
}

void GradientReducer::launch_ready() {
  while (next_ < buckets_.size() && buckets_[next_].count == buckets_[next_].members.size()) launch(buckets_[next_++]);
}

void GradientReducer::launch(Bucket& b) {
  b.launched = true;
  b.pending = distributed_.allreduce_sum_async(b.flat);
}

double GradientReducer::finish(double share) {
  if (!distributed_.active()) return 0.0;
  const auto start = std::chrono::steady_clock::now();
  {
    torch::NoGradGuard no_grad;
    // What no hook delivered (no backward pass, or parameters it did not reach) comes from .grad.
    for (; next_ < buckets_.size(); ++next_) {
      auto& b = buckets_[next_];
      for (std::size_t slot = 0; slot < b.members.size(); ++slot) {
        if (armed_ && b.arrived[slot]) continue;
        const auto& g = parameters_[b.members[slot]].grad();
        auto part = b.flat.narrow(0, b.offsets[slot], parameters_[b.members[slot]].numel());
        if (g.defined())
          part.copy_(g.reshape({-1})).mul_(share);
        else
          part.zero_();
      }
      launch(b);
    }
  }
  armed_ = false;
  next_ = 0;
  torch::NoGradGuard no_grad;
  for (auto& b : buckets_) {
    b.pending.wait();
    std::fill(b.arrived.begin(), b.arrived.end(), 0);  // ready for the next step
    b.count = 0;
    b.launched = false;
    for (std::size_t slot = 0; slot < b.members.size(); ++slot) {
      auto& p = parameters_[b.members[slot]];
      const auto part = b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
      if (p.grad().defined())
        p.mutable_grad().copy_(part);
      else
        p.mutable_grad() = part.clone();
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace noether::physics
