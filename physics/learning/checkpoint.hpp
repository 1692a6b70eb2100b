// physics/learning/checkpoint.hpp: the file format every noether model shares.
//
//   const CheckpointFormat kFormat{"noether.model", 1, "model checkpoint"};
//   torch::serialize::OutputArchive root;  root.write("model", weights);
//   write_checkpoint(root, meta, path, kFormat);            // FILE (atomic) + FILE.json
//   torch::serialize::InputArchive in;
//   nlohmann::json meta = read_checkpoint(in, path, kFormat);   // then read "model" from `in`
//
// A checkpoint is a torch archive whose "metadata" entry is JSON holding at least "kind" and
// "format_version" (plus whatever the model needs to be rebuilt); the same JSON is written beside
// it as FILE.json for people and scripts. Reading refuses, with InvalidInput naming the file, a
// missing file, a file that is not a torch archive, one without metadata, another kind of model,
// and another format version.
//
// Data files (data sets, trajectories) use torch.save's pickle format instead, so that Python's
// torch.load(path) gives a plain dict; write_data_file / DataFile add and check the same "kind"
// and "format_version" entries.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "integrators/registry.hpp"
#include "noether/json_codec.hpp"
#include "physics/learning/trainer.hpp"

namespace noether::integrators {
// Schemes are written by name (integrators/ itself stays free of JSON).
NOETHER_JSON_ENUM(Scheme, scheme_name, parse_scheme)
}  // namespace noether::integrators

namespace nlohmann {
/// torch dtypes as "float32" / "float64" (the only ones noether's models use).
template <>
struct adl_serializer<c10::ScalarType> {
  static void to_json(json& j, c10::ScalarType d) { j = d == c10::kDouble ? "float64" : "float32"; }
  static void from_json(const json& j, c10::ScalarType& d) {
    const auto s = j.get<std::string>();
    if (s == "float64") d = c10::kDouble;
    else if (s == "float32") d = c10::kFloat;
    else throw noether::InvalidInput("unknown dtype '" + s + "'; use float32 or float64");
  }
};
}  // namespace nlohmann

namespace noether::physics {

struct CheckpointFormat {
  std::string kind;      ///< e.g. "noether.model"
  int64_t version = 1;   ///< format_version this build writes and reads
  std::string what;      ///< for messages, e.g. "graph model"
};

/// Sets meta's kind and format_version, stores it in root, writes root to path atomically and
/// the JSON to path + ".json".
void write_checkpoint(torch::serialize::OutputArchive& root, nlohmann::json meta, const std::string& path,
                      const CheckpointFormat& format);

/// Loads path into root and returns its checked metadata.
nlohmann::json read_checkpoint(torch::serialize::InputArchive& root, const std::string& path,
                               const CheckpointFormat& format);

/// A model file's weights and training state: `model`'s parameters as the archive "model" and,
/// when a trainer is given, its optimiser state as "optimizer" (the step goes in the metadata).
void write_model_state(torch::serialize::OutputArchive& root, const torch::nn::Module& model, const Trainer* trainer);

/// Reads what write_model_state wrote into `model` and `trainer` (whose step becomes `step`; a
/// file without optimiser state leaves the trainer fresh). `what` names the file in errors.
void read_model_state(torch::serialize::InputArchive& root, torch::nn::Module& model, Trainer* trainer, int64_t step);

/// Runs `read` (which rebuilds a model from a file's metadata and archive) and turns what can go
/// wrong there into InvalidInput naming `what`: missing metadata keys (JSON errors) and weights
/// that do not fit the recorded architecture (torch errors).
template <class Read>
auto read_model_parts(const std::string& what, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(what + ": incomplete metadata: " + e.what());
  } catch (const c10::Error& e) {
    throw InvalidInput(what + ": the weights do not fit the recorded architecture: " + e.what_without_backtrace());
  }
}

/// The "kind" a model file records (its sidecar's, else its archive's metadata), or "" for a file
/// that is missing or not a noether model file: how a command taking any model file tells them apart.
std::string model_file_kind(const std::string& path);

/// Adds format's kind and format_version to dict and writes it atomically with torch::pickle_save.
void write_data_file(c10::impl::GenericDict dict, const std::string& path, const CheckpointFormat& format);

/// A data file written by write_data_file, opened and checked (InvalidInput naming the file for a
/// missing or unreadable file, another kind or another format version).
class DataFile {
 public:
  DataFile(const std::string& path, const CheckpointFormat& format);
  bool contains(const std::string& key) const { return dict_.contains(key); }
  /// The entry; throws InvalidInput naming the file and the missing key.
  c10::IValue get(const std::string& key) const;

 private:
  static c10::impl::GenericDict load(const std::string& path, const CheckpointFormat& format);
  std::string path_, what_;
  c10::impl::GenericDict dict_;
};

}  // namespace noether::physics
