#include "bench/results_csv.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferno::bench {
namespace {

void WriteLine(std::ostream& out, const SuiteRow& r) {
  const std::vector<std::string> values = RowValues(r);
  for (size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << CsvEscape(values[i]);
  out << "\n";
}

void WriteHeader(std::ostream& out) {
  const std::vector<std::string>& names = SuiteColumns();
  for (size_t i = 0; i < names.size(); ++i) out << (i ? "," : "") << names[i];
  out << "\n";
}

}  // namespace

std::string CsvText(const std::vector<SuiteRow>& rows) {
  std::ostringstream out;
  WriteHeader(out);
  for (const SuiteRow& r : rows) WriteLine(out, r);
  return out.str();
}

std::string CsvEscape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
      ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted)
    return Status::Corruption("unterminated quoted field at line " + std::to_string(line));
  if (field_started || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

// How the file's header relates to ours: the same, an older version (a prefix: columns are
// only ever appended) or something else.
enum class HeaderMatch { kSame, kOlder, kForeign };

HeaderMatch MatchHeader(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  Result<std::vector<std::vector<std::string>>> header = ParseCsv(first);
  const std::vector<std::string>& ours = SuiteColumns();
  if (!header.ok() || header->size() != 1 || (*header)[0].size() > ours.size()) {
    return HeaderMatch::kForeign;
  }
  const std::vector<std::string>& theirs = (*header)[0];
  for (size_t i = 0; i < theirs.size(); ++i) {
    if (theirs[i] != ours[i]) return HeaderMatch::kForeign;
  }
  return theirs.size() == ours.size() ? HeaderMatch::kSame : HeaderMatch::kOlder;
}

// A file written by an older version gets the new header: its rows are read by column name
// and written back with the appended columns at their defaults, then `rows` after them. The
// new text replaces the file by rename, so a failure leaves the old file as it was.
Status UpgradeAndAppend(const std::string& path, const std::vector<SuiteRow>& rows) {
  Result<std::vector<SuiteRow>> old = ReadRows(path);
  if (!old.ok()) return old.status();
  std::vector<SuiteRow> all = std::move(*old);
  all.insert(all.end(), rows.begin(), rows.end());
  const std::string tmp = path + ".upgrade.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << CsvText(all);
    out.flush();
    if (!out) return Status::IoError(tmp + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IoError(path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status AppendRows(const std::string& path, const std::vector<SuiteRow>& rows) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  const bool write_header = !fs::exists(path, ec) || fs::file_size(path, ec) == 0;
  if (!write_header) {
    const HeaderMatch match = MatchHeader(path);
    if (match == HeaderMatch::kOlder) return UpgradeAndAppend(path, rows);
    if (match == HeaderMatch::kForeign) {
      return Status::InvalidArgument(
          path +
          ": its header does not match the results columns of this version; move it "
          "aside or pass another file with --csv");
    }
  }
  std::ofstream out(path, std::ios::app);
  if (!out) return Status::IoError(path + ": cannot open for appending");
  if (write_header) WriteHeader(out);
  for (const SuiteRow& r : rows) WriteLine(out, r);
  out.flush();
  if (!out) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

Result<std::vector<SuiteRow>> ReadRows(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::stringstream buf;
  buf << in.rdbuf();
  Result<std::vector<std::vector<std::string>>> table = ParseCsv(buf.str());
  if (!table.ok()) return Status::Corruption(path + ": " + table.status().message());
  if (table->empty()) return std::vector<SuiteRow>{};
  const std::vector<std::string>& header = (*table)[0];
  std::vector<SuiteRow> rows;
  for (size_t i = 1; i < table->size(); ++i) {
    const std::vector<std::string>& fields = (*table)[i];
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != header.size()) {
      return Status::Corruption(path + ": row " + std::to_string(i + 1) + " has " +
                                std::to_string(fields.size()) + " fields, the header has " +
                                std::to_string(header.size()));
    }
    rows.push_back(RowFromValues(header, fields));
  }
  return rows;
}

}  // namespace inferno::bench
