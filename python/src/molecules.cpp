// python/src/molecules.cpp: conformers for RDKit molecules. RDKit's Python binding is
// Boost.Python, which shares no types with pybind11. Where the build found Boost.Python,
// _conform_in_place reaches the C++ molecule inside each rdkit.Chem.Mol through its converter
// registry (rdkit_mol.cpp) and adds the conformers there: no copy either way. Otherwise molecules
// cross as RDKit's binary pickles (Mol.ToBinary(), Chem.Mol(bytes)), read and written here with
// RDKit's own MolPickler, and the package's __init__.py moves the conformers onto the caller's Mols.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <torch/torch.h>

#include <GraphMol/Conformer.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolPickler.h>
#include <omp.h>

#include "molecules/conform.hpp"
#include "molecules/engine_file.hpp"
#include "noether/error.hpp"
#include "python/src/common.hpp"
#ifdef NOETHER_PYTHON_RDKIT_IN_PLACE
#include "python/src/rdkit_mol.hpp"
#endif

namespace noether::python {

namespace mol = noether::molecules;

namespace {

/// One loaded model per file, shared by every call: loading takes longer than conforming a few
/// molecules. Calls that use one engine take turns (each sets the threads for its call).
struct LoadedEngine {
  std::optional<mol::FusedEngine> engine;
  std::mutex busy;
};

LoadedEngine& engine_for(const std::string& model) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<LoadedEngine>> engines;
  const std::string path = model.empty() ? mol::shipped_model_path() : model;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = engines[path];
  if (!slot) {
    auto loaded = std::make_unique<LoadedEngine>();
    loaded->engine = mol::load_inference_engine(path);
    slot = std::move(loaded);
  }
  return *slot;
}

struct Call {
  mol::ConformOptions options;
  int torch_threads = 0;  ///< intra-op threads while one worker runs (0: leave torch's)
  int workers = 1;        ///< threads of the call (options.threads, or every core for 0)
};

Call make_call(int num_confs, int64_t seed, const std::string& refine, double prune_rms, bool sort_energy, int threads,
               const std::string& model, bool add_hydrogens) {
  Call c;
  c.options.model = model;
  c.options.num_confs = num_confs;
  c.options.seed = seed;
  c.options.refine = mol::parse_refine(refine);
  c.options.prune_rms = prune_rms;
  c.options.sort_by_energy = sort_energy;
  c.options.add_hydrogens = add_hydrogens;
  if (threads < 0) throw InvalidInput("threads must be >= 0 (0: every core), got " + std::to_string(threads));
  c.options.threads = threads;
  // One worker runs torch on the calling thread: `threads` 1 means one thread there too, as
  // RDKit's numThreads = 1 does (the command line's --threads 1 sets the same).
  c.torch_threads = threads == 1 ? 1 : 0;
  c.workers = threads > 0 ? threads : omp_get_max_threads();
  c.options.validate();
  return c;
}

/// Molecules per piece of a long call: a whole number of engine batches (so the answer is the
/// same as one call), with Ctrl-C checked between pieces. The command line's chunk (4096): a
/// piece's last batches leave some workers idle, so smaller pieces cost throughput.
constexpr std::size_t kPiece = 4096;

/// Runs `run(conformer, begin, end)` over [0, n) in pieces on the shared engine, with torch's
/// intra-op threads set for the call and given back after. Call without the GIL.
template <class Run>
void with_engine(const Call& call, std::size_t n, Run&& run) {
  LoadedEngine& loaded = engine_for(call.options.model);
  std::lock_guard<std::mutex> lock(loaded.busy);
  const mol::Conformer conformer(call.options, *loaded.engine);
  const int before = at::get_num_threads();
  if (call.torch_threads > 0) at::set_num_threads(call.torch_threads);
  struct Restore {
    int n;
    ~Restore() { at::set_num_threads(n); }
  } restore{before};
  for (std::size_t begin = 0; begin < n; begin += kPiece) {
    if (begin > 0) check_python_signals();
    run(conformer, begin, std::min(n, begin + kPiece));
  }
}

std::string pickle(const RDKit::ROMol& m, unsigned flags) {
  std::string out;
  RDKit::MolPickler::pickleMol(m, out, flags);
  return out;
}

/// [(pickle or None, error or None)] for each molecule.
py::list results_of(const std::vector<std::optional<std::string>>& pickles, const std::vector<std::string>& errors) {
  py::list out;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (pickles[i]) out.append(py::make_tuple(py::bytes(*pickles[i]), py::none()));
    else out.append(py::make_tuple(py::none(), errors[i]));
  }
  return out;
}

}  // namespace

void bind_molecules(py::module_& m) {
  m.def(
      "_conform_pickles",
      [](const std::vector<std::string>& pickles, const std::vector<std::string>& names, int num_confs, int64_t seed,
         const std::string& refine, double prune_rms, bool sort_energy, int threads, const std::string& model) {
        const Call call = make_call(num_confs, seed, refine, prune_rms, sort_energy, threads, model, true);
        std::vector<std::optional<std::string>> out(pickles.size());
        std::vector<std::string> errors(pickles.size());
        {
          py::gil_scoped_release release;
          with_engine(call, pickles.size(), [&](const mol::Conformer& c, std::size_t begin, std::size_t end) {
            // Reading and writing the pickles runs on the call's threads too (they are a tenth of
            // the work of a small molecule).
            const auto n = static_cast<std::ptrdiff_t>(end - begin);
            std::vector<std::unique_ptr<RDKit::ROMol>> mols(end - begin);
#pragma omp parallel for schedule(dynamic, 16) num_threads(call.workers)
            for (std::ptrdiff_t k = 0; k < n; ++k) {
              const std::size_t i = begin + static_cast<std::size_t>(k);
              try {
                auto m = std::make_unique<RDKit::ROMol>();
                RDKit::MolPickler::molFromPickle(pickles[i], m.get());
                mols[k] = std::move(m);
              } catch (const std::exception& e) {
                errors[i] = "molecule " + std::to_string(i) + ": not an RDKit molecule pickle (" + e.what() + ")";
              }
            }
            std::vector<const RDKit::ROMol*> given;
            std::vector<std::size_t> index;
            std::vector<std::string> given_names;
            for (std::ptrdiff_t k = 0; k < n; ++k) {
              if (!mols[k]) continue;
              const std::size_t i = begin + static_cast<std::size_t>(k);
              given.push_back(mols[k].get());
              index.push_back(i);
              given_names.push_back(i < names.size() ? names[i] : std::string());
            }
            const auto results = c.conform_molecules(given, given_names);
            const auto done = static_cast<std::ptrdiff_t>(results.size());
#pragma omp parallel for schedule(dynamic, 16) num_threads(call.workers)
            for (std::ptrdiff_t k = 0; k < done; ++k) {
              const std::size_t i = index[k];
              if (!results[k].error.empty()) errors[i] = results[k].error;
              else out[i] = pickle(*results[k].mol, RDKit::PicklerOps::CoordsAsDouble);
            }
          });
        }
        return results_of(out, errors);
      },
      py::arg("pickles"), py::arg("names"), py::arg("num_confs"), py::arg("seed"), py::arg("refine"),
      py::arg("prune_rms"), py::arg("sort_energy"), py::arg("threads"), py::arg("model"),
      "Conformers for pickled RDKit molecules (atoms kept in their order); [(pickle with only the new "
      "conformers, None) or (None, error)] per molecule. Use noether.conform.");

#ifdef NOETHER_PYTHON_RDKIT_IN_PLACE
  m.def(
      "_conform_in_place",
      [](const py::list& molecules, const std::vector<std::string>& names, int num_confs, int64_t seed,
         const std::string& refine, double prune_rms, bool sort_energy, int threads, const std::string& model,
         bool clear_confs) {
        const Call call = make_call(num_confs, seed, refine, prune_rms, sort_energy, threads, model, true);
        std::vector<RDKit::ROMol*> mols;
        for (std::size_t i = 0; i < molecules.size(); ++i) {
          RDKit::ROMol* m = rdkit_mol_of(molecules[i].ptr());
          if (!m) throw InvalidInput("molecule " + std::to_string(i) + " is not an rdkit.Chem.Mol");
          mols.push_back(m);
        }
        std::vector<std::vector<int>> ids(mols.size());
        std::vector<std::string> errors(mols.size());
        {
          py::gil_scoped_release release;
          with_engine(call, mols.size(), [&](const mol::Conformer& c, std::size_t begin, std::size_t end) {
            const std::vector<RDKit::ROMol*> given(mols.begin() + begin, mols.begin() + end);
            const std::vector<std::string> given_names(names.begin() + std::min(begin, names.size()),
                                                       names.begin() + std::min(end, names.size()));
            // The library adds the conformers to the caller's molecules (one given twice gets both sets).
            auto added = c.add_conformers(given, given_names.size() == given.size() ? given_names : std::vector<std::string>{},
                                          clear_confs);
            for (std::size_t k = 0; k < added.size(); ++k) {
              ids[begin + k] = std::move(added[k].ids);
              errors[begin + k] = std::move(added[k].error);
            }
          });
        }
        py::list out;
        for (std::size_t i = 0; i < mols.size(); ++i) {
          if (errors[i].empty()) out.append(py::make_tuple(py::cast(ids[i]), py::none()));
          else out.append(py::make_tuple(py::none(), errors[i]));
        }
        return out;
      },
      py::arg("molecules"), py::arg("names"), py::arg("num_confs"), py::arg("seed"), py::arg("refine"),
      py::arg("prune_rms"), py::arg("sort_energy"), py::arg("threads"), py::arg("model"), py::arg("clear_confs"),
      "Conformers added in place to rdkit.Chem.Mol objects (no copy); [(ids, None) or (None, error)] per "
      "molecule. Use noether.conform.");
#endif

  m.def(
      "_conform_smiles",
      [](const std::vector<std::string>& smiles, const std::vector<std::string>& names, int num_confs, int64_t seed,
         const std::string& refine, double prune_rms, bool sort_energy, int threads, const std::string& model,
         bool add_hydrogens) {
        const Call call = make_call(num_confs, seed, refine, prune_rms, sort_energy, threads, model, add_hydrogens);
        std::vector<std::pair<std::string, std::string>> inputs;
        for (std::size_t i = 0; i < smiles.size(); ++i)
          inputs.emplace_back(smiles[i], i < names.size() ? names[i] : std::string());
        std::vector<std::optional<std::string>> out(smiles.size());
        std::vector<std::string> errors(smiles.size());
        {
          py::gil_scoped_release release;
          with_engine(call, inputs.size(), [&](const mol::Conformer& c, std::size_t begin, std::size_t end) {
            const std::vector<std::pair<std::string, std::string>> piece(inputs.begin() + begin, inputs.begin() + end);
            const auto results = c.conform_all(piece);
            for (std::size_t k = 0; k < results.size(); ++k) {
              const std::size_t i = begin + k;
              if (!results[k].error.empty()) {
                errors[i] = results[k].error;
                continue;
              }
              if (!inputs[i].second.empty()) results[k].mol->setProp("_Name", inputs[i].second);
              out[i] = pickle(*results[k].mol, RDKit::PicklerOps::CoordsAsDouble | RDKit::PicklerOps::MolProps | RDKit::PicklerOps::PrivateProps);
            }
          });
        }
        return results_of(out, errors);
      },
      py::arg("smiles"), py::arg("names"), py::arg("num_confs"), py::arg("seed"), py::arg("refine"),
      py::arg("prune_rms"), py::arg("sort_energy"), py::arg("threads"), py::arg("model"), py::arg("add_hydrogens"),
      "Conformers for SMILES; [(pickle of a new molecule, None) or (None, error)] per SMILES. Use "
      "noether.conform_smiles.");

  m.def("shipped_conformer_model", &mol::shipped_model_path, "Path of the conformer model noether ships.");
  m.def("refine_names", &mol::refine_names, "The names `refine` takes.");
}

}  // namespace noether::python
