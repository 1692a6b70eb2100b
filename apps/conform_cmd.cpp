// apps/conform_cmd.cpp: `noether conform`, SMILES to 3-D structures in any Open Babel format.
// No LibTorch: the `noether` program runs it (apps/conform_main.cpp), the LibTorch program under
// torchrun.
#include "apps/conform_cmd.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "apps/options.hpp"
#include "apps/sharded_output.hpp"
#include "molecules/conform.hpp"
#include "molecules/io.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "noether/progress.hpp"

namespace noether::apps {

namespace mol = noether::molecules;
using nlohmann::json;

namespace {

struct ConformArgs {
  std::string smiles, input, input_format, smiles_column, name_column, output = "conformers.sdf", format, model,
      refine = "none";
  int num_confs = 1, threads = 0;
  int64_t batch_size = mol::ConformOptions{}.batch_size, seed = 0;
  double prune_rms = 0.0;
  bool no_hydrogens = false, sort_energy = false, json = false, quiet = false;
};

/// The molecules to conform, {smiles, name}, with where each came from; `skipped` counts the
/// records that could not be read (each reported on stderr, naming it).
struct Inputs {
  std::vector<std::pair<std::string, std::string>> molecules;
  std::vector<mol::RecordOrigin> origins;
  int64_t skipped = 0;
};

/// The molecules of -i: a SMILES file (.smi/.txt/.smiles or no extension: SMILES [name] per
/// line), a CSV file with a header row, or any molecule file Open Babel reads; "-" is standard
/// input, read as SMILES lines unless --input-format names another format.
Inputs read_inputs(const ConformArgs& a, const Ranks& ranks) {
  const std::string& path = a.input;
  std::string kind = a.input_format;
  if (kind.empty() && path != "-") {
    const auto slash = path.find_last_of('/'), dot = path.find_last_of('.');
    kind = dot == std::string::npos || (slash != std::string::npos && dot < slash) ? "" : path.substr(dot + 1);
  }
  const bool smiles_lines = kind == "smi" || kind == "txt" || kind == "smiles" || kind.empty();
  if (kind != "csv" && !(a.smiles_column.empty() && a.name_column.empty()))
    throw InvalidInput("--smiles-column and --name-column choose columns of CSV input; '" + path + "' is read as " +
                       (smiles_lines ? std::string("SMILES lines") : kind));
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw InvalidInput("cannot read '" + path + "'");
  }
  std::istream& in = path == "-" ? std::cin : file;
  Inputs out;
  const mol::OnBadRecord skip = [&out, &ranks](const mol::RecordOrigin& origin, const std::string& why) {
    ++out.skipped;
    if (ranks.primary())  // every rank reads the whole input; one says so
      std::cerr << "noether: error: " << origin.str() << ": " << why << "\n";
  };
  std::vector<mol::SmilesRecord> records;
  if (kind == "csv") {
    records = mol::read_smiles_csv(in, path, {a.smiles_column, a.name_column}, skip);
  } else if (smiles_lines) {
    records = mol::read_smiles_lines(in, path);
  } else {
    for (auto& r : mol::read_molecules(in, path, kind, skip))
      records.push_back({RDKit::MolToSmiles(*r.mol), r.name, r.origin});
  }
  for (auto& r : records) {
    out.molecules.emplace_back(std::move(r.smiles), std::move(r.name));
    out.origins.push_back(std::move(r.origin));
  }
  if (out.molecules.empty() && out.skipped == 0) throw InvalidInput("'" + path + "' holds no molecules");
  return out;
}

/// Molecules per chunk of `conform` (about 4096, in whole engine batches): each chunk's
/// conformers are written before the next starts.
std::size_t conform_chunk(int64_t batch_size) {
  const auto batch = static_cast<std::size_t>(batch_size);
  return batch * ((4096 + batch - 1) / batch);
}

/// Conformers of molecules [begin, end) of the inputs, written as they are done into `os`.
struct ConformCounts {
  int64_t failures = 0, conformers = 0, done_ok = 0;
};
ConformCounts conform_range(const mol::Conformer& conformer, const Inputs& inputs, std::size_t begin, std::size_t end,
                            std::size_t chunk, const std::string& format, bool show, const std::string& output,
                            std::ostream& os) {
  ConformCounts n;
  const std::size_t total = end - begin;
  const bool chunked = total > chunk;
  Progress bar("conform", static_cast<long>(total), show && chunked, 1);
  for (std::size_t start = begin; start < end; start += chunk) {
    const std::size_t stop = std::min(end, start + chunk);
    const std::vector<std::pair<std::string, std::string>> part(inputs.molecules.begin() + start,
                                                                inputs.molecules.begin() + stop);
    const auto results = conformer.conform_all(part, show && !chunked);
    std::vector<mol::OutputRecord> records;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      if (!r.error.empty()) {
        ++n.failures;
        const auto& origin = inputs.origins[start + i];
        std::cerr << "noether: error: " << (origin.source.empty() ? "" : origin.str() + ": ") << r.error << "\n";
        continue;
      }
      ++n.done_ok;
      for (auto c = r.mol->beginConformers(); c != r.mol->endConformers(); ++c, ++n.conformers)
        records.push_back({r.mol.get(), static_cast<int>((*c)->getId()), r.name.empty() ? r.smiles : r.name});
    }
    if (!records.empty()) os << mol::format_molecules(records, format);
    bar.update(static_cast<long>(stop - begin));
    throw_if_interrupted("conform stopped after " + std::to_string(stop) + " molecules; '" + output +
                         "' left as it was");
  }
  return n;
}

int conform_command(const ConformArgs& a, const ConformHost& host) {
  const auto t0 = std::chrono::steady_clock::now();
  if (a.smiles.empty() == a.input.empty())
    throw InvalidInput("give either a SMILES argument or -i FILE (not both)");
  mol::ConformOptions o;
  o.model = a.model;
  if (const char* env = std::getenv("NOETHER_CONFORMER_MODEL"); o.model.empty() && env && *env) o.model = env;
  o.num_confs = a.num_confs;
  o.seed = a.seed;
  o.prune_rms = a.prune_rms;
  o.sort_by_energy = a.sort_energy;
  o.refine = mol::parse_refine(a.refine);
  o.add_hydrogens = !a.no_hydrogens;
  o.batch_size = a.batch_size;
  o.threads = a.threads;
  if (a.threads > 0) omp_set_num_threads(a.threads);  // the products of a single worker
  o.validate();
  const std::string format = mol::resolve_format(a.output, a.format);  // fail before any work
  Inputs inputs;
  if (a.input.empty()) {
    inputs.molecules = {{a.smiles, ""}};
    inputs.origins.resize(1);
  } else {
    inputs = read_inputs(a, host.ranks());
  }
  // Molecules go through in chunks, each written as it is done into the temporary output, so
  // memory stays flat over any number of molecules; the output appears (atomically) only at the
  // end, and only if some molecule was written.
  const mol::Conformer conformer(o, host.load(o.model.empty() ? mol::shipped_model_path() : o.model));
  const bool show = !a.quiet && !a.json;
  // Under torchrun each rank conforms its consecutive part of the input in whole engine batches
  // (the batches one process forms, so the same conformers to the byte) and writes it beside the
  // output; rank 0 joins the parts in input order.
  const Ranks& ranks = host.ranks();
  const auto [begin, end] = ranks.shard(static_cast<int64_t>(inputs.molecules.size()), o.batch_size);
  ConformCounts mine, n;
  write_sharded(
      a.output, ranks,
      [&](std::ostream& os) {
        mine = conform_range(conformer, inputs, static_cast<std::size_t>(begin), static_cast<std::size_t>(end),
                             conform_chunk(o.batch_size), format, show && ranks.primary(), a.output, os);
      },
      [&] {
        n.failures = ranks.sum(mine.failures);
        n.conformers = ranks.sum(mine.conformers);
        n.done_ok = ranks.sum(mine.done_ok);
        return n.done_ok > 0;
      });
  const int64_t failures = n.failures + inputs.skipped;  // every rank read (and skipped) the whole input
  const bool wrote = n.done_ok > 0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t molecules = n.done_ok, conformers = n.conformers;
  if (a.json) {
    std::cout << json{{"molecules", molecules}, {"failures", failures}, {"conformers", conformers},
                      {"output", wrote ? a.output : ""}, {"format", format},
                      {"wall_seconds", wall},
                      {"molecules_per_second", wall > 0 ? molecules / wall : 0.0},
                      {"ranks", ranks.world_size()}}.dump()
              << "\n";
  } else if (!a.quiet) {
    if (ranks.primary())
      std::cerr << molecules << " molecules (" << conformers << " conformers) -> "
                << (wrote ? a.output : std::string("nothing written")) << ", " << failures
                << " failed, " << wall << " s" << (ranks.active() ? " on " + std::to_string(ranks.world_size()) + " ranks" : "")
                << "\n";
  }
  if (failures > 0) return molecules > 0 ? 1 : 2;
  return 0;
}

}  // namespace

void add_conform_command(CLI::App& app, Commands& out, ConformHost host) {
  auto conform_args = std::make_shared<ConformArgs>();
  auto& c = *conform_args;
  auto* conform = add_command(app, out, "conform", "3-D conformers from SMILES with the shipped Hamiltonian engine",
                              conform_args, [host](const ConformArgs& a) { return conform_command(a, host); });
  conform->add_option("smiles", c.smiles, "one SMILES (or use -i)");
  conform->add_option("-i,--input", c.input,
                      "SMILES file (SMILES [name] per line), CSV file with a header row, or any molecule file Open "
                      "Babel reads; '-': standard input");
  conform->add_option("--input-format", c.input_format,
                      "format of -i: smi, csv or any Open Babel format (default: the extension; '-i -': smi)");
  conform->add_option("--smiles-column", c.smiles_column,
                      "CSV input: the SMILES column, by header name or number from 1 (default: the column headed "
                      "'smiles', any case)");
  conform->add_option("--name-column", c.name_column,
                      "CSV input: the names' column, by header name or number from 1 (default: the column headed "
                      "'name', any case, if there is one)");
  conform->add_option("-o,--output", c.output, "output file; the format follows the extension")
      ->check(writable_file())
      ->capture_default_str();
  conform->add_option("--format", c.format, "output format (any Open Babel format: sdf, mol2, pdb, xyz, ...)");
  conform->add_option("--model", c.model, "conformer model (default: $NOETHER_CONFORMER_MODEL, else the shipped one)");
  conform->add_option("--num-confs", c.num_confs,
                      "conformers per molecule (the first, then starts with turned torsions and random momenta), at most " + std::to_string(mol::kMaxNumConfs))->check(at_least(1))
      ->capture_default_str();
  conform->add_option("--seed", c.seed,
                      "seed of the conformers after the first, as RDKit's randomSeed (the same seed, the same "
                      "ensemble; the first conformer is the same for every seed)")
      ->check(at_least(0))
      ->capture_default_str();
  conform->add_option("--prune-rms", c.prune_rms,
                      "drop a conformer within this heavy-atom RMSD (A, aligned) of one kept before, as RDKit's "
                      "pruneRmsThresh (with --refine, again after refinement); 0: keep all")
      ->check(non_negative())
      ->capture_default_str();
  conform->add_flag("--sort-energy", c.sort_energy,
                    "each molecule's conformers by MMFF94 energy, lowest first (after --refine; a molecule MMFF94 has no parameters for keeps sample order)");
  conform->add_option("--refine", c.refine, "none or mmff (MMFF94 relaxation)")->capture_default_str();
  conform->add_option("--batch-size", c.batch_size, "molecules per engine call")->check(at_least(1))->capture_default_str();
  conform->add_option("--threads", c.threads, "worker threads (default: all cores)")->check(at_least(0));
  conform->add_flag("--no-hydrogens", c.no_hydrogens, "heavy atoms only");
  conform->add_flag("--json", c.json, "print one line of JSON");
  conform->add_flag("-q,--quiet", c.quiet, "no progress bar");
  conform->footer("A record that cannot be read or conformed (a broken record, a bad SMILES, more than " +
                  std::to_string(mol::kMaxHeavyAtoms) +
                  " heavy atoms) is reported on stderr with its file, its record or line number and its name, and "
                  "skipped; the others are written (--json counts the skipped ones as failures). Exit status: 0 "
                  "when every molecule was written, 1 when some failed, 2 when none was written or an option is "
                  "bad. Memory grows with the square of a molecule's heavy atoms (about 0.4 GB at " +
                  std::to_string(mol::kMaxHeavyAtoms) + ") and with --num-confs.");

}

}  // namespace noether::apps
