// Where the learning runs compute (physics/learning/device.hpp): device names are read and
// checked against what the process can reach, and the pixel, HGN, flow and meta-learning trainers
// give on parse_device("auto") what they give on the CPU: trained from scratch, resumed from a
// file (read onto the CPU, then moved with the optimiser's moments), and evaluated there. On a
// machine without a GPU "auto" is the CPU and the runs agree exactly; on a CUDA build with a card
// this is the check of the GPU path (`test_physics "[device]"`), to float32 round-off.
#include "tests/support/test_common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "noether/error.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/device.hpp"
#include "physics/learning/flow_training.hpp"
#include "physics/learning/meta.hpp"
#include "physics/pixels/hgn.hpp"
#include "physics/pixels/hgn_data.hpp"
#include "physics/pixels/pixel_data.hpp"
#include "physics/pixels/pixel_model.hpp"

namespace np = noether::physics;

namespace {

const torch::Device kCpu(torch::kCPU);

/// The same weights, to float32 round-off of a few steps on another device (exactly on the same).
void check_same_weights(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].device() == b[i].device());
    CHECK(torch::allclose(a[i].cpu(), b[i].cpu(), 1e-4, 1e-5));
  }
}

void remove_model(const std::string& path) {
  std::remove(path.c_str());
  std::remove((path + ".json").c_str());
}

}  // namespace

TEST_CASE("devices: names are read, and a GPU that is not there is refused by name", "[physics][device]") {
  CHECK(np::parse_device("cpu") == kCpu);
  CHECK(np::device_name(np::parse_device("cpu")) == "cpu");
  CHECK(np::parse_device("auto") == (torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : kCpu));
  for (const char* bad : {"gpu", "CPU", "cuda:", "cuda:x", "cuda:-1", "cuda0", ""})
    CHECK_THROWS_WITH(np::parse_device(bad), Catch::Contains("unknown device") && Catch::Contains("cpu, cuda, cuda:N, auto"));
  if (!torch::cuda::is_available()) {
    for (const char* gpu : {"cuda", "cuda:0", "cuda:3"})
      CHECK_THROWS_WITH(np::parse_device(gpu), Catch::Contains("no CUDA device") && Catch::Contains("--device cpu"));
  } else {
    CHECK(np::device_name(np::parse_device("cuda")) == "cuda:0");
    CHECK_THROWS_WITH(np::parse_device("cuda:999"), Catch::Contains("CUDA device"));
  }
  auto module = torch::nn::Linear(2, 3);
  CHECK(np::device_of(*module) == kCpu);
  CHECK(np::device_of(torch::nn::Module()) == kCpu);
}

TEST_CASE("devices: the pixel HNN trains, resumes and evaluates on the chosen device as on the CPU",
          "[physics][device][pixels]") {
  np::PixelProtocol p;
  p.trials = 10;
  p.steps = 24;
  p.size = 16;
  p.seed = 2;
  const auto data = np::make_pixel_pendulum(p);
  np::PixelModelConfig c;
  c.input = 2 * p.size * p.size;
  c.hidden = 24;
  c.dynamics_hidden = 24;
  auto options = [](int64_t steps, const torch::Device& device) {
    np::PixelTrainOptions o;
    o.steps = steps;
    o.batch_size = 16;
    o.eval_every = 4;
    o.device = device;
    return o;
  };
  const torch::Device there = np::parse_device("auto");
  auto cpu = np::new_pixel_run(c, options(8, kCpu), p);
  const auto on_cpu = np::train_pixel_model(cpu, data, options(8, kCpu));
  // Half the steps there, a file, the other half there after reading it back.
  auto half = np::new_pixel_run(c, options(4, there), p);
  CHECK(np::device_of(*half.model) == there);
  np::train_pixel_model(half, data, options(4, there));
  const std::string path = "test_device_pixel.pt";
  np::save_pixel_model(half, path);
  auto resumed = np::load_pixel_model(path);
  CHECK(np::device_of(*resumed.model) == kCpu);  // files are read onto the CPU
  const auto on_there = np::train_pixel_model(resumed, data, options(4, there));
  remove_model(path);
  CHECK(np::device_of(*resumed.model) == there);
  CHECK(on_there.test_loss == Approx(on_cpu.test_loss).epsilon(1e-4));
  auto moved = cpu.model->parameters();
  for (auto& t : moved) t = t.to(there);
  check_same_weights(moved, resumed.model->parameters());
  const auto e_cpu = np::evaluate_pixel_model(*cpu.model, data, 3);
  const auto e_there = np::evaluate_pixel_model(*resumed.model, data, 3);
  CHECK(e_there.energy_mse == Approx(e_cpu.energy_mse).epsilon(1e-3));
  CHECK(e_there.rollout_pixel_mse == Approx(e_cpu.rollout_pixel_mse).epsilon(1e-3));
  REQUIRE(e_there.film_predicted.size() == 3);
  const auto& a = e_there.film_predicted[0].data;
  const auto& b = e_cpu.film_predicted[0].data;
  REQUIRE(a.size() == b.size());
  float largest = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i) largest = std::max(largest, std::abs(a[i] - b[i]));
  CHECK(largest < 1e-3f);
}

TEST_CASE("devices: HGN trains, resumes and evaluates on the chosen device as on the CPU",
          "[physics][device][pixels][hgn]") {
  np::HgnProtocol p;
  p.system = "spring";
  p.train_sequences = 8;
  p.test_sequences = 2;
  p.frames = 8;
  p.size = 12;
  p.seed = 4;
  const auto data = np::make_hgn_data(p);
  np::HgnConfig c;
  c.frame_values = p.values();
  c.input_frames = 3;
  c.dof = 1;
  c.hidden = 16;
  c.dynamics_hidden = 16;
  c.dt = p.dt;
  auto options = [](int64_t steps, const torch::Device& device) {
    np::HgnTrainOptions o;
    o.steps = steps;
    o.batch_size = 4;
    o.eval_every = 3;
    o.horizon_ramp = 4;
    o.device = device;
    return o;
  };
  const torch::Device there = np::parse_device("auto");
  for (auto kind : {np::LatentDynamics::kHamiltonian, np::LatentDynamics::kOde}) {
    c.dynamics = kind;
    auto cpu = np::new_hgn_run(c, options(6, kCpu), p);
    const auto on_cpu = np::train_hgn(cpu, data, options(6, kCpu));
    auto half = np::new_hgn_run(c, options(3, there), p);
    np::train_hgn(half, data, options(3, there));
    const std::string path = "test_device_hgn.pt";
    np::save_hgn(half, path);
    auto resumed = np::load_hgn(path);
    const auto on_there = np::train_hgn(resumed, data, options(3, there));
    remove_model(path);
    CHECK(np::device_of(*resumed.model) == there);
    CHECK(on_there.test_loss == Approx(on_cpu.test_loss).epsilon(1e-4));
    const auto e_cpu = np::evaluate_hgn(*cpu.model, data, 2);
    const auto e_there = np::evaluate_hgn(*resumed.model, data, 2);
    CHECK(e_there.reconstruction_mse == Approx(e_cpu.reconstruction_mse).epsilon(1e-3));
    CHECK(e_there.half_dt_mse == Approx(e_cpu.half_dt_mse).epsilon(1e-3));
    REQUIRE(e_there.mse_per_frame.size() == e_cpu.mse_per_frame.size());
    CHECK(e_there.mse_per_frame.back() == Approx(e_cpu.mse_per_frame.back()).epsilon(1e-3));
  }
}

TEST_CASE("devices: the flows train, resume and evaluate on the chosen device as on the CPU",
          "[physics][device][flows]") {
  const torch::Device there = np::parse_device("auto");
  for (auto kind : {np::FlowKind::kHamiltonian, np::FlowKind::kRealNvp}) {
    np::FlowConfig c;
    c.kind = kind;
    c.layers = 2;
    c.hidden = 8;
    c.base_components = 3;
    auto options = [](int64_t steps, const torch::Device& device) {
      np::FlowTrainOptions o;
      o.samples = 400;
      o.test_samples = 200;
      o.steps = steps;
      o.batch_size = 64;
      o.eval_every = 5;
      o.device = device;
      return o;
    };
    // The cosine schedule spans each run, so both sides take the same two runs with a file between.
    auto half_file_half = [&](const torch::Device& device, double* log_likelihood) {
      auto run = np::new_flow_run(c, options(5, device));
      np::train_flow(run, options(5, device));
      const std::string path = "test_device_flow.pt";
      np::save_flow(run, path);
      auto resumed = np::load_flow(path);
      *log_likelihood = np::train_flow(resumed, options(5, device)).test_log_likelihood;
      remove_model(path);
      return resumed;
    };
    double cpu_ll = 0.0, there_ll = 0.0;
    auto cpu = half_file_half(kCpu, &cpu_ll);
    auto resumed = half_file_half(there, &there_ll);
    CHECK(np::device_of(*resumed.model) == there);
    CHECK(there_ll == Approx(cpu_ll).epsilon(1e-4));
    const auto e = np::evaluate_flow(*resumed.model, options(0, there));
    CHECK(e.log_likelihood == Approx(cpu_ll).epsilon(1e-4));
    if (kind == np::FlowKind::kHamiltonian) CHECK(e.max_abs_log_det < 1e-12);
    const auto image_cpu = np::density_image(*cpu.model, 16, 3.0), image_there = np::density_image(*resumed.model, 16, 3.0);
    REQUIRE(image_there.size() == image_cpu.size());
    for (std::size_t i = 0; i < image_cpu.size(); i += 37) CHECK(image_there[i] == Approx(image_cpu[i]).margin(1e-4));
  }
}

TEST_CASE("devices: MAML and the pooled model train and evaluate on the chosen device as on the CPU",
          "[physics][device][meta]") {
  np::MetaOptions o;
  o.hidden = 16;
  o.steps = 4;
  o.tasks_per_step = 2;
  auto cpu = np::new_meta_run(o);
  np::meta_train(cpu);
  o.device = np::parse_device("auto");
  auto there = np::new_meta_run(o);
  CHECK(there.meta.params.front().device() == o.device);
  np::meta_train(there);
  check_same_weights(
      [&] {
        auto moved = cpu.meta.params;
        for (auto& t : moved) t = t.detach().to(o.device);
        return moved;
      }(),
      there.meta.params);
  const auto e_cpu = np::evaluate_meta(cpu, 10, 2, 3), e_there = np::evaluate_meta(there, 10, 2, 3);
  REQUIRE(e_there.meta_curve.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(e_there.meta_curve[k] == Approx(e_cpu.meta_curve[k]).epsilon(1e-3));
    CHECK(e_there.pooled_curve[k] == Approx(e_cpu.pooled_curve[k]).epsilon(1e-3));
  }
  // A file holds CPU tensors whatever trained it, and loads onto the CPU.
  const std::string path = "test_device_meta.pt";
  np::save_meta(there, path);
  auto back = np::load_meta(path);
  remove_model(path);
  CHECK(back.meta.params.front().device() == kCpu);
  back.meta.to(o.device);
  back.pooled.to(o.device);
  CHECK(np::evaluate_meta(back, 10, 2, 3).meta_curve == e_there.meta_curve);
}
