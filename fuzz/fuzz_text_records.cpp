// fuzz/fuzz_text_records.cpp: noether's own readers of molecule lists, the SMILES-lines reader
// (`conform -i file.smi`, standard input) and the CSV reader (`conform -i file.csv`, header,
// quoted fields, chosen columns), which split user files into records before RDKit sees them.
//
// Input: the first byte picks the reader (even: SMILES lines, odd: CSV, with the SMILES column
// chosen by header or by number from the second byte), the rest is the file.
// Properties: the SMILES-lines reader never throws and gives records with a non-empty SMILES
// free of whitespace, numbered by strictly increasing line; the CSV reader throws only
// InvalidInput (no header, a chosen column missing) and otherwise gives records with a non-empty
// SMILES and increasing line numbers, every other row going to the bad-record handler, which
// names a line after the header; records plus bad rows never exceed the file's lines.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "molecules/io.hpp"
#include "noether/error.hpp"

namespace nm = noether::molecules;

namespace {

bool has_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n'; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 4096) return 0;
  const int mode = data[0], column = data[1];
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto lines = static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  std::istringstream in(text);
  if (mode % 2 == 0) {
    const auto records = nm::read_smiles_lines(in, "fuzz.smi");
    std::int64_t last = 0;
    for (const auto& r : records) {
      NOETHER_FUZZ_CHECK(!r.smiles.empty() && !has_space(r.smiles), "a SMILES record empty or with whitespace");
      NOETHER_FUZZ_CHECK(r.origin.number > last && r.origin.number <= lines, "SMILES line numbers out of order");
      last = r.origin.number;
    }
    return 0;
  }
  nm::CsvColumns columns;
  if (column % 3 == 1) columns.smiles = std::to_string(1 + column % 5);
  if (column % 3 == 2) columns.smiles = "SMILES";
  std::int64_t bad = 0;
  const nm::OnBadRecord skip = [&](const nm::RecordOrigin& origin, const std::string& why) {
    ++bad;
    NOETHER_FUZZ_CHECK(origin.number >= 2 && origin.number <= lines, "a bad CSV row outside the file");
    NOETHER_FUZZ_CHECK(!why.empty(), "a bad CSV row without a reason");
  };
  try {
    const auto records = nm::read_smiles_csv(in, "fuzz.csv", columns, skip);
    std::int64_t last = 1;
    for (const auto& r : records) {
      NOETHER_FUZZ_CHECK(!r.smiles.empty(), "a CSV record without a SMILES");
      NOETHER_FUZZ_CHECK(r.origin.number > last && r.origin.number <= lines, "CSV line numbers out of order");
      last = r.origin.number;
    }
    NOETHER_FUZZ_CHECK(static_cast<std::int64_t>(records.size()) + bad <= lines, "more records than lines");
  } catch (const noether::InvalidInput&) {
  }
  return 0;
}
