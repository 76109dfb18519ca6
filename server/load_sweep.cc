#include "server/load_sweep.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "bench/machine.h"
#include "server/remote_proxy.h"
#include "store/timestamps.h"

namespace inferno::server {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The user message: `words` words of plain prose, so every tokenizer reads about as many
// tokens; each request's number makes its prompt differ from the others' (no prompt cache
// hands one request another's work).
std::string PromptText(int words, int n) {
  static constexpr const char* kWords[] = {"the",   "sea", "was", "calm", "and",   "grey",
                                           "under", "a",   "low", "sky",  "while", "boats"};
  std::string text = "Request " + std::to_string(n) + ":";
  for (int i = 0; i < words; ++i) text += std::string(" ") + kWords[i % 12];
  return text;
}

std::string RequestBody(const LoadSweepOptions& o, int n) {
  json::object body{
      {"model", o.model},
      {"messages",
       json::array{json::object{{"role", "user"}, {"content", PromptText(o.prompt_words, n)}}}},
      {"max_tokens", o.max_tokens},
      {"temperature", 0},
      // Every request generates max_tokens, so the levels compare the same work.
      {"ignore_eos", true},
      {"stream", true},
      {"stream_options", json::object{{"include_usage", true}}}};
  return json::serialize(body);
}

// What one streamed answer said: text arrived (when first), usage, an error event.
struct StreamReading {
  bool any_text = false;
  int chunks_with_text = 0;
  int prompt_tokens = 0, completion_tokens = -1;
  std::string error;
};

// Reads one event's JSON (the relay checked it is an object).
void ReadEvent(const json::object& o, StreamReading* r) {
  if (const json::value* e = o.if_contains("error")) {
    const json::value* m = e->is_object() ? e->as_object().if_contains("message") : nullptr;
    r->error = m && m->is_string() ? std::string(m->as_string()) : json::serialize(*e);
    return;
  }
  if (const json::value* u = o.if_contains("usage"); u && u->is_object()) {
    const json::object& usage = u->as_object();
    if (const json::value* p = usage.if_contains("prompt_tokens"); p && p->is_int64())
      r->prompt_tokens = int(p->as_int64());
    if (const json::value* c = usage.if_contains("completion_tokens"); c && c->is_int64())
      r->completion_tokens = int(c->as_int64());
  }
  const json::value* choices = o.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return;
  for (const json::value& c : choices->as_array()) {
    const json::value* delta = c.is_object() ? c.as_object().if_contains("delta") : nullptr;
    if (delta == nullptr || !delta->is_object()) continue;
    for (const char* key : {"content", "reasoning_content"}) {
      const json::value* t = delta->as_object().if_contains(key);
      if (t && t->is_string() && !t->as_string().empty()) {
        r->any_text = true;
        ++r->chunks_with_text;
        break;
      }
    }
  }
}

LoadSample OneRequest(const LoadSweepOptions& o, int n) {
  LoadSample s;
  SseRelay relay(o.model);
  StreamReading reading;
  std::string other;  // a non-stream answer (an error)
  Status malformed;
  const Clock::time_point start = Clock::now();
  Clock::time_point first;
  const RemoteOutcome out =
      CallRemote({"POST", o.base_url + "/v1/chat/completions", o.api_key, RequestBody(o, n)},
                 o.timeouts, [&](long status, std::string_view type, std::string_view data) {
                   if (status < 200 || status >= 300 || type.rfind("text/event-stream", 0) != 0) {
                     other.append(data.substr(0, 4096 - std::min<size_t>(other.size(), 4096)));
                     return true;
                   }
                   std::vector<json::object> events;
                   malformed = relay.Objects(data, &events);
                   for (const json::object& e : events) {
                     const bool had_text = reading.any_text;
                     ReadEvent(e, &reading);
                     if (!had_text && reading.any_text) first = Clock::now();
                   }
                   if (o.cancel && o.cancel->load()) return false;
                   return malformed.ok() && !relay.done() && reading.error.empty();
                 });
  s.latency_ms = Ms(Clock::now() - start);
  if (out.failure != RemoteFailure::kNone && out.failure != RemoteFailure::kAborted) {
    s.error = out.message.empty() ? "the request failed" : out.message;
  } else if (!malformed.ok()) {
    s.error = malformed.message();
  } else if (!reading.error.empty()) {
    s.error = reading.error;
  } else if (out.status < 200 || out.status >= 300 || !other.empty()) {
    s.error = "HTTP " + std::to_string(out.status) + ": " + other.substr(0, 200);
  } else if (!reading.any_text) {
    s.error = "the answer had no text";
  } else if (!relay.saw_done_marker() && !(o.cancel && o.cancel->load())) {
    s.error = "the stream ended before [DONE]";
  }
  s.ok = s.error.empty();
  if (!s.ok) return s;
  s.ttft_ms = Ms(first - start);
  s.prompt_tokens = reading.prompt_tokens;
  // Without usage, one token per chunk of text (how llama.cpp and inferno stream).
  s.generated_tokens =
      reading.completion_tokens >= 0 ? reading.completion_tokens : reading.chunks_with_text;
  return s;
}

void MeanSd(const std::vector<double>& v, double* mean, double* sd) {
  *mean = *sd = 0;
  if (v.empty()) return;
  for (double x : v) *mean += x;
  *mean /= double(v.size());
  if (v.size() < 2) return;
  double sq = 0;
  for (double x : v) sq += (x - *mean) * (x - *mean);
  *sd = std::sqrt(sq / double(v.size() - 1));
}

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * double(values.size()));
  const size_t i = size_t(std::clamp(rank, 1.0, double(values.size()))) - 1;
  return values[i];
}

bench::SuiteRow LevelRow(int concurrency, const std::vector<LoadSample>& samples, double wall_ms) {
  bench::SuiteRow row;
  row.input_type = "load";
  row.concurrency = concurrency;
  row.requests = int(samples.size());
  row.repetitions = 1;
  std::vector<double> ttft, latency, decode;
  double prompt = 0, generated = 0, all_tokens = 0;
  for (const LoadSample& s : samples) {
    if (!s.ok) {
      ++row.failed_requests;
      if (row.error.empty()) row.error = s.error;
      continue;
    }
    ttft.push_back(s.ttft_ms);
    latency.push_back(s.latency_ms);
    const double decode_ms = s.latency_ms - s.ttft_ms;
    if (s.generated_tokens > 1 && decode_ms > 0) {
      decode.push_back((s.generated_tokens - 1) * 1000.0 / decode_ms);
    }
    prompt += s.prompt_tokens;
    generated += s.generated_tokens;
    all_tokens += s.generated_tokens;
  }
  const size_t ok = ttft.size();
  row.status = ok == 0 ? "failed" : "ok";
  if (ok > 0) {
    row.prompt_tokens = int(std::lround(prompt / double(ok)));
    row.generated_tokens = int(std::lround(generated / double(ok)));
  }
  MeanSd(ttft, &row.ttft_ms, &row.ttft_ms_sd);
  MeanSd(latency, &row.total_ms, &row.total_ms_sd);
  MeanSd(decode, &row.decode_tps, &row.decode_tps_sd);
  row.ttft_p50_ms = Percentile(ttft, 50);
  row.ttft_p95_ms = Percentile(ttft, 95);
  row.ttft_p99_ms = Percentile(ttft, 99);
  row.latency_p50_ms = Percentile(latency, 50);
  row.latency_p95_ms = Percentile(latency, 95);
  row.latency_p99_ms = Percentile(latency, 99);
  row.throughput_tps = wall_ms > 0 ? all_tokens * 1000.0 / wall_ms : 0;
  return row;
}

Status RunLoadSweep(const LoadSweepOptions& o,
                    const std::function<void(const bench::SuiteRow&)>& on_row,
                    const std::function<void(const LoadProgress&)>& on_progress) {
  for (size_t li = 0; li < o.concurrency.size(); ++li) {
    const int level = o.concurrency[li];
    // Every client sends at least once, so the level is what it says.
    const int requests = o.requests > 0 ? std::max(o.requests, level) : std::max(8, 2 * level);
    std::vector<LoadSample> samples(static_cast<size_t>(requests));
    std::atomic<int> next{0}, done{0};
    std::mutex progress_mu;  // on_progress is called from one client at a time
    const Clock::time_point start = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < std::min(level, requests); ++c) {
      clients.emplace_back([&] {
        for (int n; (n = next++) < requests;) {
          if (o.cancel && o.cancel->load()) return;
          samples[size_t(n)] = OneRequest(o, n);
          const int finished = ++done;
          if (on_progress) {
            std::lock_guard<std::mutex> lock(progress_mu);
            on_progress({int(li), int(o.concurrency.size()), level, finished, requests});
          }
        }
      });
    }
    for (std::thread& t : clients) t.join();
    if (o.cancel && o.cancel->load()) return Status::Cancelled("the load sweep was cancelled");
    const bench::SuiteRow row = LevelRow(level, samples, Ms(Clock::now() - start));
    on_row(row);
    if (row.status != "ok") {
      return Status::IoError("every request at concurrency " + std::to_string(level) +
                             " failed: " + row.error);
    }
  }
  return Status::Ok();
}

Status RunLoadSweepRows(const LoadSweepOptions& options, const std::string& label,
                        const std::string& run_key, const bench::MachineInfo& machine,
                        const std::function<void(const bench::SuiteRow&)>& on_row,
                        const std::function<void(const LoadProgress&)>& on_progress) {
  const std::string timestamp = store::FormatIso8601(store::NowMs());
  return RunLoadSweep(
      options,
      [&](bench::SuiteRow row) {
        row.timestamp = timestamp;
        row.run_id = run_key;
        bench::RecordMachine(machine, &row);
        row.model = label;
        row.model_path = options.base_url;
        on_row(row);
      },
      on_progress);
}

}  // namespace inferno::server
