// noether/data_path.hpp: the files noether ships (the conformer model, measured data), found
// relative to the running program, never through a path baked in from the source tree.
//
//   std::string model = noether::find_data_file("conformer.pt", "conformer model");
//   std::string pend = noether::find_data_file("data/lipson/real_pend_h_1.txt", "measured pendulum");
//
// Where it looks, in order: `share/noether` beside the folder of the program or shared object that
// holds this code, or one of its parents (an installed `bin/noether` finds `share/noether`, as
// does the Python module in `lib/python3.11/dist-packages/noether/`; in a build tree CMake copies
// the shipped files to `<build>/share/noether`, which `build/apps/noether`, the benchmarks, the
// tests and `build/python/noether/_noether*.so` all reach), then the same beside the running
// program, then the installation prefix the library was configured with. Not found: InvalidInput
// naming the file and every place looked at.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <dlfcn.h>
#include <unistd.h>

#include "noether/config.hpp"
#include "noether/error.hpp"

namespace noether {

namespace detail {
/// An address inside whatever object (program or shared library) this header was compiled into:
/// internal linkage, so it never resolves to another object's copy.
static void data_path_anchor() {}
}  // namespace detail

/// The folders searched for shipped files, in order.
inline std::vector<std::filesystem::path> data_dirs() {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  auto beside = [&](const fs::path& file) {
    fs::path dir = file.parent_path();
    for (int up = 0; up < 5 && !dir.empty(); ++up) {
      // A program holds this code itself: its folders come once, not twice.
      const fs::path candidate = dir.parent_path() / "share" / "noether";
      if (std::find(dirs.begin(), dirs.end(), candidate) == dirs.end()) dirs.push_back(candidate);
      if (dir == dir.parent_path()) break;
      dir = dir.parent_path();
    }
  };
  std::error_code ec;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&detail::data_path_anchor), &info) != 0 && info.dli_fname &&
      info.dli_fname[0] == '/')
    beside(fs::weakly_canonical(info.dli_fname, ec));
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) beside(exe);
  dirs.emplace_back(NOETHER_INSTALL_DATA_DIR);
  return dirs;
}

/// The path of a shipped file (`relative` to share/noether); `what` names it in the error.
inline std::string find_data_file(const std::string& relative, const std::string& what) {
  namespace fs = std::filesystem;
  std::string looked;
  for (const auto& dir : data_dirs()) {
    const fs::path p = dir / relative;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
    looked += (looked.empty() ? "" : ", ") + p.string();
  }
  throw InvalidInput("no " + what + " found: looked for " + looked);
}

}  // namespace noether
