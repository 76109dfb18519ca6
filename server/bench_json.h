// JSON for benchmark runs and their result rows (the server's /bench routes and SSE events).
// Rows carry every column of benchmarks/results.csv under the same name, numbers as numbers.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "bench/results_csv.h"
#include "bench/suite.h"
#include "store/bench_runs.h"

namespace inferno::server {

boost::json::object BenchRowJson(const bench::SuiteRow& row);
// The run; with its rows when `with_rows`.
boost::json::object BenchRunJson(const store::BenchRun& run, bool with_rows);
// A progress event's data: the model and repetition just measured and the run's fraction
// done (0..1) over all models.
boost::json::object BenchProgressJson(int64_t run_id, const bench::SuiteProgress& p,
                                      int repetitions);
// "event: <name>\ndata: <json>\n\n".
std::string SseEvent(const std::string& name, const boost::json::object& data);

}  // namespace inferno::server
