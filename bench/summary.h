// docs/benchmark_summary.md from benchmarks/results.csv: the latest run's throughput chart
// (an SVG we draw ourselves, so it renders on GitHub without scripts), memory and latency
// tables, failures, and the machine.
#pragma once

#include <string>
#include <vector>

#include "bench/results_csv.h"
#include "engine/util/status.h"

namespace inferno::bench {

struct Summary {
  std::string markdown;
  std::string throughput_svg;
};

// Summarises the rows of the most recent run_id in `rows` (all runs are counted in the
// header). `svg_name` is how the markdown links the chart (relative to the markdown file);
// `source` names the CSV in the text.
Summary MakeSummary(const std::vector<SuiteRow>& rows, const std::string& svg_name,
                    const std::string& source);

// Reads csv_path and writes md_path plus the SVG beside it.
Status WriteSummary(const std::string& csv_path, const std::string& md_path);

}  // namespace inferno::bench
