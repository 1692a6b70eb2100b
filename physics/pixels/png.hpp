// physics/pixels/png.hpp: frames as PNG files (8-bit grey or RGB, through libpng), for people to
// look at what the pixel models see and predict.
//
//   write_png(frame, "frames/frame_0000.png");   // atomic: the old file or the new one
//   Image back = read_png("frames/frame_0000.png");
#pragma once

#include <string>

#include "physics/pixels/render.hpp"

namespace noether::physics {

/// Writes image (values in [0, 1], rounded to 8 bits; 1 channel: grey, 3: RGB) atomically
/// (noether/atomic_file.hpp). Throws InvalidInput naming the path when it cannot be written, or
/// for an empty image or one with another channel count.
void write_png(const Image& image, const std::string& path);

/// Reads an 8-bit grey or RGB PNG into values k / 255. Throws InvalidInput naming the path for a
/// missing file, one that is not a PNG, or another pixel format.
Image read_png(const std::string& path);

}  // namespace noether::physics
