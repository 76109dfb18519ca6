#include "engine/runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace inferno {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Length of the longest suffix of `text` that is a proper prefix of one of `stops`: that
// much text must be held back because the next tokens may complete a stop string.
size_t StopPrefixSuffix(std::string_view text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& stop : stops) {
    const size_t max_len = std::min(text.size(), stop.size() - 1);
    for (size_t len = max_len; len > hold; --len) {
      if (text.substr(text.size() - len) == std::string_view(stop).substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  return hold;
}

}  // namespace

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
  const Tokenizer& tok = model_.tokenizer();
  std::string text = request.prompt;
  if (!request.messages.empty()) {
    const ChatTemplate tmpl = ChatTemplate::Detect(model_.chat_template());
    // The template is rendered without BOS; tokenizing with add_special adds it once,
    // exactly as the model's metadata asks.
    const std::string bos = tok.bos() >= 0 ? std::string(tok.TokenText(tok.bos())) : "";
    const std::string eos = tok.eos() >= 0 ? std::string(tok.TokenText(tok.eos())) : "";
    text = tmpl.Apply(request.messages, /*add_generation_prompt=*/true, bos, eos);
  }
  std::vector<int32_t> ids = tok.Encode(text, /*add_special=*/true, /*parse_special=*/true);
  if (ids.empty()) return Status::InvalidArgument("the prompt is empty (no tokens)");
  return ids;
}

void Session::Evaluate(std::span<const int32_t> tokens, int pos) {
  for (size_t i = 0; i < tokens.size(); ++i) positions_[i] = pos + int32_t(i);
  Forward(model_, pool_, cache_, tokens, std::span<const int32_t>(positions_.data(), tokens.size()),
          state_, logits_.data());
}

Status Session::Generate(const GenerateRequest& request, const EventSink& sink) {
  const auto start = Clock::now();
  const Tokenizer& tok = model_.tokenizer();
  auto fail = [&](Status st) {
    Event e;
    e.type = Event::Type::kError;
    e.error = st;
    sink(e);
    return st;
  };

  Result<std::vector<int32_t>> prompt = PromptTokens(request);
  if (!prompt.ok()) return fail(prompt.status());
  const std::vector<int32_t>& ids = *prompt;
  if (int(ids.size()) >= n_ctx_) {
    return fail(Status::OutOfRange("the prompt has " + std::to_string(ids.size()) +
                                   " tokens but the context holds " + std::to_string(n_ctx_) +
                                   " (including at least one generated token); shorten the "
                                   "prompt or raise the context size"));
  }
  for (int32_t id : ids) {
    if (id < 0 || id >= model_.config().n_vocab) {
      return fail(Status::InvalidArgument("token id " + std::to_string(id) + " out of range"));
    }
  }

  Timings timings;
  timings.load_ms = model_.load_ms();
  timings.prompt_tokens = int(ids.size());
  {
    Event e;
    e.type = Event::Type::kPrompt;
    e.prompt_tokens = ids;
    if (!sink(e)) return Status::Cancelled("cancelled by the client");
  }

  // Prompt evaluation in batches of n_batch tokens.
  const auto prompt_start = Clock::now();
  for (size_t i = 0; i < ids.size(); i += n_batch_) {
    const size_t n = std::min(ids.size() - i, size_t(n_batch_));
    Evaluate(std::span<const int32_t>(ids.data() + i, n), int(i));
  }
  timings.prompt_ms = MsSince(prompt_start);

  Sampler sampler(request.sampling, model_.config().n_vocab);
  for (int32_t id : ids) sampler.Accept(id);
  StreamingDecoder decoder(tok);
  std::string text;    // generated text so far (complete UTF-8 characters)
  size_t emitted = 0;  // bytes of `text` already sent
  std::string finish = "length";
  std::vector<TokenProb> top;
  int pos = int(ids.size());
  Clock::time_point first_token_time;
  const int k = std::clamp(request.top_k_events, 0, 100);

  for (int step = 0; step < request.max_tokens; ++step) {
    const std::span<const float> logits(logits_);
    const int32_t id = sampler.Sample(logits);
    sampler.Accept(id);
    if (step == 0) {
      first_token_time = Clock::now();
      timings.ttft_ms = MsSince(start);
    }
    timings.generated_tokens = step + 1;

    Event e;
    e.type = Event::Type::kToken;
    e.position = pos;
    e.index = step;
    e.id = id;
    e.piece = tok.TokenToPiece(id);
    e.logit = logits_[id];
    const Distribution dist = Analyze(logits);
    e.prob = std::exp(e.logit - dist.log_sum_exp);
    e.entropy = dist.entropy;
    int rank = 0;
    for (int32_t j = 0; j < int32_t(logits_.size()); ++j) {
      if (logits_[j] > e.logit || (logits_[j] == e.logit && j < id)) ++rank;
    }
    e.rank = rank;
    if (k > 0) {
      TopK(logits, k, &top);
      e.top.reserve(top.size());
      for (const TokenProb& t : top)
        e.top.push_back({t.id, tok.TokenToPiece(t.id), t.logit, t.prob});
    }

    const bool eos = !request.ignore_eos && tok.IsEndOfGeneration(id);
    bool stopped = eos;
    if (!eos) {
      text += decoder.Push(id);
      // A stop string ends the generation; the text before it is released.
      size_t cut = std::string::npos;
      for (const std::string& s : request.stop) {
        if (s.empty()) continue;
        const size_t from = emitted > s.size() ? emitted - s.size() : 0;
        const size_t at = text.find(s, from);
        if (at != std::string::npos) cut = std::min(cut, at);
      }
      if (cut != std::string::npos) {
        text.resize(cut);
        stopped = true;
      }
      const size_t hold = stopped ? 0 : StopPrefixSuffix(text, request.stop);
      const size_t ready = std::max(emitted, text.size() - hold);
      e.text = text.substr(emitted, ready - emitted);
      emitted = ready;
    }
    e.elapsed_ms = MsSince(start);
    timings.decode_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - first_token_time).count();
    const bool keep_going = sink(e);
    if (stopped) {
      finish = "stop";
      break;
    }
    if (!keep_going) {
      finish = "cancelled";
      break;
    }
    if (step + 1 == request.max_tokens) break;
    if (pos + 1 >= n_ctx_) {
      finish = "length";
      break;
    }
    Evaluate(std::span<const int32_t>(&id, 1), pos);
    ++pos;
  }

  Event done;
  done.type = Event::Type::kDone;
  if (finish != "stop") text += decoder.Flush();
  if (text.size() > emitted) done.text = text.substr(emitted);  // held-back tail, if any
  done.timings = timings;
  done.finish_reason = finish;
  sink(done);
  return Status::Ok();
}

}  // namespace inferno
