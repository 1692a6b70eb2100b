// molecules/engine_file.cpp: EngineOptions <-> JSON and the engine's checkpoint.
#include "molecules/engine_file.hpp"

#include "physics/learning/checkpoint.hpp"

namespace noether::molecules {

using nlohmann::json;

namespace {
constexpr const char* kKind = "noether-conformer-engine";
constexpr int64_t kVersion = 1;
const physics::CheckpointFormat kFormat{kKind, kVersion, "conformer model"};

json options_json(const EngineOptions& e) {
  return {{"hidden", e.hidden}, {"rounds", e.rounds}, {"steps", e.steps}, {"dt", e.dt},
          {"bonded_hops", e.bonded_hops}, {"init_noise", e.init_noise}, {"temperature", e.temperature},
          {"stereo_weight", e.stereo_weight}};
}

EngineOptions options_from(const json& j) {
  EngineOptions e;
  e.hidden = j.at("hidden").get<int64_t>();
  e.rounds = j.at("rounds").get<int64_t>();
  e.steps = j.at("steps").get<int64_t>();
  e.dt = j.at("dt").get<double>();
  e.bonded_hops = j.at("bonded_hops").get<int64_t>();
  e.init_noise = j.at("init_noise").get<double>();
  e.temperature = j.at("temperature").get<double>();
  e.stereo_weight = j.value("stereo_weight", 0.0);  // models from before the stereo terms had none
  return e;
}
}  // namespace

void save_engine(ConformerEngineImpl& engine, const std::string& path, const json& extra) {
  json meta = extra.is_object() ? extra : json::object();
  meta["engine"] = options_json(engine.options());
  torch::serialize::OutputArchive root;
  torch::serialize::OutputArchive weights;
  engine.save(weights);
  root.write("model", weights);
  physics::write_checkpoint(root, meta, path, kFormat);
}

ConformerEngine load_engine(const std::string& path, json* metadata) {
  torch::serialize::InputArchive root;
  const json meta = physics::read_checkpoint(root, path, kFormat);
  ConformerEngine engine(options_from(meta.at("engine")));
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  engine->load(weights);
  engine->eval();
  if (metadata) *metadata = meta;
  return engine;
}

}  // namespace noether::molecules
