#include "bench/results_csv.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace inferno::bench {
namespace {

// One table drives both directions, so writing and reading can never disagree.
struct Column {
  const char* name;
  bool numeric;
  std::function<std::string(const SuiteRow&)> get;
  std::function<void(SuiteRow&, const std::string&)> set;
};

std::string Num(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}
double ToDouble(const std::string& s) { return s.empty() ? 0 : std::strtod(s.c_str(), nullptr); }
int ToInt(const std::string& s) { return s.empty() ? 0 : int(std::strtol(s.c_str(), nullptr, 10)); }

#define STR_COL(field)                                                                       \
  Column {                                                                                   \
#field, false,                                                                           \
        [](const SuiteRow& r) { return r.field; }, [](SuiteRow & r,                          \
                                                      const std::string& v) { r.field = v; } \
  }
#define INT_COL(field)                                                                            \
  Column {                                                                                        \
#field, true,                                                                                 \
        [](const SuiteRow& r) { return std::to_string(r.field); },                                \
                                                                [](SuiteRow & r,                  \
                                                                   const std::string&             \
                                                                       v) { r.field = ToInt(v); } \
  }
#define NUM_COL(field)                                                                       \
  Column {                                                                                   \
#field, true,                                                                            \
        [](const SuiteRow& r) { return Num(r.field); }, [](SuiteRow & r,                     \
                                                           const std::string&                \
                                                               v) { r.field = ToDouble(v); } \
  }

const std::vector<Column>& Columns() {
  static const std::vector<Column> columns = {
      STR_COL(timestamp),      STR_COL(run_id),           STR_COL(hostname),
      STR_COL(cpu_model),      STR_COL(cpu_flags),        STR_COL(isa),
      INT_COL(cores),          INT_COL(threads),          STR_COL(model),
      STR_COL(model_path),     STR_COL(architecture),     STR_COL(quant),
      NUM_COL(size_bytes),     NUM_COL(params),           STR_COL(input_type),
      INT_COL(prompt_tokens),  INT_COL(generated_tokens), INT_COL(repetitions),
      NUM_COL(load_ms),        NUM_COL(ttft_ms),          NUM_COL(ttft_ms_sd),
      NUM_COL(prefill_tps),    NUM_COL(prefill_tps_sd),   NUM_COL(decode_tps),
      NUM_COL(decode_tps_sd),  NUM_COL(total_ms),         NUM_COL(total_ms_sd),
      NUM_COL(peak_rss_bytes), NUM_COL(cpu_seconds),      STR_COL(status),
      STR_COL(error),
  };
  return columns;
}

const Column* Find(const std::string& name) {
  for (const Column& c : Columns()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void WriteLine(std::ostream& out, const SuiteRow& r) {
  const std::vector<Column>& cols = Columns();
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << CsvEscape(cols[i].get(r));
  out << "\n";
}

void WriteHeader(std::ostream& out) {
  const std::vector<Column>& cols = Columns();
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i].name;
  out << "\n";
}

}  // namespace

bool IsNumericColumn(const std::string& name) {
  const Column* c = Find(name);
  return c != nullptr && c->numeric;
}

std::vector<std::string> RowValues(const SuiteRow& row) {
  std::vector<std::string> values;
  for (const Column& c : Columns()) values.push_back(c.get(row));
  return values;
}

SuiteRow RowFromValues(const std::vector<std::string>& names,
                       const std::vector<std::string>& values) {
  SuiteRow r;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (const Column* c = Find(names[i])) c->set(r, values[i]);
  }
  return r;
}

std::string CsvText(const std::vector<SuiteRow>& rows) {
  std::ostringstream out;
  WriteHeader(out);
  for (const SuiteRow& r : rows) WriteLine(out, r);
  return out.str();
}

const std::vector<std::string>& SuiteColumns() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Column& c : Columns()) n.push_back(c.name);
    return n;
  }();
  return names;
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

Status AppendRows(const std::string& path, const std::vector<SuiteRow>& rows) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  bool write_header = !fs::exists(path, ec) || fs::file_size(path, ec) == 0;
  if (!write_header) {
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    Result<std::vector<std::vector<std::string>>> header = ParseCsv(first);
    const std::vector<std::string>& ours = SuiteColumns();
    bool compatible = header.ok() && header->size() == 1 && (*header)[0].size() <= ours.size();
    for (size_t i = 0; compatible && i < (*header)[0].size(); ++i) {
      compatible = (*header)[0][i] == ours[i];
    }
    if (!compatible || (*header)[0].size() != ours.size()) {
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
  std::vector<const Column*> by_index;
  for (const std::string& name : header) by_index.push_back(Find(name));
  std::vector<SuiteRow> rows;
  for (size_t i = 1; i < table->size(); ++i) {
    const std::vector<std::string>& fields = (*table)[i];
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != header.size()) {
      return Status::Corruption(path + ": row " + std::to_string(i + 1) + " has " +
                                std::to_string(fields.size()) + " fields, the header has " +
                                std::to_string(header.size()));
    }
    SuiteRow r;
    for (size_t j = 0; j < fields.size(); ++j) {
      if (by_index[j]) by_index[j]->set(r, fields[j]);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace inferno::bench
