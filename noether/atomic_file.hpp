// noether/atomic_file.hpp: write a file so that readers see the old or the new content, never a
// torn one, without replacing what the path points at.
//
//   noether::write_file_atomically("out.csv", [](std::ostream& os) { os << "t,x\n"; });
//
// A regular file (or a new one): the content goes to a temporary file beside it, is flushed, then
// renamed over it; on any failure the temporary is removed, the target is untouched and
// InvalidInput names the path (never the temporary). A symbolic link is followed: its target is
// replaced atomically and the link stays a link. Something that is not a regular file (a device
// such as /dev/null or /dev/stdout, a FIFO) is written directly, since renaming over it would
// replace it. "-" is standard output.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <system_error>

#include <unistd.h>

#include "noether/error.hpp"
#include "noether/interrupt.hpp"

namespace noether {

inline void write_file_atomically(const std::string& path,
                                  const std::function<void(std::ostream&)>& write) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InvalidInput("output path is empty");
  if (path == "-") {
    write(std::cout);
    std::cout.flush();
    if (!std::cout) throw InvalidInput("failed writing to standard output");
    return;
  }
  std::error_code ec;
  fs::path target(path);
  // Follow symbolic links to the file they name (relative links resolve against their folder).
  for (int hops = 0; hops < 40 && fs::is_symlink(target, ec); ++hops) {
    const fs::path link = fs::read_symlink(target, ec);
    if (ec) break;
    target = link.is_absolute() ? link : target.parent_path() / link;
  }
  const auto status = fs::status(target, ec);
  if (!ec && fs::exists(status) && !fs::is_regular_file(status)) {
    if (fs::is_directory(status)) throw InvalidInput("cannot write '" + path + "': it is a folder");
    // A device or a FIFO: write straight to it.
    std::ofstream os(target, std::ios::binary);
    if (!os) throw InvalidInput("cannot open '" + path + "' for writing");
    write(os);
    os.flush();
    if (!os) throw InvalidInput("failed writing '" + path + "'");
    return;
  }
  const std::string final_path = target.string();
  const std::string tmp = final_path + ".tmp." + std::to_string(::getpid());
  const TemporaryFile registration(tmp);  // removed by a second Ctrl-C that ends the process
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os) {
      const std::error_code why(errno, std::generic_category());
      throw InvalidInput("cannot write '" + path + "': " + why.message());
    }
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
      throw InvalidInput("failed writing '" + path + "' (disk full?)");
    }
    if (abandon_writes()) {  // Ctrl-C while writing: all or nothing (unless FinishWrites)
      os.close();
      std::remove(tmp.c_str());
      throw Interrupted("interrupted while writing '" + path + "'; it is left as it was");
    }
  }
  if (std::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const std::error_code why(errno, std::generic_category());
    std::remove(tmp.c_str());
    throw InvalidInput("cannot write '" + path + "': " + why.message());
  }
}

}  // namespace noether
