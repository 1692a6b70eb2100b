#include "physics/pixels/render.hpp"

#include <algorithm>
#include <cmath>

#include "noether/error.hpp"

namespace noether::physics {

namespace {

const Eigen::Vector3d kPalette[] = {{1.0, 0.25, 0.2}, {0.2, 0.85, 0.25}, {0.3, 0.45, 1.0}};

Shape disc(double x, double y, double radius, int body) {
  Shape s;
  s.kind = Shape::Kind::kDisc;
  s.a = {x, y};
  s.radius = radius;
  s.colour = kPalette[body % 3];
  return s;
}

Shape rod(Eigen::Vector2d a, Eigen::Vector2d b, double half_width, int body) {
  Shape s;
  s.kind = Shape::Kind::kRod;
  s.a = a;
  s.b = b;
  s.radius = half_width;
  s.colour = kPalette[body % 3];
  return s;
}

/// A shape in pixel units measured from the frame's centre (x right, y down), so that a scene
/// and its mirror image are sampled at mirrored points with the same arithmetic.
struct PixelShape {
  Shape::Kind kind;
  double ax, ay, bx, by, r2;
  float colour[3];
  int x0, x1, y0, y1;  // the pixels its bounding box touches
  bool covers(double u, double v) const {
    double dx = u - ax, dy = v - ay;
    if (kind == Shape::Kind::kRod) {
      const double ex = bx - ax, ey = by - ay, len2 = ex * ex + ey * ey;
      const double t = len2 > 0.0 ? std::clamp((dx * ex + dy * ey) / len2, 0.0, 1.0) : 0.0;
      dx -= t * ex;
      dy -= t * ey;
    }
    return dx * dx + dy * dy <= r2;
  }
};

}  // namespace

void RenderOptions::validate() const {
  if (size < 4 || size > 4096) throw InvalidInput("render: size = " + std::to_string(size) + " must be in [4, 4096]");
  if (supersampling < 1 || supersampling > 16)
    throw InvalidInput("render: supersampling = " + std::to_string(supersampling) + " must be in [1, 16]");
  if (!(noise_std >= 0.0) || !std::isfinite(noise_std))
    throw InvalidInput("render: noise_std = " + std::to_string(noise_std) + " must be finite and >= 0");
}

std::vector<std::string> renderable_systems() { return {"pendulum", "gym-pendulum", "spring", "two-body", "three-body"}; }

Scene scene_of(const std::string& system, const Eigen::VectorXd& y) {
  auto need = [&](Eigen::Index n) {
    if (y.size() != n)
      throw InvalidInput("render: a " + system + " state has " + std::to_string(n) + " entries, not " +
                         std::to_string(y.size()));
    if (!y.allFinite()) throw InvalidInput("render: the " + system + " state has a non-finite entry");
  };
  Scene s;
  if (system == "pendulum") {
    // Pivot 2/7 below the top edge, rod 9/7 long (18 pixels of a 28-pixel frame), a bob at its end.
    need(2);
    s.extent = 1.0;
    const Eigen::Vector2d pivot(0.0, 5.0 / 7.0);
    const Eigen::Vector2d tip = pivot + 9.0 / 7.0 * Eigen::Vector2d(std::sin(y[0]), -std::cos(y[0]));
    s.shapes.push_back(rod(pivot, tip, 1.0 / 14.0, 0));
    s.shapes.push_back(disc(tip.x(), tip.y(), 0.15, 0));
  } else if (system == "gym-pendulum") {
    // The gym's pendulum as the HNN paper saw it: a bare rod (width a fifth of its length), 12
    // pixels long in a 28-pixel frame, from a pivot 0.4 below the top edge.
    need(2);
    s.extent = 1.0;
    const double length = 6.0 / 7.0;
    const Eigen::Vector2d pivot(0.0, 0.6);
    const Eigen::Vector2d tip = pivot + length * Eigen::Vector2d(std::sin(y[0]), -std::cos(y[0]));
    s.shapes.push_back(rod(pivot, tip, 0.1 * length, 0));
  } else if (system == "spring") {
    // A ball hanging from the top edge by a thin line, displaced by q / 2.
    need(2);
    s.extent = 1.0;
    const double yc = -0.5 * y[0];
    s.shapes.push_back(rod({0.0, 1.0}, {0.0, yc}, 0.03, 1));
    s.shapes.push_back(disc(0.0, yc, 0.25, 0));
  } else if (system == "two-body" || system == "three-body") {
    const int n = system == "two-body" ? 2 : 3;
    need(4 * n);
    s.extent = n == 2 ? 2.5 : 2.0;
    for (int i = 0; i < n; ++i) s.shapes.push_back(disc(y[2 * i], y[2 * i + 1], n == 2 ? 0.25 : 0.2, i));
  } else {
    std::string known;
    for (const auto& k : renderable_systems()) known += (known.empty() ? "" : ", ") + k;
    throw InvalidInput("render: cannot draw system '" + system + "' (known: " + known + ")");
  }
  return s;
}

Image render(const Scene& scene, const RenderOptions& options) {
  options.validate();
  if (!(scene.extent > 0.0)) throw InvalidInput("render: the scene's extent must be > 0");
  const int n = options.size, s = options.supersampling, channels = options.colour ? 3 : 1;
  const double k = 0.5 * n / scene.extent, half = 0.5 * n;
  std::vector<PixelShape> shapes;
  for (const Shape& sh : scene.shapes) {
    PixelShape p;
    p.kind = sh.kind;
    p.ax = k * sh.a.x();
    p.ay = -k * sh.a.y();
    p.bx = sh.kind == Shape::Kind::kRod ? k * sh.b.x() : p.ax;
    p.by = sh.kind == Shape::Kind::kRod ? -k * sh.b.y() : p.ay;
    const double r = k * sh.radius;
    p.r2 = r * r;
    for (int c = 0; c < 3; ++c) p.colour[c] = static_cast<float>(sh.colour[c]);
    auto clamp_pixel = [&](double v) { return static_cast<int>(std::clamp(std::floor(v + half), -1.0, double(n))); };
    p.x0 = clamp_pixel(std::min(p.ax, p.bx) - r);
    p.x1 = clamp_pixel(std::max(p.ax, p.bx) + r);
    p.y0 = clamp_pixel(std::min(p.ay, p.by) - r);
    p.y1 = clamp_pixel(std::max(p.ay, p.by) + r);
    shapes.push_back(p);
  }
  Image image(n, n, channels);
  const float share = 1.0f / static_cast<float>(s * s);
  std::vector<const PixelShape*> here;
  for (int row = 0; row < n; ++row)
    for (int col = 0; col < n; ++col) {
      here.clear();
      for (auto it = shapes.rbegin(); it != shapes.rend(); ++it)  // the last shape is on top
        if (col >= it->x0 && col <= it->x1 && row >= it->y0 && row <= it->y1) here.push_back(&*it);
      if (here.empty()) continue;
      float sum[3] = {0.0f, 0.0f, 0.0f};
      for (int j = 0; j < s; ++j)
        for (int i = 0; i < s; ++i) {
          const double u = (col + (i + 0.5) / s) - half, v = (row + (j + 0.5) / s) - half;
          for (const PixelShape* p : here)
            if (p->covers(u, v)) {
              for (int c = 0; c < channels; ++c) sum[c] += channels == 1 ? 1.0f : p->colour[c];
              break;
            }
        }
      for (int c = 0; c < channels; ++c) image.at(row, col, c) = sum[c] * share;
    }
  return image;
}

Image render_state(const std::string& system, const Eigen::VectorXd& y, const RenderOptions& options) {
  return render(scene_of(system, y), options);
}

void add_noise(Image& image, double std, std::mt19937_64& rng) {
  if (std <= 0.0) return;
  std::normal_distribution<double> normal(0.0, std);
  for (float& v : image.data) v = static_cast<float>(std::clamp(v + normal(rng), 0.0, 1.0));
}

std::vector<Image> render_trajectory(const std::string& system, const std::vector<Eigen::VectorXd>& states,
                                     const RenderOptions& options) {
  options.validate();
  std::mt19937_64 rng(options.seed);
  std::vector<Image> frames;
  frames.reserve(states.size());
  for (const auto& y : states) {
    frames.push_back(render_state(system, y, options));
    add_noise(frames.back(), options.noise_std, rng);
  }
  return frames;
}

Image tile(const std::vector<Image>& frames, int columns) {
  if (frames.empty()) throw InvalidInput("tile: no frames");
  const Image& f = frames.front();
  for (const Image& g : frames)
    if (g.height != f.height || g.width != f.width || g.channels != f.channels)
      throw InvalidInput("tile: frames of different shapes");
  const int count = static_cast<int>(frames.size());
  const int cols = columns > 0 ? std::min(columns, count) : count, rows = (count + cols - 1) / cols;
  Image out(rows * (f.height + 1) - 1, cols * (f.width + 1) - 1, f.channels);
  std::fill(out.data.begin(), out.data.end(), 0.5f);
  for (int k = 0; k < count; ++k) {
    const int oy = (k / cols) * (f.height + 1), ox = (k % cols) * (f.width + 1);
    for (int y = 0; y < f.height; ++y)
      for (int x = 0; x < f.width; ++x)
        for (int c = 0; c < f.channels; ++c) out.at(oy + y, ox + x, c) = frames[static_cast<std::size_t>(k)].at(y, x, c);
  }
  return out;
}

}  // namespace noether::physics
