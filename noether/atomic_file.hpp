// noether/atomic_file.hpp: write a file so that readers see the old or the new content, never a
// torn one.
//
//   noether::write_file_atomically("out.csv", [](std::ostream& os) { os << "t,x\n"; });
//
// The content goes to a temporary file beside the target, is flushed, then renamed over it. On
// any failure the temporary is removed, the target is untouched and InvalidInput names the path.
#pragma once

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>

#include <unistd.h>

#include "noether/error.hpp"

namespace noether {

inline void write_file_atomically(const std::string& path,
                                  const std::function<void(std::ostream&)>& write) {
  if (path.empty()) throw InvalidInput("output path is empty");
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os) throw InvalidInput("cannot open '" + tmp + "' for writing (does the folder exist?)");
    try {
      write(os);
    } catch (...) {
      os.close();
      std::remove(tmp.c_str());
      throw;
    }
    os.flush();
    if (!os) {
      os.close();
      std::remove(tmp.c_str());
      throw InvalidInput("failed writing '" + tmp + "' (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::error_code ec(errno, std::generic_category());
    std::remove(tmp.c_str());
    throw InvalidInput("cannot move '" + tmp + "' to '" + path + "': " + ec.message());
  }
}

}  // namespace noether
