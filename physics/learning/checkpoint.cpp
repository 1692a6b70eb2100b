// physics/checkpoint.cpp: versioned torch archives with JSON metadata and a sidecar.
#include "physics/learning/checkpoint.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <iterator>
#include <vector>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "noether/interrupt.hpp"

namespace noether::physics {

using nlohmann::json;

namespace {
/// FNV-1a, 64 bits, as 16 hex digits: a checksum of a model file's bytes (weights included).
std::string fnv1a64(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string file_bytes(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
}
}  // namespace

void write_checkpoint(torch::serialize::OutputArchive& root, json meta, const std::string& path,
                      const CheckpointFormat& format) {
  meta["kind"] = format.kind;
  meta["format_version"] = format.version;
  root.write("metadata", c10::IValue(meta.dump()));
  std::ostringstream bytes;
  root.save_to(bytes);
  const std::string data = bytes.str();
  // The sidecar carries the file's checksum (it cannot be inside the file it covers).
  meta["checksum"] = "fnv1a64:" + fnv1a64(data);
  // Both files or neither: a stop request between them would leave the old sidecar's checksum
  // beside the new file, which then no longer loads. The request stays for the caller's next check.
  const FinishWrites together;
  write_file_atomically(path, [&](std::ostream& os) { os.write(data.data(), static_cast<std::streamsize>(data.size())); });
  write_file_atomically(path + ".json", [&](std::ostream& os) { os << meta.dump(2) << "\n"; });
}

json read_checkpoint(torch::serialize::InputArchive& root, const std::string& path, const CheckpointFormat& format) {
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw InvalidInput("cannot open " + format.what + " '" + path + "'");
  }
  // A file whose sidecar records a checksum must match it: corrupted weights would otherwise load
  // silently and surface later as wrong numbers or an integrator's error.
  std::string recorded;
  {
    std::ifstream side(path + ".json");
    if (side) {
      json sidecar;
      try {
        sidecar = json::parse(side);
      } catch (const json::exception&) {
        sidecar = json::object();
      }
      recorded = sidecar.is_object() ? sidecar.value("checksum", std::string()) : std::string();
    }
  }
  // Every tensor is read onto the CPU, whatever device wrote it: a model trained on a GPU loads on
  // any machine, and a run moves it where it computes (physics/learning/device.hpp).
  const torch::Device cpu(torch::kCPU);
  try {
    if (recorded.empty()) {
      root.load_from(path, cpu);
    } else {
      // Read the file once: checksum the bytes, then load the archive from them.
      const std::string bytes = file_bytes(path);
      if (recorded != "fnv1a64:" + fnv1a64(bytes))
        throw InvalidInput(format.what + " '" + path + "' does not match the checksum in '" + path +
                           ".json': the file is corrupted or was replaced without its sidecar");
      std::istringstream in(bytes);
      root.load_from(in, cpu);
    }
  } catch (const c10::Error& e) {
    throw InvalidInput("'" + path + "' is not a noether " + format.what + ": " + e.what_without_backtrace());
  }
  c10::IValue v;
  if (!root.try_read("metadata", v) || !v.isString())
    throw InvalidInput("'" + path + "' is a torch archive but not a noether " + format.what);
  json meta;
  try {
    meta = json::parse(v.toStringRef());
  } catch (const json::exception& e) {
    throw InvalidInput("'" + path + "': unreadable metadata: " + e.what());
  }
  const std::string kind = meta.value("kind", "");
  if (kind != format.kind)
    throw InvalidInput("'" + path + "' is not a noether " + format.what + " (kind '" + kind + "', expected '" +
                       format.kind + "')");
  const int64_t version = meta.value("format_version", int64_t{-1});
  if (version != format.version)
    throw InvalidInput(format.what + " '" + path + "' has format_version " + std::to_string(version) +
                       "; this noether reads version " + std::to_string(format.version));
  return meta;
}

void write_model_state(torch::serialize::OutputArchive& root, const torch::nn::Module& model, const Trainer* trainer) {
  torch::serialize::OutputArchive weights;
  model.save(weights);
  root.write("model", weights);
  if (trainer) {
    torch::serialize::OutputArchive opt;
    trainer->save(opt);
    root.write("optimizer", opt);
  }
}

void read_model_state(torch::serialize::InputArchive& root, torch::nn::Module& model, Trainer* trainer, int64_t step) {
  torch::serialize::InputArchive weights;
  root.read("model", weights);
  model.load(weights);
  if (!trainer) return;
  torch::serialize::InputArchive opt;
  if (root.try_read("optimizer", opt)) trainer->load(opt);
  trainer->set_step(step);
}

std::string model_file_kind(const std::string& path) {
  std::ifstream side(path + ".json");
  if (side) {
    try {
      const json j = json::parse(side);
      if (j.is_object() && j.contains("kind") && j["kind"].is_string()) return j["kind"].get<std::string>();
    } catch (const json::exception&) {
    }
  }
  try {
    torch::serialize::InputArchive root;
    root.load_from(path);
    c10::IValue v;
    if (!root.try_read("metadata", v) || !v.isString()) return "";
    return json::parse(v.toStringRef()).value("kind", std::string());
  } catch (const std::exception&) {
    return "";
  }
}

void write_data_file(c10::impl::GenericDict dict, const std::string& path, const CheckpointFormat& format) {
  dict.insert("kind", format.kind);
  dict.insert("format_version", format.version);
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  write_file_atomically(path, [&](std::ostream& os) {
    os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
}

DataFile::DataFile(const std::string& path, const CheckpointFormat& format)
    : path_(path), what_(format.what), dict_(load(path, format)) {}

c10::impl::GenericDict DataFile::load(const std::string& path, const CheckpointFormat& format) {
  if (!std::ifstream(path, std::ios::binary)) throw InvalidInput("cannot open " + format.what + " '" + path + "'");
  const std::string text = file_bytes(path);
  const std::vector<char> bytes(text.begin(), text.end());
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    throw InvalidInput("'" + path + "' is not a torch-saved file: " + e.what_without_backtrace());
  }
  if (!value.isGenericDict())
    throw InvalidInput("'" + path + "' does not hold a noether " + format.what + " (not a dict)");
  auto dict = value.toGenericDict();
  const auto kind = dict.find("kind");
  if (kind == dict.end() || !kind->value().isString() || kind->value().toStringRef() != format.kind)
    throw InvalidInput("'" + path + "' is not a noether " + format.what + " (kind " + format.kind + ")");
  const auto version = dict.find("format_version");
  if (version == dict.end() || !version->value().isInt())
    throw InvalidInput(format.what + " '" + path + "' lacks the key 'format_version'");
  if (version->value().toInt() != format.version)
    throw InvalidInput(format.what + " '" + path + "' has format_version " +
                       std::to_string(version->value().toInt()) + "; this noether reads version " +
                       std::to_string(format.version));
  return dict;
}

c10::IValue DataFile::get(const std::string& key) const {
  const auto it = dict_.find(key);
  if (it == dict_.end()) throw InvalidInput(what_ + " '" + path_ + "' lacks the key '" + key + "'");
  return it->value();
}

}  // namespace noether::physics
