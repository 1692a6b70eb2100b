// The JSON codec of the options structs: round trips, lenient on missing keys, strict on names
// and types, validated; and the model-file metadata keeps the keys scripts read.
#include "tests/support/test_common.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "noether/error.hpp"
#include "noether/json_codec.hpp"
#include "physics/learning/training.hpp"
#include "physics/models/model.hpp"

namespace np = noether::physics;
using nlohmann::json;

TEST_CASE("options structs round-trip through their JSON declaration", "[physics][codec]") {
  np::ModelConfig c;
  c.kind = np::ModelKind::kDhnn;
  c.dof = 3;
  c.hidden = 17;
  c.activation = "softplus";
  const json j = c;
  CHECK(j.at("kind") == "dhnn");
  CHECK(noether::from_json_checked<np::ModelConfig>(j, "test") == c);

  np::TrainOptions o;
  o.loss = np::LossKind::kRollout;
  o.integrator = noether::integrators::Scheme::kYoshida4;
  o.dtype = torch::kFloat64;
  const json t = o;
  CHECK(t.at("loss") == "rollout");
  CHECK(t.at("integrator") == "yoshida4");
  CHECK(t.at("dtype") == "float64");
  const auto back = noether::from_json_checked<np::TrainOptions>(t, "test");
  CHECK(back.loss == o.loss);
  CHECK(back.integrator == o.integrator);
  CHECK(back.dtype == torch::kFloat64);
}

TEST_CASE("reading options: missing keys take defaults, bad names, types and values are refused by file",
          "[physics][codec]") {
  const auto c = noether::from_json_checked<np::ModelConfig>(json{{"kind", "hnn"}, {"dof", 2}}, "m.pt");
  CHECK(c.activation == "tanh");
  CHECK(c.hidden == np::ModelConfig{}.hidden);
  auto refused = [](const json& j, const std::string& fragment) {
    try {
      noether::from_json_checked<np::ModelConfig>(j, "model 'm.pt'");
      FAIL("accepted " << j.dump());
    } catch (const noether::InvalidInput& e) {
      CHECK_THAT(e.what(), Catch::Contains("model 'm.pt'") && Catch::Contains(fragment));
    }
  };
  refused(json{{"kind", "hnnx"}}, "hnnx");        // nlohmann's enum macro would read "baseline"
  refused(json{{"kind", "hnn"}, {"dof", "two"}}, "unreadable");
  refused(json{{"kind", "hnn"}, {"dof", 0}}, "dof");
  refused(json{{"kind", "hnn"}, {"activation", "gelu"}}, "gelu");
}

TEST_CASE("a model file's sidecar keeps the keys scripts read", "[physics][codec]") {
  torch::manual_seed(0);
  auto sys = np::make_system("spring");
  auto p = sys->protocol();
  p.trajectories = 4;
  const auto data = np::generate_dataset(*sys, p, 0);
  np::ModelConfig c;
  c.hidden = 8;
  np::TrainOptions o;
  o.steps = 2;
  auto run = np::new_run(c, o, data);
  np::train(run, data, o);
  const std::string path = "codec_model.pt";
  np::save_checkpoint(run, path);
  std::ifstream in(path + ".json");
  const json meta = json::parse(in);
  for (const char* k : {"format_version", "kind", "config", "step", "system", "data_source", "data", "training"})
    CHECK(meta.contains(k));
  for (const char* k : {"kind", "dof", "hidden", "layers", "activation"}) CHECK(meta["config"].contains(k));
  for (const char* k : {"trajectories", "points", "t0", "t1", "noise_std", "test_fraction", "seed"})
    CHECK(meta["data"].contains(k));
  for (const char* k : {"learning_rate", "weight_decay", "batch_size", "seed", "loss", "integrator", "rollout_steps",
                        "test_functions", "dtype"})
    CHECK(meta["training"].contains(k));
  const auto back = np::load_checkpoint(path);
  CHECK(back.step() == 2);
  CHECK(back.model->config() == c);
  CHECK(meta.at("checksum").get<std::string>().rfind("fnv1a64:", 0) == 0);

  // Issue 14, defect 3: 8 flipped bytes inside the weights are caught on load, naming the file
  // (before, the model loaded with the wrong numbers).
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto size = static_cast<long>(f.tellg());
    f.seekp(size / 2);
    const char junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    f.write(junk, 8);
  }
  CHECK_THROWS_WITH(np::load_checkpoint(path), Catch::Contains("codec_model.pt") && Catch::Contains("checksum"));
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());
}
