// molecules/training.cpp: the conformation engine's training loop.
#include "molecules/training.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "molecules/alignment.hpp"
#include "molecules/losses.hpp"
#include "molecules/engine_file.hpp"
#include "noether/error.hpp"
#include "physics/learning/distributed.hpp"
#include "physics/learning/trainer.hpp"

namespace noether::molecules {

namespace {
// x [N, 3] as a float32 tensor of rows.
torch::Tensor rows_tensor(const Eigen::MatrixX3d& x) {
  auto t = torch::empty({3, x.rows()}, torch::kDouble);
  // Eigen is column-major: the copy holds x..., y..., z...; transposed into rows.
  std::copy(x.data(), x.data() + x.size(), t.data_ptr<double>());
  return t.t().to(torch::kFloat);
}

torch::Tensor stack_targets(const std::vector<const ConformerRecord*>& rs) {
  std::vector<torch::Tensor> ts;
  for (const auto* r : rs) ts.push_back(rows_tensor(r->target));
  return torch::cat(ts);
}

// Distance MSE per graph over the pairs at most `hops` bonds apart.
torch::Tensor near_pair_mse(const torch::Tensor& q, const torch::Tensor& target, const MolBatch& b, int64_t hops) {
  const auto near = (b.pair_hops <= hops).nonzero().squeeze(1);
  return pair_distance_mse(q, target, b.pairs.index_select(1, near), b.pair_graph.index_select(0, near),
                           b.num_graphs());
}

MolBatch batch_of(const std::vector<const ConformerRecord*>& rs) {
  std::vector<const MolGraph*> gs;
  for (const auto* r : rs) gs.push_back(&r->graph);
  return make_batch(gs);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

void ConformerTrainOptions::validate() const {
  engine.validate();
  if (epochs < 0) throw InvalidInput("train-conformer: epochs must be >= 0");
  if (batch_size < 1) throw InvalidInput("train-conformer: batch size must be >= 1");
  if (!(learning_rate > 0)) throw InvalidInput("train-conformer: learning rate must be positive");
  if (!(w_rmsd >= 0 && w_distance >= 0 && w_adjacent >= 0 && w_local >= 0) ||
      w_rmsd + w_distance + w_adjacent + w_local <= 0)
    throw InvalidInput("train-conformer: loss weights must be >= 0 and not all zero");
  if (adj_k < 1) throw InvalidInput("train-conformer: adj_k must be >= 1");
  if (!(focus >= 0)) throw InvalidInput("train-conformer: focus must be >= 0");
  if (!(focus_center >= 0)) throw InvalidInput("train-conformer: focus center must be >= 0");
  if (!(ema >= 0 && ema < 1)) throw InvalidInput("train-conformer: ema must be in [0, 1), got " + std::to_string(ema));
  if (!(ensemble_weight >= 0) || !std::isfinite(ensemble_weight))
    throw InvalidInput("train-conformer: ensemble weight must be a finite number >= 0");
}

torch::Tensor closest_symmetric_target(const torch::Tensor& q, const torch::Tensor& target,
                                       const std::vector<const ConformerRecord*>& records) {
  torch::NoGradGuard no_grad;
  // Every (graph, symmetry) pair becomes one virtual graph: the graph's predicted rows against
  // the target rows the symmetry picks.
  std::vector<int64_t> pred_rows, target_rows, virtual_graph, first_virtual;
  int64_t offset = 0, virtuals = 0;
  for (const auto* r : records) {
    first_virtual.push_back(virtuals);
    const auto sym = r->symmetries.accessor<int64_t, 2>();
    for (int64_t k = 0; k < r->symmetries.size(0); ++k, ++virtuals)
      for (int64_t i = 0; i < r->graph.atoms; ++i) {
        pred_rows.push_back(offset + i);
        target_rows.push_back(offset + sym[k][i]);
        virtual_graph.push_back(virtuals);
      }
    offset += r->graph.atoms;
  }
  first_virtual.push_back(virtuals);
  if (virtuals == static_cast<int64_t>(records.size())) return target;  // no symmetries at all
  auto longs = [](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong); };
  const auto rmsd = kabsch_rmsd(q.detach().index_select(0, longs(pred_rows)),
                                target.index_select(0, longs(target_rows)), longs(virtual_graph), virtuals)
                        .to(torch::kDouble)
                        .contiguous();
  const double* rv = rmsd.data_ptr<double>();
  std::vector<int64_t> chosen;
  chosen.reserve(static_cast<std::size_t>(offset));
  offset = 0;
  for (std::size_t g = 0; g < records.size(); ++g) {
    const int64_t lo = first_virtual[g], hi = first_virtual[g + 1];
    const int64_t best = std::min_element(rv + lo, rv + hi) - rv - lo;
    const auto sym = records[g]->symmetries[best];
    const auto* s = sym.data_ptr<int64_t>();
    for (int64_t i = 0; i < records[g]->graph.atoms; ++i) chosen.push_back(offset + s[i]);
    offset += records[g]->graph.atoms;
  }
  return target.index_select(0, longs(chosen));
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> conformer_loss(
    ConformerEngineImpl& engine, const MolBatch& b, const torch::Tensor& given_target,
    const ConformerTrainOptions& o, const std::vector<const ConformerRecord*>* records) {
  const auto q = engine.forward(b, 0);
  const auto target = o.symmetric && records ? closest_symmetric_target(q, given_target, *records) : given_target;
  const auto rmsd = kabsch_rmsd(q, target, b.graph.node_to_graph, b.num_graphs());
  const auto dist = pair_distance_mse(q, target, b.pairs, b.pair_graph, b.num_graphs());
  auto loss = o.w_rmsd * rmsd + o.w_distance * dist;
  if (o.w_adjacent > 0) loss = loss + o.w_adjacent * near_pair_mse(q, target, b, o.adj_k);  // HamNet's ADJ-k
  if (o.w_local > 0) loss = loss + o.w_local * near_pair_mse(q, target, b, 2);             // bonds and bond angles
  return {loss, rmsd, dist};
}

namespace {

// The term of ConformerTrainOptions::ensemble_weight, per molecule [G]: one more sample of each
// molecule against the reference conformer (ensemble member, or the target) nearest to it.
torch::Tensor sample_loss(ConformerEngineImpl& engine, const MolBatch& b, const std::vector<const ConformerRecord*>& rs,
                          const ConformerTrainOptions& o, int64_t sample) {
  const bool before = engine.torsion_starts();
  engine.set_torsion_starts(true);
  const auto q = engine.forward(b, sample);
  engine.set_torsion_starts(before);
  // The nearest reference of each molecule, chosen without gradient, as one [N, 3] target.
  std::vector<torch::Tensor> refs;
  {
    torch::NoGradGuard no_grad;
    using Rows = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;
    const auto all = q.detach().to(torch::kDouble).contiguous();
    int64_t offset = 0;
    for (const auto* r : rs) {
      const auto n = r->graph.atoms;
      const Eigen::MatrixX3d x = Eigen::Map<const Rows>(all.data_ptr<double>() + 3 * offset, n, 3);
      const Eigen::MatrixX3d* best = &r->target;
      double best_rmsd = kabsch_rmsd(x, r->target);
      for (const auto& e : r->ensemble)
        if (const double d = kabsch_rmsd(x, e); d < best_rmsd) best_rmsd = d, best = &e;
      refs.push_back(rows_tensor(*best));
      offset += n;
    }
  }
  const auto target = torch::cat(refs);
  const auto rmsd = kabsch_rmsd(q, target, b.graph.node_to_graph, b.num_graphs());
  auto loss = o.w_rmsd * rmsd;
  if (o.w_local > 0) loss = loss + o.w_local * near_pair_mse(q, target, b, 2);  // bonds and bond angles
  return loss;
}

}  // namespace

ConformerMetrics evaluate_conformer(ConformerEngineImpl& engine, const std::vector<ConformerRecord>& records,
                                    const ConformerTrainOptions& o) {
  torch::NoGradGuard no_grad;
  ConformerMetrics m;
  std::vector<double> rmsds;
  double loss = 0, dist = 0;
  for (std::size_t start = 0; start < records.size(); start += 256) {
    std::vector<const ConformerRecord*> rs;
    for (std::size_t i = start; i < std::min(records.size(), start + 256); ++i) rs.push_back(&records[i]);
    const auto [l, r, d] = conformer_loss(engine, batch_of(rs), stack_targets(rs), o, &rs);
    loss += l.sum().item<double>();
    dist += d.sum().item<double>();
    const auto rc = r.to(torch::kDouble).contiguous();
    rmsds.insert(rmsds.end(), rc.data_ptr<double>(), rc.data_ptr<double>() + rc.numel());
  }
  m.molecules = static_cast<int64_t>(records.size());
  if (m.molecules == 0) return m;
  m.loss = loss / m.molecules;
  m.distance_mse = dist / m.molecules;
  m.rmsd_mean = std::accumulate(rmsds.begin(), rmsds.end(), 0.0) / m.molecules;
  m.rmsd_median = median(rmsds);
  return m;
}

ConformerTrainSummary train_conformer(ConformerEngine& engine, const ConformerDataset& data,
                                      const ConformerTrainOptions& o, bool progress, int64_t start_epoch) {
  o.validate();
  if (data.train.empty()) throw InvalidInput("train-conformer: the training split is empty");
  torch::manual_seed(o.seed);
  const auto n = static_cast<int64_t>(data.train.size());
  const int64_t per_epoch = (n + o.batch_size - 1) / o.batch_size;
  physics::TrainerOptions to;
  to.steps = per_epoch * o.epochs;
  to.learning_rate = o.learning_rate;
  to.weight_decay = o.weight_decay;
  to.schedule = physics::Schedule::kCosine;  // down to 5% of the rate over the run
  to.final_fraction = 0.05;
  to.clip_grad_norm = 5.0;
  to.ema = o.ema;  // the weights' moving average is saved, evaluated and returned
  to.checkpoint_every = per_epoch;
  to.progress = progress;
  to.label = "train-conformer";
  physics::Trainer trainer(engine->parameters(), to);
  const auto& ranks = physics::Distributed::process();
  std::mt19937_64 rng(o.seed + 7919 * static_cast<unsigned>(start_epoch));
  std::vector<std::size_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  ConformerTrainSummary s;
  double epoch_loss = 0;
  engine->train();
  const auto step_loss = [&](int64_t step) -> physics::StepLoss {
    const int64_t k = step % per_epoch;
    if (k == 0) std::shuffle(order.begin(), order.end(), rng);
    // Under torchrun each rank takes its consecutive part of the step's molecules (the same
    // shuffled order on every rank); the trainer sums the parts' gradients by their shares.
    const int64_t first = k * o.batch_size, all = std::min(n, (k + 1) * o.batch_size) - first;
    const auto [lo, hi] = ranks.shard(all);
    if (hi == lo) return {{}, 0.0, true, 0.0};  // an epoch's short last batch left none here: a zero gradient
    std::vector<const ConformerRecord*> rs;
    for (int64_t i = first + lo; i < first + hi; ++i) rs.push_back(&data.train[order[static_cast<std::size_t>(i)]]);
    const double share = static_cast<double>(hi - lo) / static_cast<double>(all);
    const auto batch = batch_of(rs);
    const auto [l, r, d] = conformer_loss(*engine, batch, stack_targets(rs), o, &rs);
    auto objective = o.focus > 0 ? (l / ((r.detach() - o.focus_center).abs() + o.focus)).mean() : l.mean();
    if (o.ensemble_weight > 0)  // a sample id of its own for every step: other starts each time
      objective = objective + o.ensemble_weight * sample_loss(*engine, batch, rs, o, 1 + step).mean();
    return {objective, l.mean().item<double>(), false, share};  // report the plain loss, comparable with validation
  };
  physics::TrainerHooks hooks;
  hooks.on_step = [&](int64_t step, double loss) {
    epoch_loss += loss;
    s.steps = step;
    if (step % per_epoch == 0) {
      s.train_loss = epoch_loss / per_epoch;
      ++s.epochs;
      epoch_loss = 0;
    }
  };
  hooks.status = [&](int64_t step, double loss) {
    char status[96];
    std::snprintf(status, sizeof status, "epoch %lld loss %.3f",
                  static_cast<long long>(start_epoch + (step - 1) / per_epoch + 1), loss);
    return std::string(status);
  };
  if (!o.checkpoint.empty() && o.epochs > 0)
    hooks.checkpoint = [&] {
      save_engine(*engine, o.checkpoint, {{"epochs", start_epoch + s.epochs}, {"train_loss", s.train_loss}});
    };
  const auto result = trainer.run(step_loss, hooks);
  s.seconds_per_epoch = s.epochs ? result.seconds / s.epochs : 0;
  s.communication_share = result.seconds > 0 ? result.communication_seconds / result.seconds : 0;
  engine->eval();
  s.valid = evaluate_conformer(*engine, data.valid, o);
  return s;
}

}  // namespace noether::molecules
