// molecules/engine.hpp: the Hamiltonian conformation engine (HamNet-style) over batched
// heavy-atom graphs.
//
//   ConformerEngine engine(EngineOptions{});
//   MolBatch b = make_batch({&g1, &g2});                  // b.graph: a graph::GraphBatch
//   torch::Tensor q = engine->forward(b, /*sample=*/0);   // [N, 3] Å, canonical atom order
//
// The engine is a graph Hamiltonian built from graph/'s pieces: the batch is graph::batch() of one
// graph::Graph per molecule (atoms as nodes, each bond as two directed edges), messages are
// gathered with graph::gather_ends and summed with graph::sum_at_receivers, and every per-atom or
// per-molecule sum (forces, energies) is a graph/ scatter (sum_into, add_into). Only what is
// particular to molecules sits beside the graph batch: the atom pairs, their bond counts, the
// starting embedding and the stereo tables.
//
// A message-passing encoder over the bond graph gives every atom a learned mass m_i and friction
// g_i, and every atom pair a learned rest distance d_ij and stiffness k_ij. Initial positions are
// the classical multidimensional-scaling embedding of the bond-count distances, moved by a learned
// equivariant correction; initial momenta are learned too, plus thermal noise for sample k > 0,
// whose start also turns the rotatable bonds (set_torsion_starts, on in Conformer).
// Then H(q, p) = sum_i K_i(p_i) + V(q), with the relativistic kinetic energy
// K_i = m_i c^2 (sqrt(1 + |p_i|^2 / (m_i c)^2) - 1) (c = 2 Å per unit time: atoms never move
// more than c dt a step, so stiff learned springs cannot blow the integration up), and
//   V = sum_{pairs within `bonded_hops` bonds} k_ij (r_ij - d_ij)^2
//     + sum_{all pairs} w_ij relu(s_ij - r_ij)^2                  (learned repulsion)
//     + stereo_weight * (sum_{centres} relu(1 Å^3 - s_c vol_c)^2 + sum_{E/Z bonds} relu(0.5 Å^2 - s_b u_b)^2)
// (vol_c the chiral volume of a specified centre's heavy neighbours, u_b = (a - b).(d - c) over a
// specified double bond b=c, s the signs the SMILES asks for: see MolGraph::chiral; distances
// alone cannot tell a centre from its mirror image, so the wall pushes each one to the SMILES'
// side, and the starting geometry is mirrored per molecule where most of its centres start wrong)
// (the learned stiffness may vanish, so a flexible pair several bonds apart is held only by the
// wall, while the pairs of a rigid ring system keep their distances)
// the Rayleigh friction dp_i/dt = -g_i p_i, is integrated by leapfrog
// (integrators/leapfrog.hpp) with the friction applied exactly between steps
// (p <- p exp(-g dt)), so dH/dt <= 0 and the molecule relaxes. The final q are the 3-D
// coordinates. Everything depends on distances, so the result is free of rotation and
// translation, and the graph's canonical order makes it independent of the input atom order.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "graph/graph.hpp"
#include "molecules/engine_weights.hpp"
#include "molecules/fused_engine.hpp"
#include "molecules/molecule.hpp"

namespace noether::molecules {

/// Heavy-atom graphs batched for the engine (all tensors on one device): graph/'s batch plus the
/// molecule-specific tables. N atoms, E directed bonds, G molecules, P pairs.
struct MolBatch {
  /// nodes [N, kAtomFeatures] atom features, edge_index [2, E] (each bond both ways), edges
  /// [E, kBondFeatures] bond features, node_to_graph [N], globals [G, 0], num_graphs G.
  graph::GraphBatch graph;
  torch::Tensor local;        ///< [N] canonical index of each atom within its graph
  torch::Tensor pairs;        ///< [2, P] every pair i < j inside a graph
  torch::Tensor pair_graph;   ///< [P]
  torch::Tensor pair_hops;    ///< [P] bonds between the pair (disconnected: bonded_hops + 1)
  torch::Tensor init;         ///< [N, 3] the graphs' MolGraph::embedding, Å
  torch::Tensor chiral;       ///< [C, 4] the graphs' MolGraph::chiral (batch atom indices)
  torch::Tensor chiral_sign;  ///< [C]
  torch::Tensor chiral_graph; ///< [C]
  torch::Tensor cis_trans;    ///< [D, 4] the graphs' MolGraph::cis_trans (batch atom indices)
  torch::Tensor cis_sign;     ///< [D]
  torch::Tensor cis_graph;    ///< [D]
  /// The graphs' MolGraph::rotatable and ::moving in batch atom indices, and a key per bond that
  /// depends only on its molecule (its canonical atom indices): the torsion-space starts draw
  /// from it, so a molecule's samples are the same in any batch.
  std::vector<std::array<int64_t, 2>> rotatable;
  std::vector<std::vector<int64_t>> moving;
  std::vector<uint64_t> rotatable_key;
  int64_t num_graphs() const { return graph.num_graphs; }  ///< G
  int64_t num_atoms() const { return graph.num_nodes(); }  ///< N
  MolBatch to(torch::Device device) const;
};

/// Batches graphs for the engine (CPU tensors): `graph` is graph::batch() of one graph::Graph per
/// molecule, so it passes graph::GraphBatch::validate(). Throws InvalidInput for an empty list.
MolBatch make_batch(const std::vector<const MolGraph*>& graphs);

class ConformerEngineImpl : public torch::nn::Module {
 public:
  explicit ConformerEngineImpl(EngineOptions options = {});

  /// Final coordinates [N, 3] (Å) of sample `sample` (0: the deterministic conformer; k > 0:
  /// random initial momenta drawn from seed k).
  torch::Tensor forward(const MolBatch& b, int64_t sample = 0);

  /// forward() for each of `samples`, one [N, 3] each, with the encoder run once: only the
  /// starting geometry and momenta differ between samples, so k conformers cost one encoding and
  /// k relaxations. Equal to forward(b, samples[k]) up to round-off.
  std::vector<torch::Tensor> forward_samples(const MolBatch& b, const std::vector<int64_t>& samples);

  /// The whole relaxation: positions after every step, [steps + 1, N, 3], and the energy H of
  /// each molecule at every step, [steps + 1, G] (molecules do not interact, so a molecule's
  /// energies are the same in any batch).
  std::pair<torch::Tensor, torch::Tensor> trajectory(const MolBatch& b, int64_t sample = 0);

  const EngineOptions& options() const { return options_; }
  /// A copy of the options and parameters (by their module names, float32), the inference path's
  /// weights without LibTorch (engine_weights.hpp).
  EngineWeights weights() const;
  /// The stereo terms hold no weights of their own, so a trained engine can take them up.
  void set_stereo_weight(double weight);
  /// Samples k > 0 start with each rotatable bond (MolGraph::rotatable) turned by 0, 120 or 240
  /// degrees, drawn from the sample's seed: starts in other torsional basins, not only other
  /// momenta. Off by default (as trained); sample 0 never turns.
  void set_torsion_starts(bool on) { torsion_starts_ = on; }
  /// The scale of samples k > 0's random initial momenta (EngineOptions::temperature), >= 0.
  void set_temperature(double temperature);
  bool torsion_starts() const { return torsion_starts_; }

 private:
  struct Parameters;
  /// The learned, sample-free part: masses, frictions, pair terms, the shifted start.
  Parameters encode(const MolBatch& b);
  /// encode() for inference (no autograd, CPU, float32 weights) on plain arrays: the same layers
  /// as Eigen products on the weights in place, every message, pair and shift computed in one
  /// pass over rows instead of some hundred tensor operations, each with its allocation. Agrees
  /// with encode() to round-off.
  detail::FusedParameters encode_fused(const detail::BatchView& b) const;
  /// Whether forward() and forward_samples() take the inference path (encode_fused, then the
  /// plain-array perturbation and relaxation): no autograd, a CPU batch, float32 weights.
  bool fused(const MolBatch& b) const;
  /// The learned parameters with sample `sample`'s seeded start and momenta, and the start
  /// mirrored where its stereo centres mostly lie on the wrong side.
  Parameters perturb(const MolBatch& b, const Parameters& learned, int64_t sample) const;
  torch::Tensor relax(const MolBatch& b, Parameters& s, std::vector<torch::Tensor>* qs,
                      std::vector<torch::Tensor>* energies);

  EngineOptions options_;
  bool torsion_starts_ = false;
  torch::nn::Linear embed_{nullptr};
  torch::nn::ModuleList edge_mlps_{nullptr}, node_mlps_{nullptr};
  torch::nn::Sequential atom_head_{nullptr}, pair_head_{nullptr}, shift_head_{nullptr};
};
TORCH_MODULE(ConformerEngine);

}  // namespace noether::molecules
