#include "server/bench_json.h"

#include <boost/json.hpp>
#include <cstdlib>

#include "store/timestamps.h"

namespace inferno::server {

namespace json = boost::json;

namespace {

// Whole numbers (counts, byte sizes) as JSON integers, the rest as doubles.
json::value Number(const std::string& text) {
  const bool whole = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos &&
                     text.size() < 18;
  if (whole) return json::value(std::strtoll(text.c_str(), nullptr, 10));
  return json::value(std::strtod(text.c_str(), nullptr));
}

}  // namespace

json::object BenchRowJson(const bench::SuiteRow& row) {
  const std::vector<std::string>& names = bench::SuiteColumns();
  const std::vector<std::string> values = bench::RowValues(row);
  json::object o;
  for (size_t i = 0; i < names.size(); ++i) {
    if (bench::IsNumericColumn(names[i])) {
      o[names[i]] = Number(values[i]);
    } else {
      o[names[i]] = values[i];
    }
  }
  return o;
}

json::object BenchRunJson(const store::BenchRun& run, bool with_rows) {
  json::array models, sizes;
  for (const std::string& m : run.models) models.emplace_back(m);
  for (int p : run.prompt_sizes) sizes.emplace_back(p);
  json::array levels;
  for (int c : run.concurrency) levels.emplace_back(c);
  json::object o{
      {"id", run.id},
      {"run_key", run.run_key},
      {"source", run.source},
      {"status", run.status},
      {"error", run.error},
      {"started_at", store::FormatIso8601(run.started_at)},
      {"finished_at", run.finished_at > 0 ? json::value(store::FormatIso8601(run.finished_at))
                                          : json::value(nullptr)},
      {"machine", json::object{{"hostname", run.hostname},
                               {"cpu_model", run.cpu_model},
                               {"cpu_flags", run.cpu_flags},
                               {"isa", run.isa},
                               {"cores", run.cores}}},
      {"threads", run.threads},
      {"category", run.category},
      {"models", std::move(models)},
      {"prompt_sizes", std::move(sizes)},
      {"concurrency", std::move(levels)},
      {"repetitions", run.repetitions},
      {"gen_tokens", run.generate_tokens},
      {"row_count", run.row_count}};
  if (with_rows) {
    json::array rows;
    for (const bench::SuiteRow& r : run.rows) rows.push_back(BenchRowJson(r));
    o["rows"] = std::move(rows);
  }
  return o;
}

json::object BenchProgressJson(int64_t run_id, const bench::SuiteProgress& p, int repetitions) {
  const double within = p.steps > 0 ? double(p.step) / p.steps : 0.0;
  const bool model_over = p.phase == "done" || p.phase == "failed";
  double fraction = (p.model_index + (model_over ? 1.0 : within)) / std::max(1, p.model_count);
  fraction = std::min(1.0, std::max(0.0, fraction));
  return json::object{{"run_id", run_id},
                      {"category", p.category},
                      {"model", p.model},
                      {"model_index", p.model_index},
                      {"model_count", p.model_count},
                      {"phase", p.phase},
                      {"prompt_tokens", p.prompt_tokens},  // the size: tokens, px or seconds
                      {"rep", p.rep},
                      {"repetitions", repetitions},
                      {"step", p.step},
                      {"steps", p.steps},
                      {"fraction", fraction}};
}

std::string SseEvent(const std::string& name, const json::object& data) {
  return "event: " + name + "\ndata: " + json::serialize(data) + "\n\n";
}

}  // namespace inferno::server
