// molecules/engine_weights.cpp: the engine's options and its weights file, without LibTorch.
#include "molecules/engine_weights.hpp"

#include <cstring>
#include <fstream>
#include <iterator>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"

namespace noether::molecules {

namespace {
constexpr char kMagic[8] = {'N', 'O', 'E', 'T', 'H', 'E', 'R', 'W'};
constexpr const char* kKind = "noether-conformer-weights";
constexpr int64_t kVersion = 1;

int64_t count_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (const auto d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + "]";
}
}  // namespace

void EngineOptions::validate() const {
  auto positive = [](double v, const char* name) {
    if (!(v > 0)) throw InvalidInput(std::string("engine option ") + name + " must be positive, got " + std::to_string(v));
  };
  positive(static_cast<double>(hidden), "hidden");
  positive(static_cast<double>(rounds), "rounds");
  positive(static_cast<double>(steps), "steps");
  positive(dt, "dt");
  positive(static_cast<double>(bonded_hops), "bonded_hops");
  if (bonded_hops >= kMaxHops) throw InvalidInput("engine option bonded_hops must be below 7");
  if (!(init_noise >= 0)) throw InvalidInput("engine option init_noise must be >= 0");
  if (!(temperature >= 0)) throw InvalidInput("engine option temperature must be >= 0");
  if (!(stereo_weight >= 0)) throw InvalidInput("engine option stereo_weight must be >= 0");
}

void EngineWeights::add(const std::string& name, const std::vector<int64_t>& shape, const float* values) {
  entries.push_back({name, shape, data.size()});
  data.insert(data.end(), values, values + count_of(shape));
}

const float* EngineWeights::get(const std::string& name, const std::vector<int64_t>& shape) const {
  for (const auto& e : entries) {
    if (e.name != name) continue;
    if (e.shape != shape)
      throw InvalidInput("conformer weights: '" + name + "' is " + shape_text(e.shape) + ", the engine's options need " +
                         shape_text(shape));
    return data.data() + e.offset;
  }
  throw InvalidInput("conformer weights: no '" + name + "'");
}

void write_engine_weights(const EngineWeights& w, const std::string& path) {
  nlohmann::json header = {{"kind", kKind}, {"format_version", kVersion}, {"engine", w.options}};
  header["tensors"] = nlohmann::json::array();
  for (const auto& e : w.entries) header["tensors"].push_back({{"name", e.name}, {"shape", e.shape}, {"offset", e.offset}});
  const std::string text = header.dump();
  write_file_atomically(path, [&](std::ostream& os) {
    os.write(kMagic, sizeof kMagic);
    unsigned char length[8];
    for (int k = 0; k < 8; ++k) length[k] = static_cast<unsigned char>(static_cast<uint64_t>(text.size()) >> (8 * k));
    os.write(reinterpret_cast<const char*>(length), 8);
    os << text;
    for (const float v : w.data) {  // little-endian whatever the machine
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      const unsigned char b[4] = {static_cast<unsigned char>(bits), static_cast<unsigned char>(bits >> 8),
                                  static_cast<unsigned char>(bits >> 16), static_cast<unsigned char>(bits >> 24)};
      os.write(reinterpret_cast<const char*>(b), 4);
    }
  });
}

EngineWeights read_engine_weights(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput("cannot open conformer weights '" + path + "'");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto bad = [&](const std::string& why) { return InvalidInput("'" + path + "' is not a noether conformer weights file: " + why); };
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, 8) != 0) throw bad("it does not start with NOETHERW");
  uint64_t length = 0;
  for (int k = 0; k < 8; ++k) length |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[8 + k])) << (8 * k);
  if (length > bytes.size() - 16) throw bad("its header runs past the end of the file");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 16, bytes.begin() + 16 + static_cast<std::ptrdiff_t>(length));
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("its header is not JSON (") + e.what() + ")");
  }
  if (!header.is_object() || header.value("kind", "") != kKind) throw bad("its kind is not " + std::string(kKind));
  if (header.value("format_version", int64_t{0}) != kVersion)
    throw InvalidInput("conformer weights '" + path + "' have format version " + header.value("format_version", nlohmann::json()).dump() +
                       "; this noether reads version " + std::to_string(kVersion));
  EngineWeights w;
  w.options = from_json_checked<EngineOptions>(header.at("engine"), "conformer weights '" + path + "'");
  const std::size_t floats = (bytes.size() - 16 - length) / 4;
  if ((bytes.size() - 16 - length) % 4) throw bad("its data is not a whole number of float32 values");
  w.data.resize(floats);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + 16 + length;
  for (std::size_t i = 0; i < floats; ++i, p += 4) {
    const uint32_t bits = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                          (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    std::memcpy(&w.data[i], &bits, 4);
  }
  try {
    for (const auto& t : header.at("tensors")) {
      EngineWeights::Entry e{t.at("name").get<std::string>(), t.at("shape").get<std::vector<int64_t>>(),
                             t.at("offset").get<std::size_t>()};
      const int64_t n = count_of(e.shape);
      if (n < 0 || e.offset > floats || static_cast<std::size_t>(n) > floats - e.offset)
        throw bad("tensor '" + e.name + "' runs past the end of the file");
      w.entries.push_back(std::move(e));
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("its tensor list is malformed (") + e.what() + ")");
  }
  return w;
}

std::string weights_path(const std::string& model_path) { return model_path + ".weights"; }

std::string model_weights_path(const std::string& model) {
  std::ifstream in(model, std::ios::binary);
  if (!in) throw InvalidInput("cannot read conformer model '" + model + "'");
  char head[sizeof kMagic] = {};
  in.read(head, sizeof head);
  if (in.gcount() == sizeof head && std::memcmp(head, kMagic, sizeof head) == 0) return model;
  const std::string beside = weights_path(model);
  return std::ifstream(beside, std::ios::binary) ? beside : std::string();
}

}  // namespace noether::molecules
