#include "engine/runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace inferno {

Session::Session(const Model& model, ThreadPool& pool, const SessionOptions& options)
    : model_(model),
      pool_(pool),
      n_ctx_(std::max(1, std::min(options.n_ctx, model.config().n_ctx_train))),
      n_batch_(std::max(1, options.n_batch)),
      cache_(model.config(), n_ctx_),
      state_(model.config(), std::min(n_batch_, n_ctx_)),
      logits_(model.config().n_vocab) {
  n_batch_ = state_.max_tokens;
  positions_.resize(n_batch_);
}

Result<std::vector<int32_t>> Session::PromptTokens(const GenerateRequest& request) const {
  return inferno::PromptTokens(model_, request);
}

void Session::Evaluate(std::span<const int32_t> tokens, int pos) {
  for (size_t i = 0; i < tokens.size(); ++i) positions_[i] = pos + int32_t(i);
  Forward(model_, pool_, cache_, tokens, std::span<const int32_t>(positions_.data(), tokens.size()),
          state_, logits_.data());
}

Status Session::Generate(const GenerateRequest& request, const EventSink& sink) {
  Sequence seq(model_, request, sink, n_ctx_);
  const Status started = seq.Start();
  if (!started.ok()) return started;
  while (!seq.PromptDone()) {
    const std::span<const int32_t> chunk = seq.NextPromptChunk(n_batch_);
    Evaluate(chunk, seq.pos());
    seq.Advance(int(chunk.size()));
  }
  while (seq.OnLogits(logits_)) {
    const int32_t next = seq.next_token();
    Evaluate(std::span<const int32_t>(&next, 1), seq.pos());
    seq.Advance(1);
  }
  return Status::Ok();
}

}  // namespace inferno
