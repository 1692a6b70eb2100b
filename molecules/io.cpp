// molecules/io.cpp: the bridge between RDKit and Open Babel is the MDL mol block, which both
// read and write losslessly for the atoms, bonds, charges and coordinates noether produces.
#include "molecules/io.hpp"

#include <fstream>
#include <sstream>

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/GraphMol.h>
#include <openbabel/mol.h>
#include <openbabel/oberror.h>
#include <openbabel/obconversion.h>

#include "noether/atomic_file.hpp"
#include "noether/error.hpp"

namespace noether::molecules {

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string resolve_format(const std::string& path, const std::string& format) {
  std::string code = format;
  if (code.empty()) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
      throw InvalidInput("file '" + path + "' has no extension; name the format with --format (sdf, mol2, pdb, xyz, ...)");
    code = path.substr(dot + 1);
  }
  code = lower(code);
  if (code == "mol" || code == "sd") code = code == "sd" ? "sdf" : "mol";
  if (OpenBabel::OBConversion::FindFormat(code) == nullptr)
    throw InvalidInput("unknown molecule format '" + code + "' for '" + path +
                       "' (Open Babel lists its formats with `obabel -L formats`)");
  return code;
}

std::string format_molecules(const std::vector<OutputRecord>& records, const std::string& format) {
  OpenBabel::OBConversion conv;
  if (!conv.SetInAndOutFormats("mol", format.c_str()))
    throw InvalidInput("unknown molecule format '" + format + "'");
  std::string out;
  for (const auto& r : records) {
    NOETHER_CHECK(r.mol != nullptr, "null molecule in output records");
    const std::string block = RDKit::MolToMolBlock(*r.mol, /*includeStereo=*/true, r.conf_id);
    OpenBabel::OBMol ob;
    if (!conv.ReadString(&ob, block))
      throw InvalidInput("Open Babel could not read the molecule '" + r.name + "'");
    ob.SetTitle(r.name.c_str());
    out += conv.WriteString(&ob);
  }
  return out;
}

void write_molecules(const std::string& path, const std::vector<OutputRecord>& records,
                     const std::string& format) {
  const std::string code = resolve_format(path, format);
  const std::string text = format_molecules(records, code);
  write_file_atomically(path, [&](std::ostream& os) { os << text; });
}

std::vector<InputRecord> read_molecules(const std::string& path, const std::string& format) {
  const std::string code = resolve_format(path, format);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput("cannot open '" + path + "' for reading");
  // Open Babel warns on stderr when a multi-record read runs past the last record; noether reports
  // its own errors.
  OpenBabel::obErrorLog.SetOutputLevel(OpenBabel::obError);
  OpenBabel::OBConversion conv;
  if (!conv.SetInAndOutFormats(code.c_str(), "mol"))
    throw InvalidInput("Open Babel cannot read format '" + code + "'");
  std::vector<InputRecord> records;
  OpenBabel::OBMol ob;
  int index = 0;
  for (bool ok = conv.Read(&ob, &in); ok; ok = conv.Read(&ob, &in)) {
    ++index;
    const std::string block = conv.WriteString(&ob);
    InputRecord r;
    r.name = ob.GetTitle();
    try {
      r.mol.reset(RDKit::MolBlockToMol(block, /*sanitize=*/true, /*removeHs=*/false));
    } catch (const std::exception& e) {
      throw InvalidInput("'" + path + "', molecule " + std::to_string(index) + ": " + e.what());
    }
    if (!r.mol) throw InvalidInput("'" + path + "', molecule " + std::to_string(index) + ": unreadable");
    records.push_back(std::move(r));
    ob.Clear();
  }
  if (records.empty()) throw InvalidInput("'" + path + "' holds no molecules readable as " + code);
  return records;
}

}  // namespace noether::molecules
