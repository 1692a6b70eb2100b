// molecules/training.hpp: training the conformation engine.
//
//   ConformerTrainOptions o;  o.epochs = 30;  o.checkpoint = "conformer.pt";
//   auto engine = ConformerEngine(o.engine);
//   auto summary = train_conformer(engine, data, o, /*progress=*/true);
//   save_engine(*engine, "conformer.pt", summary_json);     // engine_file.hpp
//
// Loss per molecule (heavy atoms, Å): w_rmsd * Kabsch RMSD + w_distance * distance MSE over all
// pairs + w_adjacent * distance MSE over the pairs within adj_k bonds (HamNet's ADJ-k), averaged
// over the batch; plus w_local * distance MSE over bonded and 1-3 pairs. Adam; molecules
// shuffled each epoch with the seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "molecules/dataset.hpp"
#include "molecules/engine.hpp"

namespace noether::molecules {

struct ConformerTrainOptions {
  EngineOptions engine;
  int64_t epochs = 20;
  int64_t batch_size = 32;
  double learning_rate = 2e-3;
  double weight_decay = 0.0;
  unsigned seed = 0;
  double w_rmsd = 1.0, w_distance = 0.3, w_adjacent = 1.0;
  int adj_k = 3;
  /// Extra weight on bond lengths and bond angles (pairs 1 and 2 bonds apart): without it the
  /// engine's bonds came out ~12% short while its RMSD looked fine.
  double w_local = 5.0;
  /// > 0: each molecule's loss is divided by |RMSD - focus_center| + focus (RMSD held constant).
  /// With focus_center 0 the step is the gradient of log(RMSD + focus) for the RMSD term:
  /// molecules the engine already places well (rigid ring systems, small chains) weigh as much as
  /// large flexible ones whose single target conformer is one of many, instead of a few times
  /// less; a center of a few tenths of an Å leans on the molecules that are nearly right.
  /// 0: plain mean.
  double focus = 0.0, focus_center = 0.0;
  /// > 0: keep an exponential moving average of the weights (this decay per step) and save and
  /// evaluate the average instead of the last step's weights; 0: none.
  double ema = 0.0;
  /// Score each molecule against the relabelling of its target by the molecule's own symmetry
  /// that fits best (see conformer_loss); false: the target's labels as read.
  bool symmetric = true;
  /// > 0: each step also relaxes one further sample of every molecule (a turned-torsion start and
  /// random momenta, as conform's samples after the first) and adds this weight times its RMSD
  /// (plus the bond and angle term) to the reference conformer it lies nearest: the record's
  /// ensemble (attach_reference_ensembles) or, without one, its target. Teaches the samples to
  /// settle in other low-energy shapes rather than drift back or stay strained. 0: sample 0 only.
  double ensemble_weight = 0.0;
  std::string checkpoint;        ///< saved after every epoch when set
  void validate() const;
};

struct ConformerMetrics {
  double loss = 0, rmsd_mean = 0, rmsd_median = 0, distance_mse = 0;
  int64_t molecules = 0;
};

struct ConformerTrainSummary {
  int64_t epochs = 0, steps = 0;
  double train_loss = 0;
  ConformerMetrics valid;
  double seconds_per_epoch = 0;
  /// Under torchrun: the share of the training time spent waiting for the gradients' sums after
  /// the backward passes (what the all-reduce adds to a step); 0 on one process.
  double communication_share = 0;
};

/// Per-molecule loss terms of a batch: {loss [G], rmsd [G], distance mse [G]}. With o.symmetric
/// and `records` (the batch's records, in order) each target is first relabelled by the record's symmetry that
/// lies closest to the prediction (lowest Kabsch RMSD), as the benchmark's symmetry-aware RMSD
/// does; without, the target's own labels are used.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> conformer_loss(
    ConformerEngineImpl& engine, const MolBatch& batch, const torch::Tensor& target,
    const ConformerTrainOptions& o, const std::vector<const ConformerRecord*>* records = nullptr);

/// target [N, 3] relabelled per graph by the symmetry of records[g] that minimises the Kabsch
/// RMSD to q (no gradient through the choice).
torch::Tensor closest_symmetric_target(const torch::Tensor& q, const torch::Tensor& target,
                                       const std::vector<const ConformerRecord*>& records);

/// Loss and RMSD statistics of the engine's sample-0 conformers on records (no gradient).
ConformerMetrics evaluate_conformer(ConformerEngineImpl& engine, const std::vector<ConformerRecord>& records,
                                    const ConformerTrainOptions& o);

/// Trains `epochs` more epochs (continuing from start_epoch when resuming); with o.checkpoint the
/// engine is saved there (engine_file.hpp) after every epoch.
ConformerTrainSummary train_conformer(ConformerEngine& engine, const ConformerDataset& data,
                                      const ConformerTrainOptions& o, bool progress,
                                      int64_t start_epoch = 0);

}  // namespace noether::molecules
