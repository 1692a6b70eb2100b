// The shared trainer: schedules, moving average, clipping, hooks, early stop, divergence, resume.
#include "tests/support/test_common.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <unistd.h>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"
#include "noether/progress.hpp"
#include "physics/learning/checkpoint.hpp"
#include "physics/learning/trainer.hpp"

namespace np = noether::physics;

namespace {

// One weight w on the loss (w - 3)^2 / 2: the gradient is w - 3.
struct Quadratic {
  torch::Tensor w = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  np::StepLoss operator()(int64_t) const { return {(w - 3.0).square().sum() * 0.5}; }
  double value() const { return w.item<double>(); }
};

/// An empty folder `name` in the system's temporary folder (emptied if it was there).
std::filesystem::path empty_directory(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("trainer schedules give the rates they state at both ends", "[physics][trainer]") {
  np::TrainerOptions o;
  o.learning_rate = 2e-3;
  CHECK(np::Trainer::learning_rate(o, 7, 100) == 2e-3);
  o.schedule = np::Schedule::kCosine;
  o.final_fraction = 0.05;
  CHECK(np::Trainer::learning_rate(o, 0, 100) == Approx(2e-3));
  CHECK(np::Trainer::learning_rate(o, 50, 100) == Approx(2e-3 * (0.05 + 0.95 * 0.5)));
  CHECK(np::Trainer::learning_rate(o, 100, 100) == Approx(1e-4));
  o.schedule = np::Schedule::kExponential;
  o.final_fraction = 0.01;
  CHECK(np::Trainer::learning_rate(o, 0, 11) == Approx(2e-3));
  CHECK(np::Trainer::learning_rate(o, 5, 11) == Approx(2e-4));
  CHECK(np::Trainer::learning_rate(o, 10, 11) == Approx(2e-5));
}

TEST_CASE("trainer minimises, counts steps across runs, and reports a history", "[physics][trainer]") {
  torch::manual_seed(0);
  Quadratic q;
  np::TrainerOptions o;
  o.steps = 400;
  o.learning_rate = 0.05;
  o.eval_every = 100;
  np::Trainer trainer({q.w}, o);
  np::TrainerHooks hooks;
  hooks.evaluate = [&] { return std::abs(q.value() - 3.0); };
  const auto r = trainer.run(q, hooks);
  CHECK(q.value() == Approx(3.0).margin(1e-3));
  CHECK(r.steps == 400);
  CHECK(trainer.step() == 400);
  REQUIRE(r.history.size() == 4);
  CHECK(r.history.back().step == 400);
  CHECK(r.history.front().eval > r.history.back().eval);
  o.steps = 10;
  trainer.set_options(o);
  const auto again = trainer.run(q);
  CHECK(again.steps == 10);
  CHECK(trainer.step() == 410);
}

TEST_CASE("trainer keeps the exact moving average of the weights and ends with it", "[physics][trainer]") {
  torch::manual_seed(0);
  Quadratic q;
  np::TrainerOptions o;
  o.steps = 5;
  o.learning_rate = 0.1;
  o.optimizer = np::OptimizerKind::kAdam;
  o.ema = 0.5;
  // The same optimiser run without the average gives the weights after each step.
  Quadratic plain;
  np::TrainerOptions po = o;
  po.ema = 0;
  po.steps = 1;
  np::Trainer reference({plain.w}, po);
  double average = 0.0;  // starts at the initial weight 0
  for (int i = 0; i < 5; ++i) {
    reference.run(plain);
    average = 0.5 * average + 0.5 * plain.value();
  }
  np::Trainer trainer({q.w}, o);
  std::vector<double> seen;
  np::TrainerHooks hooks;
  hooks.checkpoint = [&] { seen.push_back(q.value()); };
  trainer.run(q, hooks);
  CHECK(q.value() == Approx(average).epsilon(1e-12));
  REQUIRE(seen.size() == 1);  // once, at the end, with the average in place
  CHECK(seen[0] == Approx(average).epsilon(1e-12));
}

TEST_CASE("trainer hooks: checkpoints every k steps and once at the end, never twice", "[physics][trainer]") {
  Quadratic q;
  np::TrainerOptions o;
  o.steps = 10;
  o.checkpoint_every = 5;
  std::vector<int64_t> at;
  np::Trainer trainer({q.w}, o);
  np::TrainerHooks hooks;
  hooks.checkpoint = [&] { at.push_back(trainer.step()); };
  trainer.run(q, hooks);
  CHECK(at == std::vector<int64_t>{5, 10});
  o.steps = 7;
  trainer.set_options(o);
  at.clear();
  trainer.run(q, hooks);
  CHECK(at == std::vector<int64_t>{15, 17});
}

TEST_CASE("an interrupt stops the trainer between steps, keeping the last complete checkpoint",
          "[physics][trainer]") {
  Quadratic q;
  np::TrainerOptions o;
  o.steps = 100;
  o.checkpoint_every = 5;
  std::vector<int64_t> at;
  np::Trainer trainer({q.w}, o);
  np::TrainerHooks hooks;
  hooks.checkpoint = [&] { at.push_back(trainer.step()); };
  hooks.on_step = [&](int64_t step, double) {
    if (step == 12) noether::request_interrupt();  // Ctrl-C during step 12
  };
  CHECK_THROWS_WITH(trainer.run(q, hooks), Catch::Contains("stopped after step 12") &&
                                               Catch::Contains("the checkpoint of step 10 is kept"));
  noether::clear_interrupt();
  CHECK(trainer.step() == 12);
  CHECK(at == std::vector<int64_t>{5, 10});  // no checkpoint of the interrupted state
}

TEST_CASE("an interrupt while a file is written leaves the file as it was and no temporary",
          "[physics][trainer]") {
  namespace fs = std::filesystem;
  const fs::path dir = empty_directory("noether_interrupt_test");
  const std::string path = (dir / "out.csv").string();
  noether::write_file_atomically(path, [](std::ostream& os) { os << "the user's file\n"; });
  CHECK_THROWS_AS(noether::write_file_atomically(path,
                                                 [](std::ostream& os) {
                                                   os << "half of a new file";
                                                   noether::request_interrupt();
                                                 }),
                  noether::Interrupted);
  noether::clear_interrupt();
  std::ifstream in(path);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "the user's file\n");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);  // no .tmp left
  fs::remove_all(dir);
}

TEST_CASE("a checkpoint asked to stop while it is written is written whole, and loads",
          "[physics][trainer]") {
  namespace fs = std::filesystem;
  const fs::path dir = empty_directory("noether_interrupt_checkpoint_test");
  const std::string path = (dir / "model.pt").string();
  const np::CheckpointFormat format{"noether.test", 1, "test file"};
  auto write = [&](double value) {
    torch::serialize::OutputArchive root;
    root.write("w", torch::full({3}, value));
    np::write_checkpoint(root, nlohmann::json{{"value", value}}, path, format);
  };
  write(1.0);
  // The request comes before the pair is written (as a signal between its two files would): both
  // files are still written, so the sidecar's checksum is the new file's, and the request stays.
  noether::request_interrupt();
  write(2.0);
  CHECK(noether::interrupt_requested());
  noether::clear_interrupt();
  torch::serialize::InputArchive root;
  const auto meta = np::read_checkpoint(root, path, format);
  CHECK(meta.at("value").get<double>() == 2.0);
  // Outside a pair, a single atomic write still gives up on the request.
  {
    noether::FinishWrites together;
    noether::request_interrupt();
    noether::write_file_atomically((dir / "a.txt").string(), [](std::ostream& os) { os << "whole"; });
  }
  CHECK_THROWS_AS(noether::write_file_atomically((dir / "b.txt").string(), [](std::ostream& os) { os << "half"; }),
                  noether::Interrupted);
  noether::clear_interrupt();
  CHECK(fs::exists(dir / "a.txt"));
  CHECK(!fs::exists(dir / "b.txt"));
  fs::remove_all(dir);
}

TEST_CASE("trainer clips the gradient norm and takes hand-made gradients", "[physics][trainer]") {
  Quadratic q;
  np::TrainerOptions o;
  o.steps = 1;
  o.learning_rate = 1.0;
  o.optimizer = np::OptimizerKind::kAdamW;
  o.clip_grad_norm = 0.5;
  np::Trainer trainer({q.w}, o);
  double grad_seen = 0;
  trainer.run([&](int64_t) {
    q.w.mutable_grad() = torch::full({1}, -100.0, torch::kFloat64);  // a hand-derived gradient
    return np::StepLoss{{}, 1.0, true};
  }, {});
  grad_seen = q.w.grad().item<double>();
  CHECK(grad_seen == Approx(-0.5));
}

TEST_CASE("trainer stops early when the evaluation stops improving", "[physics][trainer]") {
  Quadratic q;
  np::TrainerOptions o;
  o.steps = 1000;
  o.eval_every = 10;
  o.patience = 3;
  np::Trainer trainer({q.w}, o);
  int calls = 0;
  np::TrainerHooks hooks;
  hooks.evaluate = [&] { return ++calls == 1 ? 0.0 : 1.0; };  // best at the first evaluation
  const auto r = trainer.run(q, hooks);
  CHECK(r.stopped_early);
  CHECK(r.steps == 40);
  CHECK(r.best_step == 10);
}

TEST_CASE("trainer refuses bad options and a diverging loss, naming them", "[physics][trainer]") {
  Quadratic q;
  np::TrainerOptions o;
  o.label = "unit";
  auto refuses = [&](np::TrainerOptions bad, const std::string& fragment) {
    try {
      np::Trainer t({q.w}, bad);
      FAIL("accepted bad options");
    } catch (const noether::InvalidInput& e) {
      CHECK_THAT(e.what(), Catch::Contains(fragment));
    }
  };
  auto b = o;
  b.learning_rate = -1;
  refuses(b, "learning rate");
  b = o;
  b.ema = 1.0;
  refuses(b, "ema");
  b = o;
  b.schedule = np::Schedule::kExponential;
  refuses(b, "exponential");
  b = o;
  b.patience = 2;
  refuses(b, "patience");
  CHECK_THROWS_AS(np::Trainer({}, o), noether::InvalidInput);

  o.steps = 5;
  np::Trainer t({q.w}, o);
  try {
    t.run([&](int64_t step) { return np::StepLoss{q.w.sum() * (step >= 2 ? NAN : 1.0)}; });
    FAIL("a NaN loss did not stop the run");
  } catch (const noether::NumericalError& e) {
    CHECK_THAT(e.what(), Catch::Contains("unit") && Catch::Contains("step 3"));
  }
}

TEST_CASE("trainer's weight decay matches torch's own and skips the parameters it is told to",
          "[physics][trainer]") {
  for (const auto kind : {np::OptimizerKind::kAdam, np::OptimizerKind::kAdamW}) {
    CAPTURE(np::optimizer_name(kind));
    np::TrainerOptions o;
    o.steps = 50;
    o.learning_rate = 0.05;
    o.weight_decay = 0.3;
    o.optimizer = kind;
    o.schedule = np::Schedule::kCosine;
    // Three weights on the same quadratic: a decayed one, an undecayed one, and a reference
    // stepped by torch's optimiser with its own decay at the trainer's learning rates.
    Quadratic decayed, undecayed, free;
    auto reference = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
    std::unique_ptr<torch::optim::Optimizer> torch_opt;
    if (kind == np::OptimizerKind::kAdamW)
      torch_opt = std::make_unique<torch::optim::AdamW>(std::vector<torch::Tensor>{reference},
                                                        torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));
    else
      torch_opt = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{reference},
                                                       torch::optim::AdamOptions(o.learning_rate).weight_decay(o.weight_decay));
    np::Trainer trainer({decayed.w, undecayed.w}, o, {undecayed.w});
    np::Trainer plain({free.w}, [&] { auto p = o; p.weight_decay = 0.0; return p; }());
    trainer.run([&](int64_t s) {
      return np::StepLoss{(decayed.w - 3.0).square().sum() * 0.5 + (undecayed.w - 3.0).square().sum() * 0.5 + 0.0 * s};
    });
    plain.run(free);
    for (int64_t s = 0; s < o.steps; ++s) {
      const double lr = np::Trainer::learning_rate(o, s, o.steps);
      for (auto& g : torch_opt->param_groups()) {
        if (kind == np::OptimizerKind::kAdamW)
          static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        else
          static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
      }
      torch_opt->zero_grad();
      ((reference - 3.0).square().sum() * 0.5).backward();
      torch_opt->step();
    }
    CHECK(decayed.value() == Approx(reference.item<double>()).epsilon(1e-14));
    CHECK(undecayed.value() == Approx(free.value()).epsilon(1e-14));
    CHECK(decayed.value() < undecayed.value() - 1e-3);  // the decay did act
  }
}

TEST_CASE("progress off a terminal: a plain line per interval, nothing for a short run", "[physics][trainer]") {
  // A long scripted run (stderr to a log) printed nothing at all before; a bar of carriage
  // returns would fill the log. stderr goes to a file here, so it is not a terminal.
  const auto dir = empty_directory("noether_progress_log");
  const auto log = dir / "stderr.txt";
  std::fflush(stderr);
  const int saved = ::dup(2);
  REQUIRE(saved >= 0);
  std::FILE* to = std::fopen(log.c_str(), "w");
  REQUIRE(to != nullptr);
  ::dup2(::fileno(to), 2);
  {
    noether::Progress quick("quick", 2, true, 1, std::chrono::milliseconds(200));
    quick.update(1);
    quick.update(2);
  }
  {
    noether::Progress slow("slow", 3, true, 1, std::chrono::milliseconds(50));
    slow.update(1);  // before the first interval: not written
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    slow.update(2, "loss 1.5e-02");
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    slow.update(3, "loss 1.0e-02");
  }
  {
    noether::Progress stopped("stopped", 10, true, 1, std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    stopped.update(4);
    stopped.update(5);  // then an error or Ctrl-C: the closing line says 5, not 10
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(to);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("quick") == std::string::npos);
  CHECK(text.find("slow: 1/3") == std::string::npos);
  CHECK(text.find("slow: 2/3 (66.7%)") != std::string::npos);
  CHECK(text.find(", loss 1.5e-02\n") != std::string::npos);
  CHECK(text.find("slow: 3/3 (100.0%)") != std::string::npos);
  CHECK(text.find("stopped: 4/10") != std::string::npos);
  CHECK(text.find("stopped: 5/10 (50.0%)") != std::string::npos);
  CHECK(text.find("stopped: 10/10") == std::string::npos);
  // slow 2/3 and 3/3 (no closing line repeats 3/3), stopped 4/10 and its closing 5/10
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);
}
