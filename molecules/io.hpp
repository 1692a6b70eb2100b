// molecules/io.hpp: molecule files in and out through Open Babel (SDF, MOL2, PDB, XYZ and every
// other format it knows), with RDKit molecules on noether's side.
//
//   write_molecules("out.sdf", {{mol.get(), -1, "aspirin"}});        // format from the extension
//   auto back = read_molecules("out.sdf");                             // RDKit molecules + names
//   auto smi = read_smiles_csv(in, "in.csv", {"SMILES", "ID"}, skip);  // SMILES + names from CSV
//
// Writes are atomic: the file appears complete or not at all. Unknown formats and unreadable
// files are InvalidInput naming the file and the format. A reader given an OnBadRecord handler
// skips a record it cannot read, hands the handler its origin (number and title) and the reason,
// and goes on, as RDKit's suppliers and `obabel -e` do; without one the first bad record throws
// InvalidInput naming it.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
class RWMol;
}  // namespace RDKit

namespace noether::molecules {

/// One record to write: a molecule, which of its conformers (-1: the default) and a title.
struct OutputRecord {
  const RDKit::ROMol* mol = nullptr;
  int conf_id = -1;
  std::string name;
};

/// Where a record came from, for messages: "'in.sdf', record 3 ('aspirin')".
struct RecordOrigin {
  std::string source;             ///< the file as the user named it ("-": standard input)
  std::string unit = "record";    ///< "record" (molecule files) or "line" (SMILES and CSV files)
  int64_t number = 0;             ///< from 1: the record's place in the file, or the line it starts on
  std::string name;               ///< its title or name column; "" when none was read
  /// "'in.sdf', record 3 ('aspirin')"; the name part only when there is a name.
  std::string str() const;
};

/// Called for each record a reader skips: where it is and why it could not be read.
using OnBadRecord = std::function<void(const RecordOrigin& origin, const std::string& reason)>;

/// A record read back: the molecule (hydrogens kept, sanitised), its title and its origin.
struct InputRecord {
  std::unique_ptr<RDKit::RWMol> mol;
  std::string name;
  RecordOrigin origin;
};

/// A SMILES read from a SMILES or CSV file with its name ("" when none) and origin (unit "line").
struct SmilesRecord {
  std::string smiles;
  std::string name;
  RecordOrigin origin;
};

/// Which CSV columns hold the SMILES and the names: a header name (exact, else ignoring case) or
/// a 1-based column number. An empty `smiles` is the column headed "smiles" (any case); an empty
/// `name` is the column headed "name" (any case) if there is one, else no names.
struct CsvColumns {
  std::string smiles;
  std::string name;
};

/// Open Babel's format code for a path: `format` if given ("sdf", "mol2", ...), else the
/// extension. Throws InvalidInput when Open Babel has no such format.
std::string resolve_format(const std::string& path, const std::string& format = "");

/// Every record converted to `format` (default: from the extension) as one string.
std::string format_molecules(const std::vector<OutputRecord>& records, const std::string& format);

/// Writes the records to path atomically.
void write_molecules(const std::string& path, const std::vector<OutputRecord>& records,
                     const std::string& format = "");

/// Reads every molecule of a file in any format Open Babel reads (format: default from the
/// extension). A record Open Babel or RDKit cannot read goes to on_bad and the next one is read;
/// without on_bad it throws InvalidInput naming the record. Throws InvalidInput when the file
/// cannot be opened or no record at all could be read.
std::vector<InputRecord> read_molecules(const std::string& path, const std::string& format = "",
                                        const OnBadRecord& on_bad = {});
/// The same from a stream; `source` names it in messages ("-" for standard input).
std::vector<InputRecord> read_molecules(std::istream& in, const std::string& source, const std::string& format,
                                        const OnBadRecord& on_bad = {});

/// A SMILES file: one `SMILES [name]` per line, whitespace or a comma between them; blank lines
/// and lines starting with '#' are skipped. The SMILES are not parsed here (conform reports them).
std::vector<SmilesRecord> read_smiles_lines(std::istream& in, const std::string& source);

/// A CSV file: a header row, then one row per molecule; fields separated by commas; a field in
/// double quotes may hold commas, spaces and doubled quotes ("a ""b"""), but not a line break;
/// spaces around unquoted fields are dropped; CRLF line ends and blank lines are fine. A row
/// without the SMILES field, with an empty SMILES or with a quote left open goes to on_bad
/// (without one: InvalidInput naming its line). Throws InvalidInput when a chosen column is not
/// in the header, naming it and listing the header, or when there is no header.
std::vector<SmilesRecord> read_smiles_csv(std::istream& in, const std::string& source, const CsvColumns& columns = {},
                                          const OnBadRecord& on_bad = {});

}  // namespace noether::molecules
