// apps/sharded_output.hpp: one output file that every rank of a torchrun launch writes a part of.
//
//   write_sharded("out.sdf", ranks, [&](std::ostream& os) { /* this rank's records */ },
//                 [&] { return ranks.sum(written) > 0; });  // keep the file? (every rank calls it)
//
// One process: `write` fills a temporary file that replaces the output (atomically) if `keep`
// says so; otherwise the file that was there stays. Under torchrun: rank r writes its part to
// OUTPUT.part-r-of-W beside the output (atomically); once every rank has finished without error,
// every rank calls `keep` (which may run collectives), and rank 0 joins the parts in rank order
// into the output (atomically) and removes them. A rank that failed or is gone leaves the output
// as it was, and every rank throws.
#pragma once

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"
#include "apps/ranks.hpp"

namespace noether::apps {

inline void write_sharded(const std::string& output, const Ranks& ranks, const std::function<void(std::ostream&)>& write,
                          const std::function<bool()>& keep) {
  if (!ranks.active()) {
    struct NothingWritten {};
    try {
      write_file_atomically(output, [&](std::ostream& os) {
        write(os);
        if (!keep()) throw NothingWritten{};  // leaves the file that was there
      });
    } catch (const NothingWritten&) {
    }
    return;
  }
  if (output == "-") throw InvalidInput("under torchrun, the output must be a file: each rank writes its part beside it");
  const auto part_of = [&](int r) {
    return output + ".part-" + std::to_string(r) + "-of-" + std::to_string(ranks.world_size());
  };
  const auto remove_parts = [&] {
    for (int r = 0; r < ranks.world_size(); ++r) std::remove(part_of(r).c_str());
  };
  bool ok = true;
  try {
    write_file_atomically(part_of(ranks.rank()), write);
  } catch (const std::exception& e) {
    std::cerr << "noether: error: " << ranks.who() << ": " << e.what() << "\n";
    ok = false;
  }
  try {
    if (!ranks.all_ok(ok))
      throw Error(ranks.who() + ": a rank failed (see its message); '" + output + "' left as it was");
    const bool kept = keep();
    if (ranks.primary() && kept)
      write_file_atomically(output, [&](std::ostream& os) {
        for (int r = 0; r < ranks.world_size(); ++r) {
          std::ifstream part(part_of(r), std::ios::binary);
          if (!part) throw InvalidInput("cannot read rank " + std::to_string(r) + "'s part '" + part_of(r) + "'");
          if (part.peek() != std::ifstream::traits_type::eof()) os << part.rdbuf();
        }
      });
  } catch (...) {
    if (ranks.primary()) remove_parts();
    throw;
  }
  if (ranks.primary()) remove_parts();
}

}  // namespace noether::apps
