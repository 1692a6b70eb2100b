// physics/checkpoint.cpp: versioned torch archives with JSON metadata and a sidecar.
#include "physics/learning/checkpoint.hpp"

#include <fstream>
#include <iterator>
#include <vector>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"

namespace noether::physics {

using nlohmann::json;

void write_checkpoint(torch::serialize::OutputArchive& root, json meta, const std::string& path,
                      const CheckpointFormat& format) {
  meta["kind"] = format.kind;
  meta["format_version"] = format.version;
  root.write("metadata", c10::IValue(meta.dump()));
  write_file_atomically(path, [&](std::ostream& os) { root.save_to(os); });
  write_file_atomically(path + ".json", [&](std::ostream& os) { os << meta.dump(2) << "\n"; });
}

json read_checkpoint(torch::serialize::InputArchive& root, const std::string& path, const CheckpointFormat& format) {
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw InvalidInput("cannot open " + format.what + " '" + path + "'");
  }
  try {
    root.load_from(path);
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
  std::ifstream is(path, std::ios::binary);
  if (!is) throw InvalidInput("cannot open " + format.what + " '" + path + "'");
  std::vector<char> bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
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
