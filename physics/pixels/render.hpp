// physics/pixels/render.hpp: frames of the analytic systems, for the models that learn from
// pixels (issue 18). Torch-free: images are plain float arrays; physics/pixels/pixel_data.hpp
// turns them into tensors.
//
//   RenderOptions o;  o.size = 28;                            // 28 x 28 grey
//   Image frame = render_state("pendulum", y, o);             // y = (q, p) of the system
//   std::vector<Image> movie = render_trajectory("two-body", states, o);   // + seeded noise
//   write_png(frame, "frame.png");                            // physics/pixels/png.hpp
//
// A scene is drawn in world units on the square [-extent, extent]^2 (y up) and sampled s x s
// times per pixel on a regular grid: a pixel's value is the share of its samples each shape
// covers (anti-aliasing without randomness, so a frame is a pure function of the state). Where
// shapes overlap, the later one is on top. Grey images draw every shape at intensity 1; colour
// images give each body its own colour.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace noether::physics {

/// height x width pixels of `channels` values (1: grey, 3: RGB) in [0, 1], row by row, the
/// channels of a pixel side by side (row 0 is the top of the picture).
struct Image {
  int height = 0, width = 0, channels = 1;
  std::vector<float> data;
  Image() = default;
  Image(int h, int w, int c) : height(h), width(w), channels(c), data(static_cast<std::size_t>(h) * w * c, 0.0f) {}
  float& at(int y, int x, int c = 0) { return data[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
  float at(int y, int x, int c = 0) const { return data[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
};

struct RenderOptions {
  int size = 28;            ///< square frames of size x size pixels
  bool colour = false;      ///< RGB, each body its own colour; false: one grey channel
  double noise_std = 0.0;   ///< Gaussian noise added to every value (then clipped to [0, 1])
  uint64_t seed = 0;        ///< the noise's seed
  int supersampling = 4;    ///< s x s samples per pixel
  /// Throws InvalidInput naming the bad field.
  void validate() const;
};

/// A disc (a bob, a ball, a planet) or a capsule (a rod: the points within half_width of the
/// segment a-b), in world units.
struct Shape {
  enum class Kind { kDisc, kRod } kind = Kind::kDisc;
  Eigen::Vector2d a = Eigen::Vector2d::Zero(), b = Eigen::Vector2d::Zero();  ///< disc: centre a
  double radius = 0.0;  ///< disc radius, or the rod's half width
  Eigen::Vector3d colour = Eigen::Vector3d::Ones();
};

struct Scene {
  double extent = 1.0;  ///< the frame shows [-extent, extent] in x and y
  std::vector<Shape> shapes;
};

/// The systems render_state draws: "pendulum" (a rod from a pivot and a bob, q the angle from
/// hanging down), "gym-pendulum" (a bare rod, as the gym pendulum the HNN paper rendered), "spring" (a ball on a vertical line, q its displacement), "two-body" and "three-body"
/// (a disc per body at its planar position; q = (x1, y1, x2, y2, ...)).
std::vector<std::string> renderable_systems();

/// The scene of `system` at the stacked state y = (q, p). Throws InvalidInput for a system
/// render_state cannot draw, naming the ones it can, or for a state of the wrong size or with
/// non-finite entries.
Scene scene_of(const std::string& system, const Eigen::VectorXd& y);

/// The scene sampled into an image (no noise).
Image render(const Scene& scene, const RenderOptions& options);

/// render(scene_of(system, y), options), without noise.
Image render_state(const std::string& system, const Eigen::VectorXd& y, const RenderOptions& options);

/// One frame per state, with options.noise_std noise drawn from one generator seeded with
/// options.seed (the same states and options give the same frames).
std::vector<Image> render_trajectory(const std::string& system, const std::vector<Eigen::VectorXd>& states,
                                     const RenderOptions& options);

/// Adds N(0, std^2) to every value of image, clipped to [0, 1].
void add_noise(Image& image, double std, std::mt19937_64& rng);

/// Frames side by side in one image (a film strip), separated by a one-pixel line of value 0.5;
/// `columns` frames per row (0: all in one row). The frames must share height, width and channels.
Image tile(const std::vector<Image>& frames, int columns = 0);

}  // namespace noether::physics
