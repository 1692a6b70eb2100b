// The renderer of physics/pixels/ (issue 18): frames are pure functions of the state, pixel-exact
// where the geometry is known, mirrored states give mirrored frames, the noise follows the seed,
// and PNG files read back as written. Torch-free (sanitizer build).
#include <cmath>
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "noether/error.hpp"
#include "physics/pixels/png.hpp"
#include "physics/pixels/render.hpp"

namespace np = noether::physics;

namespace {
Eigen::VectorXd state(std::initializer_list<double> v) {
  Eigen::VectorXd y(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) y[i++] = x;
  return y;
}
}  // namespace

TEST_CASE("a hanging pendulum is drawn where its geometry says, pixel for pixel", "[physics][render]") {
  np::RenderOptions o;  // 28 x 28 grey, 4 x 4 samples a pixel
  const np::Image f = np::render_state("pendulum", state({0.0, 0.3}), o);
  REQUIRE(f.height == 28);
  REQUIRE(f.width == 28);
  REQUIRE(f.channels == 1);
  // The rod runs from the pivot (row 4, between columns 13 and 14) down 18 pixels, one pixel
  // either side of the vertical centre line: columns 13 and 14 are covered in full from row 4
  // down to where the bob (radius 2.1 pixels about row 22) begins.
  for (int row = 4; row <= 19; ++row) {
    CHECK(f.at(row, 13) == 1.0f);
    CHECK(f.at(row, 14) == 1.0f);
    CHECK(f.at(row, 12) == 0.0f);
    CHECK(f.at(row, 15) == 0.0f);
  }
  // The bob covers its centre pixels, and nothing is drawn above the rod's rounded end, below the
  // bob, or beside them.
  CHECK(f.at(22, 13) == 1.0f);
  CHECK(f.at(21, 14) == 1.0f);
  for (int col = 0; col < 28; ++col) {
    CHECK(f.at(0, col) == 0.0f);
    CHECK(f.at(2, col) == 0.0f);
    CHECK(f.at(25, col) == 0.0f);
  }
  for (int row = 0; row < 28; ++row) {
    CHECK(f.at(row, 10) == 0.0f);
    CHECK(f.at(row, 17) == 0.0f);
  }
  // The rod's rounded end above the pivot covers part of row 3, not all of it.
  CHECK(f.at(3, 13) > 0.0f);
  CHECK(f.at(3, 13) < 1.0f);
  // Rod + bob area in pixels: 2 x 18 for the rod body, pi (caps) and the bob beyond the rod.
  double sum = 0.0;
  for (float v : f.data) sum += v;
  const double r = 2.1, w = 1.0, rod_in_bob = 2.0 * w * std::sqrt(r * r - w * w) / 2.0;  // approx.
  CHECK(sum > 36.0 + M_PI * r * r - 2.0 * rod_in_bob - 2.0);
  CHECK(sum < 36.0 + M_PI * (r * r + w * w / 2.0) + 2.0);
}

TEST_CASE("mirrored states give mirrored frames, bit for bit", "[physics][render]") {
  np::RenderOptions o;
  o.size = 32;
  for (double q : {0.1, 0.4, 1.3, 2.9}) {
    const np::Image a = np::render_state("pendulum", state({q, 0.0}), o);
    const np::Image b = np::render_state("pendulum", state({-q, 0.0}), o);
    for (int row = 0; row < o.size; ++row)
      for (int col = 0; col < o.size; ++col) REQUIRE(a.at(row, col) == b.at(row, o.size - 1 - col));
  }
  o.colour = true;
  const np::Image a = np::render_state("three-body", state({0.9, 0.3, -0.5, -0.2, 0.1, 1.2, 0, 0, 0, 0, 0, 0}), o);
  const np::Image b = np::render_state("three-body", state({-0.9, 0.3, 0.5, -0.2, -0.1, 1.2, 0, 0, 0, 0, 0, 0}), o);
  for (int row = 0; row < o.size; ++row)
    for (int col = 0; col < o.size; ++col)
      for (int c = 0; c < 3; ++c) REQUIRE(a.at(row, col, c) == b.at(row, o.size - 1 - col, c));
}

TEST_CASE("colour frames give each body its colour and the later body is on top", "[physics][render]") {
  np::RenderOptions o;
  o.size = 32;
  o.colour = true;
  // Two bodies far apart: each disc's centre pixel holds its body's colour alone.
  const np::Image f = np::render_state("two-body", state({1.25, 0.0, -1.25, 0.0, 0, 0, 0, 0}), o);
  REQUIRE(f.channels == 3);
  // x = 1.25 of extent 2.5 is three quarters across: column 24's left edge; row 16's top edge.
  CHECK(f.at(16, 24, 0) == Approx(1.0));
  CHECK(f.at(16, 24, 1) == Approx(0.25));
  CHECK(f.at(16, 7, 1) == Approx(0.85));
  CHECK(f.at(16, 7, 0) == Approx(0.2));
  CHECK(f.at(0, 0, 0) == 0.0f);
  // On top of each other, the second body hides the first.
  const np::Image g = np::render_state("two-body", state({0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0}), o);
  CHECK(g.at(16, 16, 1) == Approx(0.85));
  CHECK(g.at(16, 16, 0) == Approx(0.2));
}

TEST_CASE("noise follows the seed and stays in [0, 1]", "[physics][render]") {
  np::RenderOptions o;
  o.noise_std = 0.1;
  o.seed = 7;
  const std::vector<Eigen::VectorXd> states{state({0.2, 0.0}), state({0.3, 0.0})};
  const auto a = np::render_trajectory("pendulum", states, o);
  const auto b = np::render_trajectory("pendulum", states, o);
  REQUIRE(a.size() == 2);
  CHECK(a[0].data == b[0].data);
  CHECK(a[1].data == b[1].data);
  CHECK(a[0].data != a[1].data);
  o.seed = 8;
  CHECK(np::render_trajectory("pendulum", states, o)[0].data != a[0].data);
  const np::Image clean = np::render_state("pendulum", states[0], o);
  double diff2 = 0.0;
  for (std::size_t i = 0; i < clean.data.size(); ++i) {
    REQUIRE(a[0].data[i] >= 0.0f);
    REQUIRE(a[0].data[i] <= 1.0f);
    diff2 += std::pow(a[0].data[i] - clean.data[i], 2);
  }
  // Clipping at 0 halves the variance on the empty background: rms between 0.05 and 0.1.
  const double rms = std::sqrt(diff2 / clean.data.size());
  CHECK(rms > 0.05);
  CHECK(rms < 0.1);
}

TEST_CASE("PNG files read back as written, grey and colour", "[physics][render]") {
  np::RenderOptions o;
  o.size = 20;
  for (bool colour : {false, true}) {
    o.colour = colour;
    const np::Image f = np::render_state("spring", state({0.7, 0.0}), o);
    const std::string path = colour ? "render_test_rgb.png" : "render_test_grey.png";
    np::write_png(f, path);
    const np::Image g = np::read_png(path);
    REQUIRE(g.height == f.height);
    REQUIRE(g.width == f.width);
    REQUIRE(g.channels == f.channels);
    for (std::size_t i = 0; i < f.data.size(); ++i) REQUIRE(std::abs(g.data[i] - f.data[i]) <= 0.5f / 255.0f + 1e-6f);
    std::remove(path.c_str());
  }
  CHECK_THROWS_AS(np::read_png("no_such_file.png"), noether::InvalidInput);
  {
    std::FILE* f = std::fopen("render_not_png.png", "wb");
    std::fputs("not a png", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH(np::read_png("render_not_png.png"), Catch::Contains("not a PNG"));
  std::remove("render_not_png.png");
}

TEST_CASE("bad render requests name the problem", "[physics][render]") {
  np::RenderOptions o;
  CHECK_THROWS_WITH(np::render_state("kepler", state({0, 0, 0, 0}), o), Catch::Contains("cannot draw system 'kepler'"));
  CHECK_THROWS_WITH(np::render_state("pendulum", state({0, 0, 0}), o), Catch::Contains("2 entries"));
  CHECK_THROWS_WITH(np::render_state("pendulum", state({NAN, 0}), o), Catch::Contains("non-finite"));
  o.size = 2;
  CHECK_THROWS_WITH(np::render_state("pendulum", state({0, 0}), o), Catch::Contains("size"));
}

TEST_CASE("tile lays frames out with separators", "[physics][render]") {
  np::RenderOptions o;
  o.size = 8;
  std::vector<np::Image> frames;
  for (int k = 0; k < 5; ++k) frames.push_back(np::render_state("pendulum", state({0.2 * k, 0.0}), o));
  const np::Image t = np::tile(frames, 3);
  CHECK(t.width == 3 * 9 - 1);
  CHECK(t.height == 2 * 9 - 1);
  CHECK(t.at(0, 8) == 0.5f);
  CHECK(t.at(9, 9 + 3) == frames[4].at(0, 3));
  CHECK(t.at(5, 9 + 4) == frames[1].at(5, 4));
}
