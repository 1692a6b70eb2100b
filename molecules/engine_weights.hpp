// molecules/engine_weights.hpp: the conformation engine's options and weights without LibTorch,
// for the inference path (encode, perturb, relax on plain arrays) and its file.
//
//   EngineWeights w = engine->weights();               // a copy of the module's parameters
//   write_engine_weights(w, "conformer.pt.weights");   // save_engine writes it beside the model
//   EngineWeights back = read_engine_weights("conformer.pt.weights");
//   const float* embed = back.get("embed.weight", {96, 44});
//
// The file: the 8 bytes "NOETHERW", a little-endian uint64 n, n bytes of JSON ({"kind":
// "noether-conformer-weights", "format_version": 1, "engine": EngineOptions, "tensors": [{"name",
// "shape", "offset"}, ...]}), then the float32 values, little-endian, each tensor row-major from its
// offset (counted in floats). Nothing of LibTorch is needed to read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "noether/json_codec.hpp"

namespace noether::molecules {

constexpr int64_t kMaxHops = 7;  ///< pair features distinguish 1..6 bonds and "7 or more / none"

struct EngineOptions {
  int64_t hidden = 96;        ///< encoder width
  int64_t rounds = 4;         ///< message-passing rounds
  int64_t steps = 32;         ///< leapfrog steps of the relaxation
  double dt = 0.2;            ///< time step of the relaxation (arbitrary units)
  int64_t bonded_hops = 6;    ///< pairs up to this many bonds apart get a spring
  double init_noise = 0.3;    ///< Å, seeded perturbation of the initial positions
  double temperature = 0.5;   ///< scale of the random initial momenta of samples k > 0
  /// Stiffness of the stereo terms (0: none): the SMILES' tetrahedral centres and E/Z bonds.
  double stereo_weight = 1.0;
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};
NOETHER_JSON(EngineOptions, hidden, rounds, steps, dt, bonded_hops, init_noise, temperature, stereo_weight)

/// Named float32 arrays (the engine's parameters by their module names) and the options that
/// shape them.
struct EngineWeights {
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    std::size_t offset = 0;  ///< in floats, into data
  };
  EngineOptions options;
  std::vector<Entry> entries;
  std::vector<float> data;

  /// Appends a tensor's values (row-major, as many as its shape holds).
  void add(const std::string& name, const std::vector<int64_t>& shape, const float* values);
  /// The values of `name`; throws InvalidInput if there is none or its shape is not `shape`.
  const float* get(const std::string& name, const std::vector<int64_t>& shape) const;
};

/// Writes w to path atomically. Throws InvalidInput if it cannot.
void write_engine_weights(const EngineWeights& w, const std::string& path);

/// Reads a file of write_engine_weights. Throws InvalidInput naming the path for a missing file,
/// another kind of file, another format version, or a truncated or inconsistent one.
EngineWeights read_engine_weights(const std::string& path);

/// The weights file save_engine (engine_file.hpp) writes beside a model: model_path + ".weights".
std::string weights_path(const std::string& model_path);

/// The weights file of a model given as either file: `model` itself when it is a weights file
/// (starts with NOETHERW), else weights_path(model) when that exists, else "" (a model saved
/// before the weights file existed: load_inference_engine of engine_file.hpp reads it through
/// LibTorch). Throws InvalidInput when `model` cannot be read at all.
std::string model_weights_path(const std::string& model);

}  // namespace noether::molecules
