// One row of the benchmark suite's results (benchmarks/results.csv, docs/benchmarks.md) and
// its columns: plain data shared by bench, which measures and writes them, and the store,
// which keeps them in SQLite, so that neither depends on the other. New columns are only
// ever appended, so old files and databases stay readable.
#pragma once

#include <string>
#include <vector>

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
  std::string input_type = "text";  // the category: "text" | "image" | "audio"
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
  // Appended for the image and audio categories (0 / empty in text rows).
  std::string mmproj_path;                   // image: the vision encoder paired with the model
  int image_px = 0;                          // image: long side of the picture given to the encoder
  int image_tokens = 0;                      // image: its tokens in the prompt (the mmproj's count)
  double encoder_ms = 0, encoder_ms_sd = 0;  // image: the vision encoder alone
  double audio_seconds = 0;                  // audio: length of the clip transcribed
  double rtf = 0, rtf_sd = 0;                // audio: transcription time / clip length
  // Appended for the load category (a sweep against a server, server/load_sweep.h): one row
  // per concurrency level. Its ttft_ms/total_ms (and _sd) are the requests' mean time to first
  // token and latency, decode_tps the mean of each request's own decode speed, prompt_tokens
  // and generated_tokens the mean per request; model_path is the server's URL.
  int concurrency = 0;  // clients sending at once
  int requests = 0;     // requests sent at that level
  int failed_requests = 0;
  double ttft_p50_ms = 0, ttft_p95_ms = 0, ttft_p99_ms = 0;
  double latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0;
  double throughput_tps = 0;  // every request's output tokens over the level's wall time
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

}  // namespace inferno::bench
