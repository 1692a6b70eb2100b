// molecules/io.cpp: the bridge between RDKit and Open Babel is the MDL mol block, which both
// read and write losslessly for the atoms, bonds, charges and coordinates noether produces.
#include "molecules/io.hpp"

#include <algorithm>
#include <exception>
#include <fstream>
#include <iterator>
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
  // SD files are written by RDKit (format_molecules): asking Open Babel would load its ~130
  // format plugins (about 0.05 s of a run, measured on one molecule).
  if (code == "sdf") return code;
  if (OpenBabel::OBConversion::FindFormat(code) == nullptr)
    throw InvalidInput("unknown molecule format '" + code + "' for '" + path +
                       "' (Open Babel lists its formats with `obabel -L formats`)");
  return code;
}

std::string format_molecules(const std::vector<OutputRecord>& records, const std::string& format) {
  if (format == "sdf" || format == "sd") {
    // RDKit writes SD files itself: a tenth of the time of handing each molecule block to Open
    // Babel to read and write again (measured on drug-sized molecules), with the same atoms,
    // bonds, charges and coordinates. The first line of each block is the record's name.
    // Molecules are written on OpenMP's threads, each molecule's conformers by one thread (they
    // share the molecule), and joined in order.
    std::vector<std::size_t> starts;  // the first record of each run of records of one molecule
    for (std::size_t i = 0; i < records.size(); ++i) {
      NOETHER_CHECK(records[i].mol != nullptr, "null molecule in output records");
      if (i == 0 || records[i].mol != records[i - 1].mol) starts.push_back(i);
    }
    starts.push_back(records.size());
    const auto groups = static_cast<long>(starts.size()) - 1;
    std::vector<std::string> texts(static_cast<std::size_t>(groups));
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 16)
    for (long g = 0; g < groups; ++g) {
      try {
        for (std::size_t i = starts[static_cast<std::size_t>(g)]; i < starts[static_cast<std::size_t>(g) + 1]; ++i) {
          const auto& r = records[i];
          const std::string block = RDKit::MolToMolBlock(*r.mol, /*includeStereo=*/true, r.conf_id);
          std::string title = r.name;
          std::replace(title.begin(), title.end(), '\n', ' ');
          texts[static_cast<std::size_t>(g)] += title + block.substr(std::min(block.find('\n'), block.size())) + "$$$$\n";
        }
      } catch (...) {
#pragma omp critical(noether_format_molecules)
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    std::string out;
    for (const auto& t : texts) out += t;
    return out;
  }
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

std::string RecordOrigin::str() const {
  std::string s = (source == "-" ? std::string("standard input") : "'" + source + "'") + ", " + unit + " " +
                  std::to_string(number);
  if (!name.empty()) s += " ('" + name + "')";
  return s;
}

namespace {

// Hands a bad record to on_bad, or throws when there is none.
void report_bad(const OnBadRecord& on_bad, const RecordOrigin& origin, const std::string& reason) {
  if (!on_bad) throw InvalidInput(origin.str() + ": " + reason);
  on_bad(origin, reason);
}

// What Open Babel logged about the last read ("Problems reading a MDL file: Missing data ..."),
// without its banner lines.
std::string open_babel_reason(const std::string& code) {
  std::string reason;
  for (const auto level : {OpenBabel::obError, OpenBabel::obWarning})
    for (const auto& message : OpenBabel::obErrorLog.GetMessagesOfLevel(level)) {
      std::istringstream lines(message);
      std::string line;
      while (std::getline(lines, line)) {
        const auto b = line.find_first_not_of(" \t");
        if (b == std::string::npos || line.compare(b, 3, "===") == 0 || line.compare(b, 3, "***") == 0) continue;
        line = line.substr(b);
        for (const char* prefix : {"WARNING: ", "ERROR: "})
          if (line.rfind(prefix, 0) == 0) line = line.substr(std::string(prefix).size());
        reason += (reason.empty() ? "" : ": ") + line;
      }
    }
  return reason.empty() ? "Open Babel could not read it as " + code : reason;
}

// True when nothing but white space follows offset `at` (-1: a stream past its end).
bool only_space_from(const std::string& text, std::streamoff at) {
  return at < 0 || text.find_first_not_of(" \t\r\n", static_cast<std::size_t>(at)) == std::string::npos;
}

}  // namespace

std::vector<InputRecord> read_molecules(const std::string& path, const std::string& format,
                                        const OnBadRecord& on_bad) {
  const std::string code = resolve_format(path, format);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput("cannot open '" + path + "' for reading");
  return read_molecules(in, path, code, on_bad);
}

std::vector<InputRecord> read_molecules(std::istream& in, const std::string& source, const std::string& format,
                                        const OnBadRecord& on_bad) {
  const std::string code = resolve_format(source, format);
  // The whole input in memory, so that a read that fails is told apart from the end of the input
  // by what is left after it.
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::istringstream is(text);
  // Open Babel prints what it logs to stderr; noether reports a bad record itself (from the log),
  // and what Open Babel says while writing the mol block handed to RDKit is about that hand-off,
  // not the input (a 3-D steroid's ring centres: "unable to find an available bond" for a wedge
  // that the coordinates make unnecessary; the stereo arrives intact). So nothing is printed
  // while reading; the log is kept.
  OpenBabel::obErrorLog.SetOutputLevel(OpenBabel::obError);
  std::ostream* const open_babel_stream = OpenBabel::obErrorLog.GetOutputStream();
  std::ostream discarded(nullptr);  // no buffer: writes go nowhere
  OpenBabel::obErrorLog.SetOutputStream(&discarded);
  struct Restore {
    std::ostream* stream;
    ~Restore() { OpenBabel::obErrorLog.SetOutputStream(stream); }
  } restore{open_babel_stream};
  OpenBabel::OBConversion conv;
  if (!conv.SetInAndOutFormats(code.c_str(), "mol"))
    throw InvalidInput("Open Babel cannot read format '" + code + "'");
  conv.SetInStream(&is);
  std::vector<InputRecord> records;
  int64_t number = 0;
  for (std::streamoff start = is.tellg(); !only_space_from(text, start); start = is.tellg()) {
    OpenBabel::OBMol ob;
    OpenBabel::obErrorLog.ClearLog();
    const bool ok = conv.Read(&ob);
    RecordOrigin origin{source, "record", ++number, ob.GetTitle()};
    if (!ok) {
      // Go on after the bad record, as `obabel -e` does: the format skips to its end, else the
      // read has consumed it; a read that consumed nothing and cannot skip ends the input.
      std::string reason = open_babel_reason(code);
      const bool skipped = is.good() && conv.GetInFormat()->SkipObjects(0, &conv) == 1;
      if (!skipped && is.good() && std::streamoff(is.tellg()) <= start) {
        report_bad(on_bad, origin, reason + "; the rest of the input cannot be read past it");
        break;
      }
      report_bad(on_bad, origin, reason);
      continue;
    }
    InputRecord r;
    r.name = ob.GetTitle();
    r.origin = origin;
    std::string reason;
    if (ob.NumAtoms() == 0) {
      reason = "no atoms";
    } else {
      try {
        r.mol.reset(RDKit::MolBlockToMol(conv.WriteString(&ob), /*sanitize=*/true, /*removeHs=*/false));
        if (!r.mol) reason = "RDKit could not read the molecule";
      } catch (const std::exception& e) {
        reason = e.what();
      }
    }
    if (!reason.empty()) {
      report_bad(on_bad, origin, reason);
      continue;
    }
    records.push_back(std::move(r));
  }
  if (number == 0) throw InvalidInput("'" + source + "' holds no molecules readable as " + code);
  return records;
}

std::vector<SmilesRecord> read_smiles_lines(std::istream& in, const std::string& source) {
  std::vector<SmilesRecord> out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    for (auto& c : line)
      if (c == ',') c = ' ';
    std::istringstream ls(line);
    std::string smiles, name;
    ls >> smiles >> name;
    if (smiles.empty() || smiles[0] == '#') continue;
    out.push_back({smiles, name, {source, "line", number, name}});
  }
  return out;
}

namespace {

// The fields of one CSV line; false with `why` when a quote is left open or text follows a
// closing quote.
bool split_csv(const std::string& line, std::vector<std::string>& fields, std::string& why) {
  fields.clear();
  const std::size_t n = line.size();
  auto skip_space = [&](std::size_t i) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i;
  };
  for (std::size_t i = 0;;) {
    std::string field;
    i = skip_space(i);
    if (i < n && line[i] == '"') {
      bool closed = false;
      for (++i; i < n && !closed; ++i) {
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < n && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          closed = true;
        }
      }
      if (!closed) {
        why = "field " + std::to_string(fields.size() + 1) + " opens a quote that is not closed on its line";
        return false;
      }
      i = skip_space(i);
      if (i < n && line[i] != ',') {
        why = "field " + std::to_string(fields.size() + 1) + " has text after its closing quote";
        return false;
      }
    } else {
      const std::size_t end = std::min(line.find(',', i), n);
      field = line.substr(i, end - i);
      field.erase(field.find_last_not_of(" \t") + 1);
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= n) return true;
    ++i;  // the comma
  }
}

std::string list_columns(const std::vector<std::string>& header) {
  std::string s;
  for (const auto& h : header) s += (s.empty() ? "" : ", ") + ("'" + h + "'");
  return s;
}

// The 0-based index of a CSV column chosen by `spec` (see CsvColumns); -1 when spec is empty and
// no column is headed `fallback`.
long find_column(const std::vector<std::string>& header, const std::string& spec, const std::string& fallback,
                 const std::string& what, const std::string& source) {
  const std::string wanted = spec.empty() ? fallback : spec;
  for (std::size_t k = 0; k < header.size(); ++k)
    if (header[k] == wanted) return static_cast<long>(k);
  long found = -1;
  for (std::size_t k = 0; k < header.size(); ++k)
    if (lower(header[k]) == lower(wanted)) {
      if (found >= 0)
        throw InvalidInput("'" + source + "': more than one column is headed '" + wanted + "' (ignoring case): " +
                           list_columns(header) + "; choose the " + what + " column by number");
      found = static_cast<long>(k);
    }
  if (found >= 0 || spec.empty()) return found;
  if (spec.find_first_not_of("0123456789") == std::string::npos && spec.size() < 10) {
    const long k = std::stol(spec);
    if (k >= 1 && k <= static_cast<long>(header.size())) return k - 1;
    throw InvalidInput("'" + source + "': there is no column " + spec + " (the " + what +
                       " column): the header has " + std::to_string(header.size()) + " columns (" +
                       list_columns(header) + ")");
  }
  throw InvalidInput("'" + source + "': no column is headed '" + spec + "' (the " + what +
                     " column); the header reads " + list_columns(header));
}

}  // namespace

std::vector<SmilesRecord> read_smiles_csv(std::istream& in, const std::string& source, const CsvColumns& columns,
                                          const OnBadRecord& on_bad) {
  std::vector<std::string> header, fields;
  std::string line, why;
  int64_t number = 0;
  auto next_line = [&]() {
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) return true;
    }
    return false;
  };
  if (!next_line()) throw InvalidInput("'" + source + "' is empty: a CSV file starts with a header row");
  if (!split_csv(line, header, why)) throw InvalidInput("'" + source + "', line " + std::to_string(number) +
                                                       " (the header): " + why);
  const long smiles = find_column(header, columns.smiles, "smiles", "SMILES", source);
  if (smiles < 0)
    throw InvalidInput("'" + source + "': no column is headed 'smiles'; the header reads " + list_columns(header) +
                       "; choose the SMILES column by name or number (noether conform --smiles-column)");
  const long name = find_column(header, columns.name, "name", "name", source);
  std::vector<SmilesRecord> out;
  while (next_line()) {
    RecordOrigin origin{source, "line", number, ""};
    if (!split_csv(line, fields, why)) {
      report_bad(on_bad, origin, why);
      continue;
    }
    if (name >= 0 && name < static_cast<long>(fields.size())) origin.name = fields[name];
    if (smiles >= static_cast<long>(fields.size())) {
      report_bad(on_bad, origin, "no SMILES: the row has " + std::to_string(fields.size()) + " fields and the SMILES are in column " +
                                     std::to_string(smiles + 1) + " ('" + header[smiles] + "')");
      continue;
    }
    if (fields[smiles].empty()) {
      report_bad(on_bad, origin, "the SMILES field ('" + header[smiles] + "') is empty");
      continue;
    }
    out.push_back({fields[smiles], origin.name, origin});
  }
  return out;
}

}  // namespace noether::molecules
