// molecules/engine_file.hpp: the conformation engine's model file, beside the engine.
//
//   save_engine(*engine, "conformer.pt", {{"epochs", 30}});   // conformer.pt + .json + .weights
//   ConformerEngine back = load_engine("conformer.pt");        // refuses any other file
//
// physics/learning/checkpoint's format: a torch archive whose metadata holds the kind
// ("noether-conformer-engine"), the format version and the EngineOptions as JSON (also written
// beside it as FILE.json), with the weights in a nested "model" archive. Loading reads the options
// first, builds the engine they describe, then loads the weights. Inference (conform.hpp) needs
// this file only, not the training code or the data-set builder.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "molecules/engine.hpp"

namespace noether::molecules {

/// Writes the engine's options, its weights and `extra` metadata (an object: epochs, losses, ...)
/// to path atomically, the metadata to path + ".json", and the options and weights again, readable
/// without LibTorch, to weights_path(path) (engine_weights.hpp).
void save_engine(ConformerEngineImpl& engine, const std::string& path, const nlohmann::json& extra = {});

/// Builds the engine the file's metadata describes and loads its weights (in eval mode); the
/// metadata goes to `metadata` when given. Throws InvalidInput for a missing file, a file that is
/// not a noether conformer model, or another format version.
ConformerEngine load_engine(const std::string& path, nlohmann::json* metadata = nullptr);

/// The inference engine of a model (a model file or its weights file): from the weights file
/// without LibTorch when there is one (model_weights_path), else from the model through
/// load_engine (models saved before the weights file existed).
FusedEngine load_inference_engine(const std::string& model);

}  // namespace noether::molecules
