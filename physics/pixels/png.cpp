#include "physics/pixels/png.hpp"

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <memory>
#include <ostream>
#include <vector>

#include <png.h>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"

namespace noether::physics {

namespace {

// libpng reports errors by longjmp: its error callback records the message and jumps back to the
// setjmp in the function that called libpng, which throws from there (never across libpng's frames).
struct PngError {
  std::string message;
};

void on_error(png_structp png, png_const_charp message) {
  static_cast<PngError*>(png_get_error_ptr(png))->message = message;
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

void write_to_stream(png_structp png, png_bytep data, png_size_t length) {
  auto* os = static_cast<std::ostream*>(png_get_io_ptr(png));
  os->write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(length));
}
void flush_stream(png_structp png) { static_cast<std::ostream*>(png_get_io_ptr(png))->flush(); }

/// Encodes image into os; returns an empty string or libpng's error.
std::string encode(const Image& image, std::ostream& os, const std::vector<png_bytep>& rows) {
  PngError error;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, on_error, on_warning);
  if (!png) return "libpng could not start";
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return error.message.empty() ? "libpng failed" : error.message;
  }
  png_set_write_fn(png, &os, write_to_stream, flush_stream);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, const_cast<png_bytepp>(rows.data()));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return "";
}

}  // namespace

void write_png(const Image& image, const std::string& path) {
  if (image.height < 1 || image.width < 1 || image.data.size() != static_cast<std::size_t>(image.height) * image.width * image.channels)
    throw InvalidInput("cannot write '" + path + "': the image is empty or its size does not match its data");
  if (image.channels != 1 && image.channels != 3)
    throw InvalidInput("cannot write '" + path + "': " + std::to_string(image.channels) + " channels (PNG: 1 or 3)");
  std::vector<unsigned char> bytes(image.data.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const float v = image.data[i];
    bytes[i] = static_cast<unsigned char>(std::lround(255.0f * (std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f)));
  }
  std::vector<png_bytep> rows(static_cast<std::size_t>(image.height));
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) rows[static_cast<std::size_t>(y)] = bytes.data() + y * stride;
  write_file_atomically(path, [&](std::ostream& os) {
    const std::string why = encode(image, os, rows);
    if (!why.empty()) throw InvalidInput("cannot write '" + path + "': " + why);
  });
}

Image read_png(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw InvalidInput("cannot read '" + path + "': no such file or not readable");
  unsigned char signature[8] = {};
  if (std::fread(signature, 1, 8, file.get()) != 8 || png_sig_cmp(signature, 0, 8) != 0)
    throw InvalidInput("cannot read '" + path + "': not a PNG file");
  PngError error;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, on_error, on_warning);
  if (!png) throw InvalidInput("cannot read '" + path + "': libpng could not start");
  png_infop info = png_create_info_struct(png);
  Image image;
  std::vector<unsigned char> bytes;
  std::vector<png_bytep> rows;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InvalidInput("cannot read '" + path + "': " + (error.message.empty() ? "libpng failed" : error.message));
  }
  png_init_io(png, file.get());
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  const int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  if (depth != 8 || (type != PNG_COLOR_TYPE_GRAY && type != PNG_COLOR_TYPE_RGB)) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InvalidInput("cannot read '" + path + "': only 8-bit grey or RGB PNGs are read");
  }
  image = Image(static_cast<int>(png_get_image_height(png, info)), static_cast<int>(png_get_image_width(png, info)),
                type == PNG_COLOR_TYPE_GRAY ? 1 : 3);
  bytes.resize(image.data.size());
  rows.resize(static_cast<std::size_t>(image.height));
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) rows[static_cast<std::size_t>(y)] = bytes.data() + y * stride;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  for (std::size_t i = 0; i < bytes.size(); ++i) image.data[i] = bytes[i] / 255.0f;
  return image;
}

}  // namespace noether::physics
