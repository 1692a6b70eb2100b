// molecules with LibTorch: the differentiable Kabsch and distance losses, the engine as a torch
// module (atom order, dissipation, batches, stereo terms), its model and weights files, the fused
// inference path against it, the data set and training. The torch-free part of molecules/ is
// tested in test_conform_core.cpp.
#include "tests/support/test_common.hpp"

#include <algorithm>
#include <fstream>
#include <cstdio>
#include <numeric>
#include <random>

#include <omp.h>

#include <GraphMol/FileParsers/MolSupplier.h>
#include <GraphMol/FileParsers/MolWriters.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>

#include "molecules/alignment.hpp"
#include "molecules/losses.hpp"
#include "molecules/conform.hpp"
#include "molecules/dataset.hpp"
#include "molecules/engine.hpp"
#include "molecules/engine_file.hpp"
#include "molecules/io.hpp"
#include "molecules/mmff.hpp"
#include "molecules/molecule.hpp"
#include "molecules/torsions.hpp"
#include "molecules/training.hpp"
#include "noether/blas_threads.hpp"
#include "noether/error.hpp"

namespace nm = noether::molecules;
using Catch::Matchers::Contains;

namespace {
// The graphs of some SMILES, and pointers to them as make_batch takes them.
struct Featurized {
  std::vector<nm::MolGraph> graphs;
  std::vector<const nm::MolGraph*> ptrs;
  explicit Featurized(const std::vector<std::string>& smiles) {
    for (const auto& s : smiles) graphs.push_back(nm::featurize(*nm::parse_smiles(s)));
    for (const auto& g : graphs) ptrs.push_back(&g);
  }
  Featurized(const Featurized&) = delete;  // ptrs point into graphs
  Featurized& operator=(const Featurized&) = delete;
};

Eigen::Matrix3d random_rotation(std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  Eigen::Quaterniond q(n(rng), n(rng), n(rng), n(rng));
  return q.normalized().toRotationMatrix();
}

Eigen::MatrixX3d random_points(int n, std::mt19937_64& rng) {
  std::normal_distribution<double> g(0.0, 2.0);
  Eigen::MatrixX3d x(n, 3);
  for (int i = 0; i < n; ++i) x.row(i) << g(rng), g(rng), g(rng);
  return x;
}

torch::Tensor to_tensor(const Eigen::MatrixX3d& x) {
  auto t = torch::empty({x.rows(), 3}, torch::kDouble);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (int k = 0; k < 3; ++k) t[i][k] = x(i, k);
  return t;
}
}  // namespace

TEST_CASE("Kabsch RMSD of a rotated, translated copy is zero", "[molecules]") {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 20; ++trial) {
    const auto a = random_points(5 + trial, rng);
    const Eigen::Matrix3d r = random_rotation(rng);
    const Eigen::RowVector3d shift(3.0 * trial, -1.0, 2.5);
    const Eigen::MatrixX3d b = (a * r).rowwise() + shift;
    CHECK(nm::kabsch_rmsd(a, b) < 1e-10);
    const auto batch = torch::zeros({a.rows()}, torch::kLong);
    CHECK(nm::kabsch_rmsd(to_tensor(a), to_tensor(b), batch, 1, 0.0).item<double>() < 1e-10);
  }
  // A reflection is not a rotation: the mirror image of a chiral point set stays apart.
  const auto a = random_points(8, rng);
  Eigen::MatrixX3d mirror = a;
  mirror.col(2) *= -1;
  CHECK(nm::kabsch_rmsd(a, mirror) > 0.1);
  CHECK_THROWS_AS(nm::kabsch_rmsd(a, random_points(7, rng)), noether::InvalidInput);
}

TEST_CASE("differentiable Kabsch matches the SVD reference and finite differences", "[molecules]") {
  std::mt19937_64 rng(2);
  // Three molecules batched together; the torch value per graph equals Eigen's.
  std::vector<Eigen::MatrixX3d> xs, ys;
  std::vector<int64_t> batch;
  for (int m = 0; m < 3; ++m) {
    xs.push_back(random_points(6 + m, rng));
    ys.push_back(random_points(6 + m, rng));
    for (int i = 0; i < 6 + m; ++i) batch.push_back(m);
  }
  std::vector<torch::Tensor> xt, yt;
  for (int m = 0; m < 3; ++m) {
    xt.push_back(to_tensor(xs[m]));
    yt.push_back(to_tensor(ys[m]));
  }
  auto x = torch::cat(xt).requires_grad_(true);
  const auto y = torch::cat(yt);
  const auto b = torch::tensor(batch, torch::kLong);
  const auto rmsd = nm::kabsch_rmsd(x, y, b, 3, 0.0);
  for (int m = 0; m < 3; ++m) CHECK(rmsd[m].item<double>() == Approx(nm::kabsch_rmsd(xs[m], ys[m])).epsilon(1e-12));

  const auto weights = torch::tensor({1.0, 0.5, 2.0}, torch::kDouble);
  const auto loss = (rmsd * weights).sum();
  const auto grad = torch::autograd::grad({loss}, {x})[0];
  const double h = 1e-6;
  double worst = 0;
  for (int64_t i = 0; i < x.size(0); ++i)
    for (int k = 0; k < 3; ++k) {
      auto xp = x.detach().clone(), xm = x.detach().clone();
      xp[i][k] += h;
      xm[i][k] -= h;
      const double fd = ((nm::kabsch_rmsd(xp, y, b, 3, 0.0) * weights).sum().item<double>() -
                         (nm::kabsch_rmsd(xm, y, b, 3, 0.0) * weights).sum().item<double>()) / (2 * h);
      worst = std::max(worst, std::abs(fd - grad[i][k].item<double>()));
    }
  CHECK(worst < 1e-7);
}

TEST_CASE("pair distance MSE is zero for rigid motions and matches its formula", "[molecules]") {
  std::mt19937_64 rng(3);
  const auto a = random_points(5, rng);
  const Eigen::MatrixX3d moved = (a * random_rotation(rng)).rowwise() + Eigen::RowVector3d(1, 2, 3);
  const auto pairs = torch::tensor({0, 0, 1, 2, 1, 3, 4, 4}, torch::kLong).view({2, 4});
  const auto pg = torch::zeros({4}, torch::kLong);
  CHECK(nm::pair_distance_mse(to_tensor(a), to_tensor(moved), pairs, pg, 1).item<double>() < 1e-20);
  const auto b = random_points(5, rng);
  double expect = 0;
  const int ii[4] = {0, 0, 1, 2}, jj[4] = {1, 3, 4, 4};
  for (int k = 0; k < 4; ++k) {
    const double d = (a.row(ii[k]) - a.row(jj[k])).norm() - (b.row(ii[k]) - b.row(jj[k])).norm();
    expect += d * d / 4;
  }
  CHECK(nm::pair_distance_mse(to_tensor(a), to_tensor(b), pairs, pg, 1).item<double>() == Approx(expect).epsilon(1e-9));
}

TEST_CASE("the engine is independent of the input atom order", "[molecules][rdkit]") {
  torch::manual_seed(5);
  nm::EngineOptions o;
  o.hidden = 32;
  o.rounds = 2;
  o.steps = 12;
  nm::ConformerEngine engine(o);
  engine->eval();
  torch::NoGradGuard no_grad;
  // The stereo terms too: a centre's neighbours come in the input's bond order, its sign follows.
  for (const std::string smiles : {"OC(=O)C1CCN(C1)c1ccc(Cl)cc1F", "C/C=C/[C@H](O)[C@@H](N)CC(=O)O",
                                   "C[C@@H]1C=CC[C@@H]2C(=O)NC(=O)[C@H]12"}) {
    INFO(smiles);
    auto mol = nm::parse_smiles(smiles);
    const unsigned n = mol->getNumAtoms();
    std::vector<unsigned> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(6));
    std::unique_ptr<RDKit::ROMol> shuffled(RDKit::MolOps::renumberAtoms(*mol, order));
    // order[i] is the original index of the shuffled molecule's atom i.
    auto run = [&](const RDKit::ROMol& m) {
      const auto g = nm::featurize(m);
      const auto q = engine->forward(nm::make_batch({&g}), 0).to(torch::kDouble);
      Eigen::MatrixX3d x(m.getNumAtoms(), 3);  // rows in m's own atom order
      for (int64_t i = 0; i < g.atoms; ++i)
        for (int k = 0; k < 3; ++k) x(g.heavy[i], k) = q[i][k].item<double>();
      return x;
    };
    const auto a = run(*mol), b = run(*shuffled);
    double worst = 0;
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = 0; j < n; ++j) {
        const double da = (a.row(order[i]) - a.row(order[j])).norm();
        const double db = (b.row(i) - b.row(j)).norm();
        worst = std::max(worst, std::abs(da - db));
      }
    CHECK(worst < 1e-5);
    // The same handedness: the signed volume of any four atoms agrees.
    auto volume = [](const Eigen::MatrixX3d& x, unsigned p, unsigned q, unsigned r, unsigned t) {
      return (x.row(q) - x.row(p)).dot((x.row(r) - x.row(p)).cross(x.row(t) - x.row(p)));
    };
    CHECK(volume(a, order[0], order[1], order[2], order[3]) * volume(b, 0, 1, 2, 3) > 0);
    // The result is a real 3-D structure, not a collapsed one.
    CHECK((a.rowwise() - a.colwise().mean()).norm() > 1.0);
  }
}

TEST_CASE("the relaxation dissipates energy", "[molecules][rdkit]") {
  torch::manual_seed(7);
  nm::EngineOptions o;
  o.hidden = 32;
  o.rounds = 2;
  o.steps = 40;
  nm::ConformerEngine engine(o);
  torch::NoGradGuard no_grad;
  auto m1 = nm::parse_smiles("CCOC(=O)c1ccccc1N");
  auto m2 = nm::parse_smiles("CC(C)CC(N)C(=O)O");
  const auto g1 = nm::featurize(*m1), g2 = nm::featurize(*m2);
  const auto [qs, energies] = engine->trajectory(nm::make_batch({&g1, &g2}), 3);
  CHECK(qs.size(0) == 41);
  for (int m = 0; m < 2; ++m) {
    const auto e = energies.select(1, m);
    CHECK(e[-1].item<float>() < 0.5f * e[0].item<float>());
  }
  nm::EngineOptions bad;
  bad.hidden = 0;
  CHECK_THROWS_AS(nm::ConformerEngine(bad), noether::InvalidInput);
}

TEST_CASE("make_batch builds a valid graph::GraphBatch of the molecules' bond graphs", "[molecules][rdkit]") {
  const Featurized mols({"CCO", "c1ccccc1O", "C", "C/C=C/[C@H](O)[C@@H](N)C"});
  const auto& graphs = mols.graphs;
  const auto& ptrs = mols.ptrs;
  const auto b = nm::make_batch(ptrs);
  CHECK_NOTHROW(b.graph.validate());
  CHECK(b.num_graphs() == 4);
  int64_t atoms = 0, bonds = 0;
  for (const auto& g : graphs) {
    atoms += g.atoms;
    bonds += g.edge_index.cols();
  }
  CHECK(b.num_atoms() == atoms);
  CHECK(b.graph.num_edges() == bonds);
  CHECK(b.graph.nodes.size(1) == nm::kAtomFeatures);
  CHECK(b.graph.edges.size(1) == nm::kBondFeatures);
  CHECK(torch::equal(b.graph.node_to_graph, torch::tensor({0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3},
                                                          torch::kLong)));
  // The pairs and stereo tables use the batch's atom numbering and name each row's molecule.
  CHECK(torch::equal(b.pair_graph, b.graph.node_to_graph.index_select(0, b.pairs[0])));
  CHECK(torch::equal(b.chiral_graph, b.graph.node_to_graph.index_select(0, b.chiral.select(1, 0))));
  CHECK(torch::equal(b.cis_graph, b.graph.node_to_graph.index_select(0, b.cis_trans.select(1, 0))));
  CHECK_THROWS_AS(nm::make_batch({}), noether::InvalidInput);
}

TEST_CASE("a molecule's energies in a batch are those it has alone", "[molecules][rdkit]") {
  // Molecules do not interact: each one's H along the relaxation, and so their sum, is what the
  // engine gives it run on its own (the same random draws: they follow the canonical atom index).
  torch::manual_seed(8);
  nm::EngineOptions o;
  o.hidden = 32;
  o.rounds = 2;
  o.steps = 16;
  nm::ConformerEngine engine(o);
  engine->eval();
  torch::NoGradGuard no_grad;
  const Featurized mols({"CCOC(=O)c1ccccc1N", "CC(C)CC(N)C(=O)O", "C/C=C/[C@H](O)[C@@H](N)CC(=O)O",
                                   "C[C@@H]1C=CC[C@@H]2C(=O)NC(=O)[C@H]12"});
  const auto& graphs = mols.graphs;
  const auto& ptrs = mols.ptrs;
  for (int64_t sample : {0, 2}) {
    INFO("sample " << sample);
    const auto [qs, energies] = engine->trajectory(nm::make_batch(ptrs), sample);  // [steps + 1, G]
    REQUIRE(energies.sizes() == torch::IntArrayRef({o.steps + 1, 4}));
    auto total = torch::zeros({o.steps + 1}, energies.options());
    for (std::size_t m = 0; m < graphs.size(); ++m) {
      const auto alone = engine->trajectory(nm::make_batch({&graphs[m]}), sample).second.select(1, 0);
      CHECK(torch::allclose(energies.select(1, static_cast<int64_t>(m)), alone, 1e-4, 1e-5));
      total = total + alone;
    }
    CHECK(torch::allclose(energies.sum(1), total, 1e-4, 1e-5));
  }
}

TEST_CASE("an engine saved to a model file loads back bit for bit", "[molecules][rdkit]") {
  torch::manual_seed(12);
  nm::EngineOptions o;
  o.hidden = 16;
  o.rounds = 2;
  o.steps = 5;
  o.stereo_weight = 0.5;
  nm::ConformerEngine engine(o);
  const std::string path = "molecules_engine_roundtrip_test.pt";
  nm::save_engine(*engine, path, {{"epochs", 3}});
  nlohmann::json meta;
  const auto back = nm::load_engine(path, &meta);
  // The weights file beside it, read without LibTorch: the same options and every parameter.
  const auto weights = nm::read_engine_weights(nm::weights_path(path));
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());
  std::remove(nm::weights_path(path).c_str());
  CHECK(meta.at("epochs") == 3);
  CHECK(back->options().hidden == 16);
  CHECK(back->options().stereo_weight == 0.5);
  const auto a = engine->named_parameters(), b = back->named_parameters();
  REQUIRE(a.size() == b.size());
  for (const auto& p : a) CHECK(torch::equal(p.value(), b[p.key()]));
  CHECK(weights.options.hidden == 16);
  CHECK(weights.options.rounds == 2);
  CHECK(weights.options.stereo_weight == 0.5);
  REQUIRE(weights.entries.size() == a.size());
  for (const auto& p : a) {
    INFO(p.key());
    const float* values = weights.get(p.key(), p.value().sizes().vec());
    CHECK(torch::equal(torch::from_blob(const_cast<float*>(values), p.value().sizes(), torch::kFloat), p.value()));
  }
  CHECK_THROWS_WITH(weights.get("embed.weight", {16, 3}), Contains("'embed.weight' is [16, 44]"));
  CHECK_THROWS_WITH(weights.get("no.such", {1}), Contains("no 'no.such'"));
  CHECK_THROWS_AS(nm::load_engine("no_such_conformer_model.pt"), noether::InvalidInput);
}

TEST_CASE("the fused engine on a weights file gives the module's conformers", "[molecules]") {
  // FusedEngine needs the weights alone (read without LibTorch) and plain arrays: the same
  // conformers as the module without autograd, to the bit (the same path, the same weights).
  auto engine = nm::load_engine(nm::shipped_model_path());
  engine->set_torsion_starts(true);
  const std::string path = "molecules_fused_engine_test.weights";
  nm::write_engine_weights(engine->weights(), path);
  nm::FusedEngine fused(nm::read_engine_weights(path));
  std::remove(path.c_str());
  fused.set_torsion_starts(true);
  const Featurized mols({"CC(=O)Nc1ccc(O)cc1", "C", "C/C=C/[C@H](O)[C@@H](N)CCCC(=O)O"});
  const auto& ptrs = mols.ptrs;
  const std::vector<int64_t> samples{0, 2, 5};
  torch::NoGradGuard no_grad;
  const auto want = engine->forward_samples(nm::make_batch(ptrs), samples);
  const auto got = fused.forward_samples(nm::make_plain_batch(ptrs), samples);
  REQUIRE(got.size() == want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    REQUIRE(static_cast<int64_t>(got[k].size()) == want[k].numel());
    CHECK(torch::equal(torch::from_blob(const_cast<float*>(got[k].data()), want[k].sizes(), torch::kFloat), want[k]));
  }
  CHECK_THROWS_WITH(nm::make_plain_batch({}), Contains("no molecules"));
  nm::EngineWeights missing = engine->weights();
  missing.entries.pop_back();
  CHECK_THROWS_WITH(nm::FusedEngine(missing).forward_samples(nm::make_plain_batch(ptrs), {0}), Contains("no '"));
}

TEST_CASE("a model's weights file is found beside it, or given itself", "[molecules]") {
  // Conformer (no LibTorch) reads a model through its weights file: FILE.weights beside it, or the
  // weights file named directly; a model without one gives "" (the LibTorch program reads it).
  const std::string model = "molecules_model_weights_test.pt";
  std::ofstream(model, std::ios::binary) << "PK\x03\x04 a torch archive";
  CHECK(nm::model_weights_path(model).empty());
  CHECK_THROWS_WITH(nm::Conformer(nm::ConformOptions{model}), Contains("has no weights file '" + model + ".weights'"));
  nm::EngineWeights w;
  const float one = 1.0f;
  w.add("a", {1}, &one);
  nm::write_engine_weights(w, nm::weights_path(model));
  CHECK(nm::model_weights_path(model) == model + ".weights");
  CHECK(nm::model_weights_path(model + ".weights") == model + ".weights");
  std::remove(model.c_str());
  std::remove((model + ".weights").c_str());
  CHECK_THROWS_WITH(nm::model_weights_path(model), Contains("cannot read conformer model '" + model + "'"));
  // The shipped weights are the shipped model's (a retrained model.pt without them would differ).
  const auto shipped = nm::load_engine(nm::shipped_model_path())->weights();
  const auto file = nm::read_engine_weights(nm::model_weights_path(nm::shipped_model_path()));
  CHECK(file.data == shipped.data);
  REQUIRE(file.entries.size() == shipped.entries.size());
  for (std::size_t k = 0; k < file.entries.size(); ++k) CHECK(file.entries[k].name == shipped.entries[k].name);
}

namespace {
// The SMILES with hydrogens and one ETKDG conformer; heavy atoms only when `heavy`.
std::unique_ptr<RDKit::RWMol> embedded(const std::string& smiles, unsigned seed, bool heavy) {
  auto mol = nm::parse_smiles(smiles);
  RDKit::MolOps::addHs(*mol);
  REQUIRE(!nm::embed_etkdg(*mol, 1, seed, false).empty());
  if (heavy) RDKit::MolOps::removeHs(*mol);
  return mol;
}
}  // namespace

TEST_CASE("stereo constraints follow RDKit's chirality and E/Z conventions", "[molecules][rdkit]") {
  // ETKDG honours the SMILES' stereo: its conformers satisfy every sign, and their mirror images
  // violate every tetrahedral one. Explicit hydrogens among a centre's first three bonds change
  // which heavy neighbours span the volume, not the answer.
  struct Case {
    std::string smiles;
    int centres, double_bonds;
  };
  for (const Case& c : {Case{"F[C@](Cl)(Br)I", 1, 0}, Case{"N[C@@H](C)C(=O)O", 1, 0}, Case{"[H][C@](F)(Cl)Br", 1, 0},
                        Case{"C[C@@H]1CCC[C@]2(C)[C@H]3CC[C@@H]4CCC[C@@]4(C)[C@]3(C)CC[C@@H]12", 7, 0},
                        Case{"O=C1OC[C@@H]2[C@H]1[C@@H]1C=C[C@H]2C1", 4, 0}, Case{"N#C/C=C\\C#N", 0, 1},
                        Case{"F/C=C/F", 0, 1}, Case{"C/C(Cl)=C(\\Br)C", 0, 1},
                        Case{"C/C=C/[C@H](O)[C@@H](N)C", 2, 1}}) {
    INFO(c.smiles);
    const auto mol = embedded(c.smiles, 7, false);
    RDKit::RWMol heavy(*mol);
    RDKit::MolOps::removeHs(heavy);
    for (const RDKit::ROMol* m : {static_cast<const RDKit::ROMol*>(&heavy), static_cast<const RDKit::ROMol*>(mol.get())}) {
      const auto g = nm::featurize(*m);
      CHECK(g.chiral.rows() == c.centres);
      CHECK(g.cis_trans.rows() == c.double_bonds);
      const auto x = nm::heavy_coordinates(*m, g);
      CHECK(nm::stereo_violations(g, x) == 0);
      Eigen::MatrixX3d mirror = x;
      mirror.col(2) *= -1;
      const auto [vol, cis] = nm::stereo_values(g, mirror);
      for (Eigen::Index k = 0; k < vol.size(); ++k) CHECK(g.chiral_sign[k] * vol(k) < 0);
    }
  }
}

TEST_CASE("data set targets keep the SMILES' stereo whatever the record's atom order", "[molecules][rdkit]") {
  // A meso ring system: its mirror symmetry maps the graph onto itself with the two centres swapped,
  // and a match that ignores chirality may read the coordinates through that symmetry.
  const auto mol = embedded("O=C1NC(=O)[C@@H]2CC=CC[C@H]12", 3, true);  // records hold heavy atoms
  const std::string path = "molecules_stereo_split_test.sdf";
  {
    RDKit::SDWriter writer(path);
    std::mt19937_64 rng(11);
    for (int k = 0; k < 12; ++k) {
      std::vector<unsigned> order(mol->getNumAtoms());
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), rng);
      std::unique_ptr<RDKit::ROMol> shuffled(RDKit::MolOps::renumberAtoms(*mol, order));
      shuffled->setProp("_Name", "meso" + std::to_string(k));
      shuffled->setProp("noether_smiles", std::string("O=C1NC(=O)[C@@H]2CC=CC[C@H]12"));
      shuffled->setProp("noether_source", std::string("etkdg-mmff"));
      writer.write(*shuffled);
    }
  }
  const auto split = nm::read_split(path);
  std::remove(path.c_str());
  REQUIRE(split.size() == 12);
  for (const auto& r : split) {
    INFO(r.name);
    REQUIRE(r.graph.chiral.rows() == 2);
    CHECK(nm::stereo_violations(r.graph, r.target) == 0);
  }
}

TEST_CASE("training scores a molecule against the symmetric relabelling of its target that fits best",
          "[molecules][rdkit]") {
  // tert-butylbenzene: the three methyls permute (6) and the ring turns over (2).
  const auto rec = nm::make_record(embedded("CC(C)(C)c1ccccc1", 5, true), "tbu", "etkdg-mmff");
  REQUIRE(rec.symmetries.size(0) == 12);
  // Every row maps bonds onto bonds, and row 0 is the identity.
  const auto& ei = rec.graph.edge_index;
  for (int64_t k = 0; k < 12; ++k)
    for (int64_t e = 0; e < rec.graph.edge_index.cols(); ++e)
      CHECK(rec.graph.topological(rec.symmetries[k][ei(0, e)].item<int64_t>(),
                                  rec.symmetries[k][ei(1, e)].item<int64_t>()) == 1);
  CHECK(torch::equal(rec.symmetries[0], torch::arange(rec.graph.atoms)));
  // A prediction that is the target relabelled by symmetry 7, rotated and moved: the plain RMSD
  // sees a large error, the symmetric choice none.
  std::mt19937_64 rng(9);
  const Eigen::Matrix3d rot = random_rotation(rng);
  Eigen::MatrixX3d pred(rec.graph.atoms, 3);
  for (int64_t i = 0; i < rec.graph.atoms; ++i)
    pred.row(i) = (rot * rec.target.row(rec.symmetries[7][i].item<int64_t>()).transpose()).transpose() +
                  Eigen::RowVector3d(1.0, -2.0, 0.5);
  const auto q = to_tensor(pred).to(torch::kFloat), y = to_tensor(rec.target).to(torch::kFloat);
  const auto batch = torch::zeros({rec.graph.atoms}, torch::kLong);
  CHECK(nm::kabsch_rmsd(q, y, batch, 1).item<double>() > 0.5);
  const auto chosen = nm::closest_symmetric_target(q, y, {&rec});
  CHECK(nm::kabsch_rmsd(q, chosen, batch, 1).item<double>() < 1e-3);
  // A molecule without symmetry keeps its target.
  const auto rec2 = nm::make_record(embedded("OCC(N)C(=O)Cl", 5, true), "plain", "etkdg-mmff");
  CHECK(rec2.symmetries.size(0) == 1);
}

TEST_CASE("the engine's stereo terms put every specified centre and double bond on the SMILES' side",
          "[molecules][rdkit]") {
  // An untrained engine (random springs): without the stereo terms the handedness of each centre
  // is whatever the start and the springs make it; with them every one comes out right.
  const std::vector<std::string> smiles = {
      "C[C@@H]1CCC[C@]2(C)[C@H]3CC[C@@H]4CCC[C@@]4(C)[C@]3(C)CC[C@@H]12",
      "O=C1OC[C@@H]2[C@H]1[C@@H]1C=C[C@H]2C1", "C/C=C/[C@H](O)[C@@H](N)C", "N#C/C=C\\C#N",
      "O[C@H]1[C@H](O)C[NH2+]C[C@@H]1O", "CC(=O)O[C@@H]1[C@@H](OC)O[C@H](CO)[C@H](O)[C@H]1O"};
  const Featurized mols(smiles);
  const auto& graphs = mols.graphs;
  const auto& ptrs = mols.ptrs;
  const auto batch = nm::make_batch(ptrs);
  auto violations = [&](double weight) {
    torch::manual_seed(3);
    nm::EngineOptions o;
    o.hidden = 32;
    o.rounds = 2;
    o.stereo_weight = weight;
    nm::ConformerEngine engine(o);
    torch::NoGradGuard no_grad;
    int wrong = 0;
    for (int sample = 0; sample < 3; ++sample) {
      const auto q = engine->forward(batch, sample).to(torch::kDouble).contiguous();
      int64_t offset = 0;
      for (const auto& g : graphs) {
        Eigen::MatrixX3d x(g.atoms, 3);
        for (int64_t i = 0; i < g.atoms; ++i)
          for (int k = 0; k < 3; ++k) x(i, k) = q[offset + i][k].item<double>();
        wrong += nm::stereo_violations(g, x);
        offset += g.atoms;
      }
    }
    return wrong;
  };
  CHECK(violations(1.0) == 0);
  CHECK(violations(0.0) > 0);
  nm::EngineOptions bad;
  bad.stereo_weight = -1;
  CHECK_THROWS_WITH(nm::ConformerEngine(bad), Contains("stereo_weight"));
}

TEST_CASE("the shipped model gives chemically sensible bond lengths", "[molecules][rdkit]") {
  // Against ETKDGv3 + MMFF94 on the same SMILES (same heavy-atom order): bonds within 0.06 Å on
  // average and 0.2 Å at worst (the shipped model: 0.050 and 0.111). A model trained without the
  // bond-length term gave 0.11 and 0.43 (C-C single bonds of 1.27-1.37 Å) with a plausible RMSD.
  nm::Conformer engine;
  double sum = 0, worst = 0;
  int bonds = 0;
  for (const std::string smiles : {"CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
                                   "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "OCC1OC(O)C(O)C(O)C1O"}) {
    const auto c = engine.conform(smiles);
    auto ref = nm::parse_smiles(smiles);
    RDKit::MolOps::addHs(*ref);
    REQUIRE(!nm::embed_etkdg(*ref, 1, 42, true).empty());
    for (const auto* b : ref->bonds()) {
      const unsigned i = b->getBeginAtomIdx(), j = b->getEndAtomIdx();
      if (ref->getAtomWithIdx(i)->getAtomicNum() == 1 || ref->getAtomWithIdx(j)->getAtomicNum() == 1) continue;
      const double d = (c.mol->getConformer().getAtomPos(i) - c.mol->getConformer().getAtomPos(j)).length();
      const double r = (ref->getConformer().getAtomPos(i) - ref->getConformer().getAtomPos(j)).length();
      sum += std::abs(d - r);
      worst = std::max(worst, std::abs(d - r));
      ++bonds;
    }
  }
  INFO("mean |bond error| " << sum / bonds << " Å, worst " << worst << " Å over " << bonds << " bonds");
  CHECK(sum / bonds < 0.06);
  CHECK(worst < 0.2);
}

TEST_CASE("conform_all changes no process-wide setting and gives the same answer on any number of workers",
          "[molecules][rdkit]") {
  // torch::get_num_threads() first: torch sets this thread's OpenMP count on its first use.
  const int torch_before = torch::get_num_threads(), omp_before = omp_get_max_threads();
  const int blas_before = noether::blas_threads();  // single-threaded during the call only
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"CCO", "a"}, {"c1ccccc1O", "b"}, {"C[C@@H](O)c1ccccc1", "c"}, {"C1CC(", "bad"}, {"CC(=O)Nc1ccc(O)cc1", "d"}};
  std::vector<std::vector<nm::Conformation>> runs;
  for (int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    nm::ConformOptions o;
    o.batch_size = 2;  // three batches
    o.threads = threads;
    runs.push_back(nm::Conformer(o).conform_all(inputs));
    CHECK(omp_get_max_threads() == omp_before);
    CHECK(torch::get_num_threads() == torch_before);
    CHECK(noether::blas_threads() == blas_before);
  }
  for (std::size_t r = 1; r < runs.size(); ++r)
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      INFO(inputs[i].first);
      CHECK(runs[r][i].error == runs[0][i].error);
      REQUIRE(runs[r][i].coordinates.size() == runs[0][i].coordinates.size());
      for (std::size_t k = 0; k < runs[0][i].coordinates.size(); ++k)
        CHECK(runs[r][i].coordinates[k] == runs[0][i].coordinates[k]);
    }
  CHECK(!runs[0][3].error.empty());
  nm::ConformOptions missing;
  missing.model = "no_such_conformer_model.pt";
  CHECK_THROWS_AS(nm::Conformer(missing), noether::InvalidInput);
}

TEST_CASE("the inference relaxation and the batched samples give the differentiable engine's conformers",
          "[molecules]") {
  // forward() without autograd runs the fused relaxation; trajectory() the tensor one that
  // training differentiates; forward_samples() encodes once for many samples. All three must give
  // the same molecule (round-off only: float sums in another order).
  auto engine = nm::load_engine(nm::shipped_model_path());
  engine->eval();
  const Featurized mols({"CC(=O)Nc1ccc(O)cc1", "C/C=C/[C@H](O)[C@@H](N)CC(=O)O",
                                   "COc1ccc2nc(S(=O)Cc3ncc(C)c(OC)c3C)[nH]c2c1", "CCCCCCCCCC(=O)O"});
  const auto& ptrs = mols.ptrs;
  const auto batch = nm::make_batch(ptrs);
  const std::vector<int64_t> samples{0, 1, 7};
  std::vector<torch::Tensor> reference;
  {
    torch::NoGradGuard no_grad;
    for (const auto s : samples) reference.push_back(engine->trajectory(batch, s).first[-1]);
  }
  torch::NoGradGuard no_grad;
  const auto batched = engine->forward_samples(batch, samples);
  REQUIRE(batched.size() == samples.size());
  for (std::size_t k = 0; k < samples.size(); ++k) {
    INFO("sample " << samples[k]);
    const auto single = engine->forward(batch, samples[k]);
    CHECK((single - reference[k]).abs().max().item<double>() < 2e-3);
    CHECK((batched[k] - single).abs().max().item<double>() == 0.0);
  }
  // Different samples are different conformers.
  CHECK((batched[1] - batched[2]).abs().max().item<double>() > 0.05);
}

TEST_CASE("seeded_normals draws LibTorch's randn table without LibTorch", "[molecules]") {
  // The shipped model was trained on the starts torch::randn gave; the inference path draws them
  // itself. Equal to round-off (LibTorch's vectorised log, sin and cos) for whole blocks of 16.
  for (const uint64_t seed : {7919ull, 7919ull + 104729ull * 3, 12345ull}) {
    for (const int64_t count : {16, 48, 300}) {
      INFO("seed " << seed << ", " << count << " draws");
      auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
      const auto want = torch::randn({count}, gen, torch::kFloat);
      std::vector<float> got(static_cast<std::size_t>(count));
      nm::seeded_normals(seed, count, got.data());
      // LibTorch redraws the last 16 of a tensor whose size is not a multiple of 16.
      const int64_t same = count % 16 ? count - 16 : count;
      const auto diff = (torch::from_blob(got.data(), {count}, torch::kFloat) - want).narrow(0, 0, same);
      CHECK(diff.abs().max().item<double>() < 1e-5);
    }
  }
  // Fewer than a block: the first draws of the same table.
  std::vector<float> all(16), few(5);
  nm::seeded_normals(99, 16, all.data());
  nm::seeded_normals(99, 5, few.data());
  for (int k = 0; k < 5; ++k) CHECK(few[k] == all[k]);
}

TEST_CASE("the inference encoder gives the differentiable encoder's masses, pair terms and start",
          "[molecules]") {
  // Without autograd on CPU the encoder runs fused (Eigen products on the weights in place); with
  // autograd, as tensors. trajectory() relaxes by tensors either way, so its start (q0) and its
  // energies (every mass, friction and pair term) compare the two encoders, for molecules with
  // rings, stereo centres, an E/Z bond, a lone atom (no bonds, no pairs) and charges.
  auto engine = nm::load_engine(nm::shipped_model_path());
  engine->eval();
  const Featurized mols({"COc1ccc2nc(S(=O)Cc3ncc(C)c(OC)c3C)[nH]c2c1", "C", "C/C=C/[C@H](O)[C@@H](N)CC(=O)[O-]",
                                   "CC(C)(C)c1ccc(cc1)C(=O)N1CCN(CC1)c1ncccn1"});
  const auto& ptrs = mols.ptrs;
  const auto batch = nm::make_batch(ptrs);
  for (const int64_t sample : {0, 3}) {
    INFO("sample " << sample);
    const auto [q_tensor, e_tensor] = engine->trajectory(batch, sample);  // autograd on: tensor encoder
    torch::NoGradGuard no_grad;
    const auto [q_fused, e_fused] = engine->trajectory(batch, sample);
    CHECK((q_fused[0] - q_tensor[0].detach()).abs().max().item<double>() < 1e-4);
    // Round-off is ~1e-6 (measured); a softplus 0.1% off moves these by 2e-4 to 6e-3.
    CHECK(((e_fused[0] - e_tensor[0].detach()).abs() / (1.0 + e_tensor[0].detach().abs())).max().item<double>() < 1e-5);
    CHECK((q_fused[-1] - q_tensor[-1].detach()).abs().max().item<double>() < 1e-4);
    CHECK(((e_fused - e_tensor.detach()).abs() / (1.0 + e_tensor.detach().abs())).max().item<double>() < 1e-5);
  }
}

TEST_CASE("set_dihedral turns a bond's moving side to the angle asked and keeps every bond length",
          "[molecules][rdkit]") {
  // Every rotatable bond of an ETKDG conformer, each way round (the moving side holding the
  // torsion's third atom, or its second), to angles across the circle.
  const auto mol = embedded("CCCCOc1ccc(CC(=O)NCCN(C)C)cc1", 3, true);
  const auto g = nm::featurize(*mol);
  const Eigen::MatrixX3d start = nm::heavy_coordinates(*mol, g);
  const auto& ei = g.edge_index;
  auto bond_lengths = [&](const Eigen::MatrixX3d& x) {
    Eigen::VectorXd d(g.edge_index.cols());
    for (int64_t e = 0; e < d.size(); ++e) d(e) = (x.row(ei(0, e)) - x.row(ei(1, e))).norm();
    return d;
  };
  auto other_neighbour = [&](int64_t atom, int64_t not_this) {
    for (int64_t e = 0; e < g.edge_index.cols(); ++e)
      if (ei(0, e) == atom && ei(1, e) != not_this) return ei(1, e);
    return int64_t{-1};
  };
  REQUIRE(g.rotatable.size() >= 8);
  for (std::size_t r = 0; r < g.rotatable.size(); ++r)
    for (const bool c_moves : {true, false}) {
      nm::TorsionPreference t;
      t.bond = r;
      const auto [fixed, moving] = g.rotatable[r];
      const int64_t b = c_moves ? fixed : moving, c = c_moves ? moving : fixed;
      t.atoms = {other_neighbour(b, c), b, c, other_neighbour(c, b)};
      for (const double target : {-3.0, -1.2, 0.0, 0.5, 2.9}) {
        Eigen::MatrixX3d x = start;
        nm::set_dihedral(x, g, t, target);
        INFO("bond " << r << " target " << target);
        CHECK(std::abs(std::remainder(nm::dihedral(x, t.atoms) - target, 2 * M_PI)) < 1e-9);
        CHECK((bond_lengths(x) - bond_lengths(start)).cwiseAbs().maxCoeff() < 1e-9);
        for (int64_t a = 0; a < g.atoms; ++a)  // the fixed side stays where it was
          if (std::find(g.moving[r].begin(), g.moving[r].end(), a) == g.moving[r].end())
            CHECK((x.row(a) - start.row(a)).norm() == 0.0);
      }
    }
}

TEST_CASE("reference ensembles: ETKDG+MMFF conformers in graph order, cached, none for fragments, "
          "the ensemble term trains", "[molecules][rdkit]") {
  std::vector<nm::ConformerRecord> records;
  records.push_back(nm::make_record(embedded("CCCCOc1ccccc1", 5, true), "butoxybenzene", "etkdg-mmff"));
  records.push_back(nm::make_record(embedded("CCOC(=O)CCN", 5, true), "ester", "etkdg-mmff"));
  records.push_back(nm::make_record(embedded("c1ccc2ccccc2c1", 5, true), "naphthalene", "openbabel-fragment"));
  const std::string cache = "test_ensembles_cache.txt";
  std::remove(cache.c_str());
  nm::attach_reference_ensembles(records, 4, 42, cache, 1, false);
  CHECK(records[2].ensemble.empty());  // rigid fragments have none
  for (std::size_t m = 0; m < 2; ++m) {
    const auto& r = records[m];
    INFO(r.name);
    REQUIRE(!r.ensemble.empty());
    CHECK(r.ensemble.size() <= 4);
    for (const auto& x : r.ensemble) {
      REQUIRE(x.rows() == r.graph.atoms);
      // In graph order: every bond as long as the target's (both MMFF94 minima) to 0.05 Å.
      const auto& ei = r.graph.edge_index;
      for (int64_t e = 0; e < r.graph.edge_index.cols(); ++e) {
        const auto i = ei(0, e), j = ei(1, e);
        CHECK(std::abs((x.row(i) - x.row(j)).norm() - (r.target.row(i) - r.target.row(j)).norm()) < 0.05);
      }
    }
  }
  // The cache gives the same conformers back (written to 1e-6 Å).
  auto again = records;
  for (auto& r : again) r.ensemble.clear();
  nm::attach_reference_ensembles(again, 4, 42, cache, 1, false);
  for (std::size_t m = 0; m < 2; ++m) {
    REQUIRE(again[m].ensemble.size() == records[m].ensemble.size());
    for (std::size_t k = 0; k < records[m].ensemble.size(); ++k)
      CHECK((again[m].ensemble[k] - records[m].ensemble[k]).cwiseAbs().maxCoeff() < 1e-5);
  }
  std::remove(cache.c_str());
  // Training with the ensemble term runs and stays finite; a negative weight is refused.
  nm::ConformerTrainOptions o;
  o.engine.hidden = 16;
  o.engine.rounds = 1;
  o.engine.steps = 4;
  o.epochs = 2;
  o.batch_size = 3;
  o.ensemble_weight = 1.0;
  nm::ConformerDataset data;
  data.train = records;
  data.valid = records;
  torch::manual_seed(0);
  nm::ConformerEngine engine(o.engine);
  const auto s = nm::train_conformer(engine, data, o, false);
  CHECK(std::isfinite(s.train_loss));
  CHECK(std::isfinite(s.valid.rmsd_median));
  o.ensemble_weight = -1;
  CHECK_THROWS_AS(o.validate(), noether::InvalidInput);
}
