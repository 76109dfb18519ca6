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
      spec_(options.spec),
      cache_(model.config(), n_ctx_, options.kv_types),
      state_(model.config(), std::min(n_batch_, n_ctx_)),
      logits_(model.config().n_vocab) {
  n_batch_ = state_.max_tokens;
  if (spec_.mode != SpecMode::kOff) spec_note_ = SpecUnsupported(model.config());
  // A verification pass holds the next token and the draft.
  spec_.draft_max = std::min(spec_.draft_max, n_batch_ - 1);
  positions_.resize(n_batch_);
  hooks_.resize(n_batch_);
}

void Session::FitBatch(int n_tokens) {
  if (n_tokens <= state_.max_tokens) return;
  state_ = ForwardState(model_.config(), n_tokens);
  positions_.resize(size_t(n_tokens));
  hooks_.resize(size_t(n_tokens));
}

void Session::SetPositions(int pos, int n) {
  for (int i = 0; i < n; ++i) positions_[size_t(i)] = pos + i;
  if (!model_.config().mrope()) return;
  MropePositions(media_, pos, n, &mrope_);
  state_.mrope = mrope_.data();
}

void Session::Evaluate(std::span<const int32_t> tokens, int pos,
                       std::span<CaptureHook* const> hooks) {
  SetPositions(pos, int(tokens.size()));
  Forward(model_, pool_, cache_, tokens, std::span<const int32_t>(positions_.data(), tokens.size()),
          state_, logits_.data(), /*all_logits=*/false, hooks);
}

std::span<CaptureHook* const> Session::Hooks(Sequence& seq, int n) {
  bool probing = false;
  for (int i = 0; i < n; ++i) {
    hooks_[i] = seq.hook(seq.pos() + i);
    probing = probing || hooks_[i] != nullptr;
  }
  // None at all when nothing is probed: the pass then skips every capture point.
  if (!probing) return {};
  return std::span<CaptureHook* const>(hooks_.data(), size_t(n));
}

Status Session::Generate(const GenerateRequest& request, const EventSink& sink) {
  if (request.n != 1) {
    // Several sequences from one prompt are decoded together, which only the Scheduler does.
    Event e;
    e.type = Event::Type::kError;
    e.error = Status::InvalidArgument("n = " + std::to_string(request.n) +
                                      ": one sequence at a time here (the server decodes several)");
    sink(e);
    return e.error;
  }
  // An image is one pass of its own however many tokens it has (Qwen-VL's run to thousands).
  for (const MediaSpan& m : request.media) FitBatch(m.n_tokens);
  // Images are encoded here, on this session's threads, unless the caller already did; the
  // time to first token includes it, as a client waits for it.
  const Sequence::Clock::time_point start = Sequence::Clock::now();
  media_ = request.media;
  EmbedMedia(pool_, 0, &media_);
  Sequence seq(model_, request, sink, n_ctx_, start);
  seq.AddMediaTimeSince(start);
  const Status started = seq.Start();
  if (!started.ok()) return started;
  const size_t n_vocab = size_t(model_.config().n_vocab);
  std::span<const float> last(logits_.data(), n_vocab);
  while (!seq.PromptDone()) {
    // Prompt surprisal keeps every row's logits, in chunks of at most 32 rows.
    const bool scored = seq.wants_prompt_logits();
    const MediaSpan* span = MediaAt(media_, seq.pos());
    const std::span<const int32_t> chunk = seq.NextPromptChunk(
        PromptChunkLimit(media_, seq.pos(), scored ? std::min(n_batch_, 32) : n_batch_));
    const int n = int(chunk.size());
    const bool final_chunk = seq.pos() + n == seq.timings().prompt_tokens;
    if (scored && logits_.size() < size_t(n) * n_vocab) logits_.resize(size_t(n) * n_vocab);
    SetPositions(seq.pos(), n);
    state_.input_embeddings = span != nullptr ? span->embeddings.data() : nullptr;
    state_.bidirectional = span != nullptr && span->bidirectional;
    Forward(model_, pool_, cache_, chunk, std::span<const int32_t>(positions_.data(), n), state_,
            logits_.data(), /*all_logits=*/scored, Hooks(seq, n));
    state_.input_embeddings = nullptr;
    state_.bidirectional = false;
    if (scored) {
      seq.OnPromptLogits(std::span<const float>(logits_.data(), size_t(n) * n_vocab), n);
      last = std::span<const float>(logits_.data() + size_t(n - 1) * n_vocab, n_vocab);
    } else {
      last = std::span<const float>(logits_.data(), n_vocab);
    }
    seq.Advance(n);
    if (final_chunk && seq.probes_tokens()) seq.AfterForward(pool_, state_);
  }
  const std::unique_ptr<DraftSource> source =
      MakeDraftSource(RequestSpec(spec_, AskedSpeculation(request), model_.config()), pool_, n_ctx_,
                      request.sampling);
  if (seq.OnLogits(last)) {
    while (DecodeStep(seq, source.get())) {
    }
  }
  return Status::Ok();
}

bool Session::DecodeStep(Sequence& seq, DraftSource* source) {
  const size_t n_vocab = size_t(model_.config().n_vocab);
  draft_.Clear();
  const int room = source ? seq.DraftRoom(spec_.draft_max) : 0;
  if (room > 0) source->Propose(seq.context(), room, &draft_);
  const int32_t next = seq.next_token();
  if (draft_.tokens.empty()) {
    Evaluate(std::span<const int32_t>(&next, 1), seq.pos(), Hooks(seq, 1));
    seq.Advance(1);
    if (seq.probes_tokens()) seq.AfterForward(pool_, state_);
    return seq.OnLogits(std::span<const float>(logits_.data(), n_vocab));
  }
  // The next token and the draft in one pass, every row's logits kept.
  std::vector<int32_t>& rows = draft_.tokens;
  rows.insert(rows.begin(), next);
  const int n = int(rows.size());
  if (logits_.size() < size_t(n) * n_vocab) logits_.resize(size_t(n) * n_vocab);
  SetPositions(seq.pos(), n);
  Forward(model_, pool_, cache_, rows, std::span<const int32_t>(positions_.data(), size_t(n)),
          state_, logits_.data(), /*all_logits=*/true);
  rows.erase(rows.begin());
  seq.Advance(1);
  return seq.OnDraftLogits(std::span<const float>(logits_.data(), size_t(n) * n_vocab), draft_);
}

}  // namespace inferno
