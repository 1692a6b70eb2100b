// molecules/io.hpp: molecule files in and out through Open Babel (SDF, MOL2, PDB, XYZ and every
// other format it knows), with RDKit molecules on noether's side.
//
//   write_molecules("out.sdf", {{mol.get(), -1, "aspirin"}});        // format from the extension
//   auto back = read_molecules("out.sdf");                             // RDKit molecules + names
//
// Writes are atomic: the file appears complete or not at all. Unknown formats and unreadable
// files are InvalidInput naming the file and the format.
#pragma once

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

/// A record read back: the molecule (hydrogens kept, sanitised) and its title.
struct InputRecord {
  std::unique_ptr<RDKit::RWMol> mol;
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

/// Reads every molecule of a file in any format Open Babel reads.
std::vector<InputRecord> read_molecules(const std::string& path, const std::string& format = "");

}  // namespace noether::molecules
