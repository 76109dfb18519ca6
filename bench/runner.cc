#include "bench/runner.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>

#include "engine/model/forward.h"
#include "engine/model/model_summary.h"
#include "engine/runtime/kv_cache.h"
#include "engine/threads/thread_pool.h"

namespace inferno::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Deterministic token ids spread over the vocabulary, avoiding the first few (special).
std::vector<int32_t> BenchTokens(int n, int n_vocab) {
  std::vector<int32_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 3 + int32_t((uint64_t(i) * 7919u) % uint64_t(n_vocab - 3));
  return ids;
}

// One line of the report: `run` once to warm up (or `warm_up` when it is cheaper), then timed
// `repetitions` times; each run handles `tokens` tokens.
BenchResult Timed(std::string test, int tokens, int repetitions,
                  const std::function<void()>& warm_up, const std::function<void()>& run) {
  warm_up();
  std::vector<double> tps;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = Clock::now();
    run();
    tps.push_back(tokens / Seconds(start));
  }
  BenchResult res;
  res.test = std::move(test);
  res.tokens = tokens;
  MeanStddev(tps, &res.tokens_per_second, &res.stddev);
  return res;
}

// tgNxS: S sequences decoding together. Each has its own cache and decodes from position 0,
// like tgN; every step is one forward pass over S tokens, so the weights are read once for all.
BenchResult ParallelDecode(const Model& model, ThreadPool& pool, int n_ctx, int n_seq,
                           const BenchOptions& o) {
  const ModelConfig& c = model.config();
  std::vector<std::unique_ptr<KvCache>> caches;
  for (int i = 0; i < n_seq; ++i) caches.push_back(std::make_unique<KvCache>(c, n_ctx, o.kv_types));
  ForwardState state(c, n_seq);
  std::vector<float> logits(size_t(n_seq) * c.n_vocab);
  std::vector<KvCache*> token_caches(n_seq);
  std::vector<int32_t> tokens(n_seq), pos(n_seq), rows(n_seq);
  for (int i = 0; i < n_seq; ++i) {
    token_caches[i] = caches[i].get();
    rows[i] = i;
  }
  auto decode = [&](int n) {
    for (int i = 0; i < n_seq; ++i) tokens[i] = 3 + i;
    for (int step = 0; step < n; ++step) {
      std::fill(pos.begin(), pos.end(), step);
      ForwardBatch(model, pool, token_caches, tokens, pos, rows, state, logits.data());
      for (int i = 0; i < n_seq; ++i) {
        const float* l = logits.data() + size_t(i) * c.n_vocab;
        tokens[i] = int32_t(std::max_element(l, l + c.n_vocab) - l);
      }
    }
  };
  return Timed(
      "tg" + std::to_string(o.generate_tokens) + "x" + std::to_string(n_seq),
      o.generate_tokens * n_seq, o.repetitions, [&] { decode(std::min(o.generate_tokens, 4)); },
      [&] { decode(o.generate_tokens); });
}

}  // namespace

void MeanStddev(const std::vector<double>& v, double* mean, double* sd) {
  double s = 0;
  for (double x : v) s += x;
  *mean = s / v.size();
  double q = 0;
  for (double x : v) q += (x - *mean) * (x - *mean);
  *sd = v.size() > 1 ? std::sqrt(q / (v.size() - 1)) : 0;
}

Result<BenchReport> RunBench(const Model& model, const BenchOptions& o) {
  const ModelConfig& c = model.config();
  BenchReport report;
  report.model_path = model.path();
  report.size_bytes = double(model.file().file_size());
  report.load_ms = model.load_ms();
  report.threads = o.threads;
  const ModelSummary summary = SummarizeModel(model.file());
  report.params = summary.parameters;
  report.type = summary.dominant_type;
  // A decode step reads every matrix once (of a mixture of experts, only the chosen experts),
  // the embedding table one row: the bandwidth figure divides by what is actually read.
  report.weight_bytes_per_token = summary.active_weight_bytes;

  int max_pp = 0;
  for (int p : o.prompt_sizes) max_pp = std::max(max_pp, p);
  const int depth = std::max(0, o.depth);
  const int n_ctx = std::max(max_pp, depth + o.generate_tokens) + 1;
  if (n_ctx > c.n_ctx_train) {
    // Rotary positions extend to any length, and a speed test does not need the output to
    // stay sensible, so we measure as llama-bench does (a `-d 8000` run on a model trained
    // for 4096 used to stop here, without its decode line). A learned position table has
    // only n_ctx_train rows: beyond them there is nothing to compute with.
    if (model.weights().position_embd.data != nullptr) {
      return Status::InvalidArgument("bench needs a context of " + std::to_string(n_ctx) +
                                     " tokens but the model's position table has " +
                                     std::to_string(c.n_ctx_train));
    }
    report.beyond_trained_context = true;
  }
  INFERNO_RETURN_IF_ERROR(CheckKvCacheTypes(c, o.kv_types));
  ThreadPool pool(std::max(1, o.threads));
  KvCache cache(c, n_ctx, o.kv_types);
  report.kv_types = o.kv_types;
  report.kv_bytes = double(cache.bytes());
  const int batch = std::max(1, std::min(o.batch, std::max(max_pp, 1)));
  ForwardState state(c, batch);
  std::vector<float> logits(c.n_vocab);
  std::vector<int32_t> positions(std::max({max_pp, depth, 1}));
  for (size_t i = 0; i < positions.size(); ++i) positions[i] = int32_t(i);

  auto prefill = [&](const std::vector<int32_t>& ids) {
    for (size_t i = 0; i < ids.size(); i += batch) {
      const size_t n = std::min(ids.size() - i, size_t(batch));
      Forward(model, pool, cache, std::span<const int32_t>(ids.data() + i, n),
              std::span<const int32_t>(positions.data() + i, n), state, logits.data());
    }
  };
  auto decode = [&](int n) {
    int32_t token = 3;
    for (int i = 0; i < n; ++i) {
      const int32_t pos = depth + i;
      Forward(model, pool, cache, std::span<const int32_t>(&token, 1),
              std::span<const int32_t>(&pos, 1), state, logits.data());
      token = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
  };

  for (int pp : o.prompt_sizes) {
    if (pp <= 0) continue;
    const std::vector<int32_t> ids = BenchTokens(pp, c.n_vocab);
    report.results.push_back(Timed(
        "pp" + std::to_string(pp), pp, o.repetitions, [&] { prefill(ids); },
        [&] { prefill(ids); }));
  }
  if (o.generate_tokens > 0) {
    if (depth > 0) prefill(BenchTokens(depth, c.n_vocab));  // decode reads it, never overwrites
    const std::string at_depth = depth > 0 ? "@d" + std::to_string(depth) : "";
    BenchResult res = Timed(
        "tg" + std::to_string(o.generate_tokens) + at_depth, o.generate_tokens, o.repetitions,
        [&] { decode(std::min(o.generate_tokens, 4)); }, [&] { decode(o.generate_tokens); });
    res.gigabytes_per_second = res.tokens_per_second * report.weight_bytes_per_token / 1e9;
    report.results.push_back(res);
  }
  for (int n_seq : o.parallel) {
    if (n_seq > 1 && o.generate_tokens > 0)
      report.results.push_back(ParallelDecode(model, pool, n_ctx, n_seq, o));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  report.peak_rss_bytes = double(usage.ru_maxrss) * 1024.0;
  return report;
}

}  // namespace inferno::bench
