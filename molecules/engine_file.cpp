// molecules/engine_file.cpp: the engine's model file (its options through the JSON codec).
#include "molecules/engine_file.hpp"

#include "physics/learning/checkpoint.hpp"

namespace noether::molecules {

using nlohmann::json;

namespace {
constexpr const char* kKind = "noether-conformer-engine";
constexpr int64_t kVersion = 1;
const physics::CheckpointFormat kFormat{kKind, kVersion, "conformer model"};

}  // namespace

void save_engine(ConformerEngineImpl& engine, const std::string& path, const json& extra) {
  json meta = extra.is_object() ? extra : json::object();
  meta["engine"] = engine.options();
  torch::serialize::OutputArchive root;
  torch::serialize::OutputArchive weights;
  engine.save(weights);
  root.write("model", weights);
  physics::write_checkpoint(root, meta, path, kFormat);
  write_engine_weights(engine.weights(), weights_path(path));
}


ConformerEngine load_engine(const std::string& path, json* metadata) {
  torch::serialize::InputArchive root;
  const json meta = physics::read_checkpoint(root, path, kFormat);
  json options = meta.at("engine");
  if (!options.contains("stereo_weight")) options["stereo_weight"] = 0.0;  // models from before the stereo terms
  ConformerEngine engine(from_json_checked<EngineOptions>(options, "conformer model '" + path + "'"));
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  engine->load(weights);
  engine->eval();
  if (metadata) *metadata = meta;
  return engine;
}

FusedEngine load_inference_engine(const std::string& model) {
  const std::string weights = model_weights_path(model);
  return FusedEngine(weights.empty() ? load_engine(model)->weights() : read_engine_weights(weights));
}

}  // namespace noether::molecules
