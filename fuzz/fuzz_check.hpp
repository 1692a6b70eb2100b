// fuzz/fuzz_check.hpp: the property checks of the fuzz targets.
//
//   NOETHER_FUZZ_CHECK(back.G == s.G, "G changed in a round trip");
//
// A failed check prints the message and aborts, which libFuzzer reports as a crash and saves the
// input (crash-<sha1>) for a regression test. An exception other than the one a reader promises
// (noether::InvalidInput) escapes the target and ends the run the same way.
#pragma once

#include <cstdio>
#include <cstdlib>

#define NOETHER_FUZZ_CHECK(cond, msg)                                                        \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, #cond, msg); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)
