// physics/checkpoint.cpp: versioned torch archives with JSON metadata and a sidecar.
#include "physics/checkpoint.hpp"

#include <fstream>

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

}  // namespace noether::physics
