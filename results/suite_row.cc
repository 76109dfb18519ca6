#include "results/suite_row.h"

#include <cstdlib>
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
      STR_COL(timestamp),
      STR_COL(run_id),
      STR_COL(hostname),
      STR_COL(cpu_model),
      STR_COL(cpu_flags),
      STR_COL(isa),
      INT_COL(cores),
      INT_COL(threads),
      STR_COL(model),
      STR_COL(model_path),
      STR_COL(architecture),
      STR_COL(quant),
      NUM_COL(size_bytes),
      NUM_COL(params),
      STR_COL(input_type),
      INT_COL(prompt_tokens),
      INT_COL(generated_tokens),
      INT_COL(repetitions),
      NUM_COL(load_ms),
      NUM_COL(ttft_ms),
      NUM_COL(ttft_ms_sd),
      NUM_COL(prefill_tps),
      NUM_COL(prefill_tps_sd),
      NUM_COL(decode_tps),
      NUM_COL(decode_tps_sd),
      NUM_COL(total_ms),
      NUM_COL(total_ms_sd),
      NUM_COL(peak_rss_bytes),
      NUM_COL(cpu_seconds),
      STR_COL(status),
      STR_COL(error),
      STR_COL(mmproj_path),
      INT_COL(image_px),
      INT_COL(image_tokens),
      NUM_COL(encoder_ms),
      NUM_COL(encoder_ms_sd),
      NUM_COL(audio_seconds),
      NUM_COL(rtf),
      NUM_COL(rtf_sd),
      INT_COL(concurrency),
      INT_COL(requests),
      INT_COL(failed_requests),
      NUM_COL(ttft_p50_ms),
      NUM_COL(ttft_p95_ms),
      NUM_COL(ttft_p99_ms),
      NUM_COL(latency_p50_ms),
      NUM_COL(latency_p95_ms),
      NUM_COL(latency_p99_ms),
      NUM_COL(throughput_tps),
  };
  return columns;
}

const Column* Find(const std::string& name) {
  for (const Column& c : Columns()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& SuiteColumns() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Column& c : Columns()) n.push_back(c.name);
    return n;
  }();
  return names;
}

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

}  // namespace inferno::bench
