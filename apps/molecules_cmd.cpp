// apps/molecules_cmd.cpp: `noether conform` (apps/conform_cmd.cpp, here with torchrun's ranks and
// models that only LibTorch reads) and `noether train-conformer` (builds the data set and trains
// the engine).
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <omp.h>
#include <nlohmann/json.hpp>

#include "apps/options.hpp"
#include "apps/registry.hpp"
#include "noether/blas_threads.hpp"
#include "noether/config.hpp"
#include "noether/error.hpp"
#include "physics/learning/distributed.hpp"

#if NOETHER_HAVE_RDKIT && NOETHER_HAVE_OPENBABEL
#include "apps/conform_cmd.hpp"
#include "molecules/engine_file.hpp"
#include "molecules/training.hpp"
#endif

namespace noether::apps {

#if NOETHER_HAVE_RDKIT && NOETHER_HAVE_OPENBABEL

namespace mol = noether::molecules;
using nlohmann::json;

namespace {

struct TrainConformerArgs {
  std::string data_dir = "conformer-data", output = "conformer.pt";
  int64_t limit = 0, epochs = 20, batch_size = 32;
  int max_atoms = 32, threads = 0;
  double lr = 2e-3, bond_weight = 5.0, focus = 0.0, focus_center = 0.0, stereo_weight = 1.0, ema = 0.0;
  double ensemble_weight = 0.0;
  int ensemble_size = 10;
  bool stereo_weight_given = false;  ///< --stereo-weight on the command line (applies on --resume too)
  bool no_symmetric = false;
  int64_t hidden = 96, rounds = 4, steps = 32;
  unsigned seed = 0;
  bool resume = false, json = false, quiet = false;
};

int train_conformer_command(const TrainConformerArgs& a) {
  if (a.threads > 0) torch::set_num_threads(a.threads);
  // BLAS single-threaded: the engine's products are small and its many elementwise operations
  // are torch's; torch's and OpenBLAS's thread pools side by side spin against each other. One
  // epoch of the shipped recipe's data on the 2-core VM: 63 s with both at 2 threads (the default
  // before), 25 s with torch at 2 and BLAS at 1, 26 s with both at 1.
  set_blas_threads(1);
  mol::DatasetOptions d;
  d.cache_dir = a.data_dir;
  d.limit = a.limit;
  d.max_heavy_atoms = a.max_atoms;
  d.threads = a.threads;
  mol::ConformerTrainOptions o;
  o.engine.hidden = a.hidden;
  o.engine.rounds = a.rounds;
  o.engine.steps = a.steps;
  o.engine.stereo_weight = a.stereo_weight;
  o.epochs = a.epochs;
  o.batch_size = a.batch_size;
  o.learning_rate = a.lr;
  o.w_local = a.bond_weight;
  o.focus = a.focus;
  o.focus_center = a.focus_center;
  o.ema = a.ema;
  o.symmetric = !a.no_symmetric;
  o.ensemble_weight = a.ensemble_weight;
  o.seed = a.seed;
  o.checkpoint = a.output;
  o.validate();  // before the data set, which may take a minute to build
  auto data = mol::load_or_build_dataset(d, !a.quiet && !a.json);
  if (a.ensemble_weight > 0 && a.epochs > 0)  // ETKDG + MMFF94 with the targets' seed, built once
    mol::attach_reference_ensembles(data.train, a.ensemble_size, 42,
                                    a.data_dir + "/ensembles-" + std::to_string(a.ensemble_size) + ".txt",
                                    a.threads > 0 ? a.threads : omp_get_max_threads(), !a.quiet && !a.json);
  int64_t start_epoch = 0;
  mol::ConformerEngine engine{nullptr};
  if (a.resume) {
    json meta;
    engine = mol::load_engine(a.output, &meta);
    if (a.stereo_weight_given) engine->set_stereo_weight(a.stereo_weight);
    o.engine = engine->options();
    start_epoch = meta.value("epochs", int64_t{0});
  } else {
    // LibTorch seeds its default generator from the system's entropy: without this the initial
    // weights, and so every training run, differed from run to run (and the first 50-epoch stage
    // at lr 2e-3 diverged in some runs and not in others).
    torch::manual_seed(a.seed);
    engine = mol::ConformerEngine(o.engine);
  }
  if (a.epochs == 0) {  // the data set only: an untrained model never replaces a file (issue 14, defect 6)
    if (a.json)
      std::cout << json{{"molecules_train", data.train.size()}, {"molecules_valid", data.valid.size()},
                        {"molecules_test", data.test.size()}, {"failures", data.failures}, {"epochs", 0},
                        {"model", ""}}
                       .dump()
                << "\n";
    else if (!a.quiet)
      std::cerr << "data set ready in " << a.data_dir << " (" << data.train.size() << " training molecules); "
                << "--epochs 0: no model trained, '" << a.output << "' left as it was\n";
    return 0;
  }
  const auto s = mol::train_conformer(engine, data, o, !a.quiet && !a.json, start_epoch);
  if (physics::Distributed::process().primary())  // under torchrun the ranks' weights are the same
    mol::save_engine(*engine, a.output,
                     {{"epochs", start_epoch + s.epochs}, {"train_loss", s.train_loss},
                      {"valid_loss", s.valid.loss}, {"valid_rmsd_median", s.valid.rmsd_median},
                      {"data_dir", a.data_dir}, {"molecules_train", data.train.size()}});
  const json out{{"molecules_train", data.train.size()}, {"molecules_valid", data.valid.size()},
                 {"molecules_test", data.test.size()}, {"failures", data.failures},
                 {"epochs", start_epoch + s.epochs}, {"steps", s.steps}, {"train_loss", s.train_loss},
                 {"valid_loss", s.valid.loss}, {"valid_rmsd_mean", s.valid.rmsd_mean},
                 {"valid_rmsd_median", s.valid.rmsd_median}, {"seconds_per_epoch", s.seconds_per_epoch},
                 {"communication_share", s.communication_share}, {"ranks", physics::Distributed::process().world_size()},
                 {"model", a.output}};
  if (a.json)
    std::cout << out.dump() << "\n";
  else if (!a.quiet)
    std::cerr << "trained " << s.epochs << " epochs; validation median RMSD " << s.valid.rmsd_median
              << " A; model -> " << a.output << "\n";
  return 0;
}

}  // namespace

void add_molecules_commands(CLI::App& app, Commands& out) {
  add_conform_command(app, out, {process_ranks, [](const std::string& model) { return mol::load_inference_engine(model); }});

  auto train_args = std::make_shared<TrainConformerArgs>();
  auto& t = *train_args;
  auto* train = add_command(app, out, "train-conformer", "build the conformer data set (cached) and train the engine",
                            train_args, train_conformer_command);
  train->add_option("--data-dir", t.data_dir, "data set cache (built on first use)")->capture_default_str();
  train->add_option("--limit", t.limit, "use at most this many molecules when building (0: all)")->check(at_least(0))->capture_default_str();
  train->add_option("--max-atoms", t.max_atoms, "largest molecule, heavy atoms")->check(at_least(1))->capture_default_str();
  train->add_option("-o,--out", t.output, "model file (and FILE.json); saved every epoch")
      ->check(writable_file())
      ->capture_default_str();
  train->add_option("--epochs", t.epochs, "epochs (more epochs with --resume; 0: build the data set only, write no model)")->check(at_least(0))->capture_default_str();
  train->add_option("--batch-size", t.batch_size, "molecules per step")->check(at_least(1))->capture_default_str();
  train->add_option("--lr", t.lr, "Adam learning rate")->check(positive())->capture_default_str();
  train->add_option("--bond-weight", t.bond_weight, "weight of the bond-length and bond-angle distance loss")->check(non_negative())->capture_default_str();
  train->add_option("--focus", t.focus, "weight each molecule's loss by 1 / (its RMSD + FOCUS) A; 0: plain mean")->check(non_negative())->capture_default_str();
  train->add_option("--focus-center", t.focus_center, "with --focus: weight by 1 / (|RMSD - CENTER| + FOCUS)")->check(non_negative())->capture_default_str();
  train->add_option("--ensemble-weight", t.ensemble_weight,
                    "also train one further sample a step (turned torsions, random momenta) towards the nearest of "
                    "each molecule's ETKDG+MMFF reference conformers, with this weight (0: the first conformer only)")
      ->check(non_negative())
      ->capture_default_str();
  train->add_option("--ensemble-size", t.ensemble_size,
                    "reference conformers per flexible training molecule for --ensemble-weight (built once into "
                    "DATA_DIR/ensembles-N.txt)")
      ->check(at_least(1, 100))
      ->capture_default_str();
  train->add_option("--ema", t.ema, "save the moving average of the weights, with this decay per step (0: the last step's)")->check(fraction())->capture_default_str();
  train->add_flag("--no-symmetric", t.no_symmetric,
                  "score against the target's labels as read, not its best-fitting symmetric relabelling");
  train->add_option("--hidden", t.hidden, "encoder width")->check(at_least(1))->capture_default_str();
  train->add_option("--rounds", t.rounds, "message-passing rounds")->check(at_least(1))->capture_default_str();
  train->add_option("--steps", t.steps, "leapfrog steps of the relaxation")->check(at_least(1))->capture_default_str();
  train->add_option("--stereo-weight", t.stereo_weight,
                    "stiffness of the terms that hold the SMILES' chiral centres and E/Z bonds (0: none; "
                    "with --resume: replaces the model's)")->check(non_negative())
      ->capture_default_str()
      ->each([&t](const std::string&) { t.stereo_weight_given = true; });
  train->add_option("--seed", t.seed, "seed")->capture_default_str();
  train->add_option("--threads", t.threads, "torch and OpenMP threads")->check(at_least(0));
  auto* resume = train->add_flag("--resume", t.resume,
                                 "continue training the model at --out (its architecture is the model's)");
  taken_from_checkpoint(train, resume, {"--hidden", "--rounds", "--steps"});
  train->add_flag("--json", t.json, "print one line of JSON");
  train->add_flag("-q,--quiet", t.quiet, "no progress bar");
}

#else

void add_molecules_commands(CLI::App& /*app*/, Commands& /*out*/) {}

#endif

}  // namespace noether::apps
