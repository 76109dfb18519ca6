// The benchmark suite's results file (benchmarks/results.csv): one row per model × prompt
// size per run. The columns are a stable, documented interface (docs/benchmarks.md):
// new columns are only ever appended, so old files stay readable.
#pragma once

#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::bench {

struct SuiteRow {
  std::string timestamp;  // ISO-8601 UTC, start of the run
  std::string run_id;     // same for every row of one suite run
  std::string hostname;
  std::string cpu_model;
  std::string cpu_flags;
  std::string isa;
  int cores = 0;
  int threads = 0;
  std::string model;  // file name without directory and .gguf
  std::string model_path;
  std::string architecture;
  std::string quant;
  double size_bytes = 0;
  double params = 0;
  std::string input_type = "text";  // "text" now; "image"/"audio" later
  int prompt_tokens = 0;
  int generated_tokens = 0;
  int repetitions = 0;
  double load_ms = 0;
  double ttft_ms = 0, ttft_ms_sd = 0;
  double prefill_tps = 0, prefill_tps_sd = 0;
  double decode_tps = 0, decode_tps_sd = 0;
  double total_ms = 0, total_ms_sd = 0;
  double peak_rss_bytes = 0;
  double cpu_seconds = 0;
  std::string status = "ok";  // "ok" | "failed"
  std::string error;
};

// The header line's column names, in order.
const std::vector<std::string>& SuiteColumns();
// Whether a column holds a number (else text): JSON encoders and the SQLite store type
// their values by it.
bool IsNumericColumn(const std::string& name);

// A row's values as the CSV writes them, in SuiteColumns() order, and back (unknown names
// are ignored, missing ones keep their defaults). The SQLite history stores rows this way.
std::vector<std::string> RowValues(const SuiteRow& row);
SuiteRow RowFromValues(const std::vector<std::string>& names,
                       const std::vector<std::string>& values);

// A whole results file in memory: the header, then one line per row.
std::string CsvText(const std::vector<SuiteRow>& rows);

// Appends rows, writing the header first when the file is new or empty. A file whose header
// is not a prefix-compatible version of ours is refused rather than mixed.
Status AppendRows(const std::string& path, const std::vector<SuiteRow>& rows);

// Reads a results file; unknown extra columns are ignored, missing ones keep defaults.
Result<std::vector<SuiteRow>> ReadRows(const std::string& path);

// RFC 4180 helpers (exposed for tests).
std::string CsvEscape(const std::string& field);
Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text);

}  // namespace inferno::bench
