#include "bench/turns.h"

#include <algorithm>
#include <memory>
#include <string>

#include "bench/runner.h"
#include "engine/runtime/scheduled_run.h"

namespace inferno::bench {
namespace {

constexpr char kSystemSentence[] =
    "You keep the old lighthouse on the rocky northern coast, and you answer questions about "
    "its history, its great lamp, the ships that pass it and the storms of the cold sea. ";

std::string Question(int turn) {
  return "Question " + std::to_string(turn) +
         ": what happened on the night of the great storm, and who kept the lamp burning until "
         "the morning came?";
}

std::string SystemPrompt(const Tokenizer& tok, int tokens) {
  const int per = std::max<int>(1, int(tok.Encode(kSystemSentence, false, false).size()));
  std::string s;
  for (int i = 0; i < (tokens + per - 1) / per; ++i) s += kSystemSentence;
  return s;
}

// One turn's outcome.
struct Turn {
  int prompt_tokens = 0;
  int cached_tokens = 0;
  double ttft_ms = 0;
  std::string reply;
};

Result<Turn> RunTurn(Scheduler& scheduler, const std::vector<ChatMessage>& messages, int reply) {
  GenerateRequest req;
  req.messages = messages;
  req.max_tokens = reply;
  req.sampling.temperature = 0;
  req.ignore_eos = true;
  const ScheduledRun run = RunToEnd(scheduler, std::move(req));
  if (run.Done().type == Event::Type::kError) return run.Done().error;
  Turn t;
  for (const Event& e : run.events) {
    if (e.type == Event::Type::kToken || e.type == Event::Type::kDone) t.reply += e.text;
  }
  t.prompt_tokens = run.Done().timings.prompt_tokens;
  t.cached_tokens = run.Done().timings.cached_tokens;
  t.ttft_ms = run.Done().timings.ttft_ms;
  return t;
}

SchedulerOptions Options(const Model& model, const TurnsOptions& o, bool cache) {
  SchedulerOptions so;
  so.n_slots = 1;  // one conversation: its slot is the cache
  so.n_ctx =
      std::min(model.config().n_ctx_train, o.system_tokens + o.turns * (o.reply_tokens + 96) + 64);
  so.n_batch = o.batch;
  so.n_threads = o.threads;
  so.prompt_cache = cache;
  return so;
}

}  // namespace

Result<std::vector<TurnResult>> RunTurns(const Model& model, const TurnsOptions& o) {
  const int turns = std::max(1, o.turns);
  std::vector<std::vector<double>> cached_ms(turns), fresh_ms(turns);
  std::vector<TurnResult> out(turns);
  for (int rep = 0; rep < std::max(1, o.repetitions); ++rep) {
    // The conversation with the cache; then each of its prompts again from an empty cache.
    Scheduler with(model, Options(model, o, true));
    Scheduler without(model, Options(model, o, false));
    if (rep == 0) {  // warm-up: weights paged in, scratch grown
      if (Result<Turn> w = RunTurn(without, {{"user", Question(0)}}, 2); !w.ok()) return w.status();
    }
    std::vector<ChatMessage> messages = {
        {"system", SystemPrompt(model.tokenizer(), o.system_tokens)}, {"user", Question(1)}};
    for (int t = 0; t < turns; ++t) {
      Result<Turn> turn = RunTurn(with, messages, o.reply_tokens);
      if (!turn.ok()) return turn.status();
      Result<Turn> fresh = RunTurn(without, messages, o.reply_tokens);
      if (!fresh.ok()) return fresh.status();
      // A fresh scheduler per prompt would cost a cache allocation each; one without the
      // cache evaluates every prompt whole all the same.
      cached_ms[t].push_back(turn->ttft_ms);
      fresh_ms[t].push_back(fresh->ttft_ms);
      out[t].turn = t + 1;
      out[t].prompt_tokens = turn->prompt_tokens;
      out[t].cached_tokens = turn->cached_tokens;
      messages.push_back({"assistant", turn->reply});
      messages.push_back({"user", Question(t + 2)});
    }
  }
  for (int t = 0; t < turns; ++t) {
    MeanStddev(cached_ms[t], &out[t].ttft_ms, &out[t].ttft_ms_sd);
    MeanStddev(fresh_ms[t], &out[t].fresh_ttft_ms, &out[t].fresh_ttft_ms_sd);
  }
  return out;
}

}  // namespace inferno::bench
