// Data sets: the HNN protocol, determinism, exact targets, noise level, and the file format.
#include "tests/support/test_common.hpp"

#include <cstdio>
#include <fstream>

#include "noether/error.hpp"
#include "physics/learning/dataset.hpp"

namespace np = noether::physics;
using np::Vector;

namespace {
Vector row(const torch::Tensor& t, int64_t i) {
  const auto r = t[i].contiguous();
  return Eigen::Map<const Vector>(r.data_ptr<double>(), r.numel());
}
}  // namespace

TEST_CASE("the spring data set follows the HNN protocol", "[physics][dataset]") {
  const np::Spring spring;
  const auto protocol = spring.protocol();
  CHECK(protocol.trajectories == 50);
  CHECK(protocol.points == 30);
  const auto d = np::generate_dataset(spring, protocol, 0);
  CHECK(d.x.sizes() == torch::IntArrayRef({750, 2}));
  CHECK(d.test_x.sizes() == torch::IntArrayRef({750, 2}));
  CHECK(d.dxdt.sizes() == d.x.sizes());
  CHECK(d.t.size(0) == 30);
  CHECK(d.t[29].item<double>() == Approx(3.0));
  // Initial radii lie in [0.1, 1] (the first sample of each trajectory, before noise: energy).
  for (int64_t traj = 0; traj < 25; ++traj) {
    const double e = d.energy[traj * 30].item<double>();
    CHECK(e >= 0.01 - 1e-12);
    CHECK(e <= 1.0 + 1e-12);
  }
}

TEST_CASE("targets are the exact field at the clean states, noise has the protocol's size",
          "[physics][dataset]") {
  const np::Pendulum pendulum;
  auto protocol = pendulum.protocol();
  protocol.trajectories = 20;
  auto clean_protocol = protocol;
  clean_protocol.noise_std = 0.0;
  const auto noisy = np::generate_dataset(pendulum, protocol, 42);
  const auto clean = np::generate_dataset(pendulum, clean_protocol, 42);
  for (int64_t i = 0; i < clean.x.size(0); i += 7) {
    const Vector y = row(clean.x, i);
    CHECK((pendulum.vector_field(y) - row(clean.dxdt, i)).cwiseAbs().maxCoeff() < 1e-14);
    CHECK(pendulum.energy_at(y) == Approx(clean.energy[i].item<double>()).epsilon(1e-14));
  }
  // Same seed: the same trajectories; the noisy states differ from the clean ones by N(0, 0.1^2).
  CHECK(torch::equal(noisy.dxdt, clean.dxdt));
  const auto diff = noisy.x - clean.x;
  CHECK(diff.std().item<double>() == Approx(0.1).epsilon(0.1));
  CHECK(std::abs(diff.mean().item<double>()) < 0.01);
  // Energy along a clean trajectory is constant (the ground truth is accurate).
  const auto e = clean.energy.narrow(0, 0, protocol.points);
  CHECK((e - e[0]).abs().max().item<double>() < 1e-9);
}

TEST_CASE("data sets are deterministic in the seed", "[physics][dataset]") {
  const np::Spring spring;
  auto p = spring.protocol();
  p.trajectories = 4;
  CHECK(torch::equal(np::generate_dataset(spring, p, 1).x, np::generate_dataset(spring, p, 1).x));
  CHECK_FALSE(torch::equal(np::generate_dataset(spring, p, 1).x, np::generate_dataset(spring, p, 2).x));
}

TEST_CASE("data sets round-trip through the torch.save format bit-exactly", "[physics][dataset][io]") {
  const auto sys = np::make_system("two-body");
  auto p = sys->protocol();
  p.trajectories = 5;
  p.points = 10;
  const auto d = np::generate_dataset(*sys, p, 3);
  const std::string path = "test_dataset_roundtrip.pt";
  np::save_dataset(d, path);
  const auto back = np::load_dataset(path);
  CHECK(back.system == "two-body");
  CHECK(back.seed == 3);
  CHECK(back.protocol.points == 10);
  CHECK(back.protocol.t1 == p.t1);
  CHECK(torch::equal(back.x, d.x));
  CHECK(torch::equal(back.dxdt, d.dxdt));
  CHECK(torch::equal(back.test_x, d.test_x));
  CHECK(torch::equal(back.test_dxdt, d.test_dxdt));
  CHECK(torch::equal(back.energy, d.energy));
  CHECK(torch::equal(back.t, d.t));
  // The file is a zip archive, as torch.save writes.
  std::ifstream is(path, std::ios::binary);
  char magic[2] = {0, 0};
  is.read(magic, 2);
  CHECK(magic[0] == 'P');
  CHECK(magic[1] == 'K');
  std::remove(path.c_str());
}

TEST_CASE("bad protocols and files are rejected with clear errors", "[physics][dataset][errors]") {
  const np::Spring spring;
  auto p = spring.protocol();
  p.points = 1;
  CHECK_THROWS_WITH(np::generate_dataset(spring, p, 0), Catch::Contains("points"));
  p = spring.protocol();
  p.test_fraction = 1.0;
  CHECK_THROWS_WITH(np::generate_dataset(spring, p, 0), Catch::Contains("test_fraction"));
  CHECK_THROWS_WITH(np::load_dataset("does/not/exist.pt"), Catch::Contains("cannot open"));
  {
    std::ofstream os("garbage.pt");
    os << "not a tensor file";
  }
  CHECK_THROWS_AS(np::load_dataset("garbage.pt"), noether::InvalidInput);
  std::remove("garbage.pt");
  // Saving into a missing folder fails without leaving anything behind.
  const auto d = np::generate_dataset(spring, spring.protocol(), 0);
  CHECK_THROWS_AS(np::save_dataset(d, "no/such/dir/x.pt"), noether::InvalidInput);
}
