// The benchmark suite's results file (benchmarks/results.csv): one row per model × prompt
// size per run. The columns are a stable, documented interface (docs/benchmarks.md):
// new columns are only ever appended, so old files stay readable.
#pragma once

#include <string>
#include <vector>

#include "engine/util/status.h"
#include "results/suite_row.h"

namespace inferno::bench {

// A whole results file in memory: the header, then one line per row.
std::string CsvText(const std::vector<SuiteRow>& rows);

// Appends rows, writing the header first when the file is new or empty. A file written by an
// older version (its header a prefix of ours) is rewritten with the new header, its rows
// keeping their values and the appended columns their defaults; any other header is refused
// rather than mixed.
Status AppendRows(const std::string& path, const std::vector<SuiteRow>& rows);

// Reads a results file; unknown extra columns are ignored, missing ones keep defaults.
Result<std::vector<SuiteRow>> ReadRows(const std::string& path);

// RFC 4180 helpers (exposed for tests).
std::string CsvEscape(const std::string& field);
Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text);

}  // namespace inferno::bench
