#include "engine/runtime/sequence.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace inferno {
namespace {

double MsBetween(Sequence::Clock::time_point a, Sequence::Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Length of the longest suffix of `text` that is a proper prefix of one of `stops`: that
// much text must be held back because the next tokens may complete a stop string.
size_t StopPrefixSuffix(std::string_view text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& stop : stops) {
    if (stop.empty()) continue;
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

Result<std::vector<int32_t>> FimTokens(const Tokenizer& tok, const std::string& prefix,
                                       const std::string& suffix) {
  if (tok.fim_pre() < 0 || tok.fim_suf() < 0 || tok.fim_mid() < 0) {
    return Status::InvalidArgument(
        "this model has no fill-in-the-middle tokens, so it cannot complete before a 'suffix'");
  }
  // Prefix-suffix-middle, as llama.cpp's /infill lays it out: [BOS] PRE prefix SUF suffix MID.
  std::vector<int32_t> ids;
  if (tok.add_bos()) ids.push_back(tok.bos());
  ids.push_back(tok.fim_pre());
  for (int32_t id : tok.Encode(prefix, /*add_special=*/false, /*parse_special=*/false)) {
    ids.push_back(id);
  }
  ids.push_back(tok.fim_suf());
  for (int32_t id : tok.Encode(suffix, /*add_special=*/false, /*parse_special=*/false)) {
    ids.push_back(id);
  }
  ids.push_back(tok.fim_mid());
  return ids;
}

std::optional<SpecMode> AskedSpeculation(const GenerateRequest& request) {
  if (!request.media.empty()) return SpecMode::kOff;
  return request.speculation;
}

Result<std::string> PromptText(const Model& model, const GenerateRequest& request) {
  if (request.messages.empty()) return request.prompt;
  const Tokenizer& tok = model.tokenizer();
  const ChatTemplate tmpl = ChatTemplate::Detect(model.chat_template());
  // The template is rendered without BOS; tokenizing with add_special adds it once,
  // exactly as the model's metadata asks.
  const std::string bos = tok.bos() >= 0 ? std::string(tok.TokenText(tok.bos())) : "";
  const std::string eos = tok.eos() >= 0 ? std::string(tok.TokenText(tok.eos())) : "";
  // tool_choice "none": the model is not told of the tools, as it may not call them.
  const bool tools = request.tool_choice.mode != ToolChoiceMode::kNone;
  Result<std::string> rendered =
      tmpl.Apply(request.messages, /*add_generation_prompt=*/true, bos, eos,
                 &request.template_kwargs, tools ? &request.tools : nullptr);
  if (!rendered.ok()) return rendered.status();
  return std::move(rendered).value() + request.prompt_suffix;
}

Result<std::vector<int32_t>> PromptTokens(const Model& model, const GenerateRequest& request) {
  if (!request.prompt_tokens.empty()) return request.prompt_tokens;
  if (!request.suffix.empty()) return FimTokens(model.tokenizer(), request.prompt, request.suffix);
  Result<std::string> text = PromptText(model, request);
  if (!text.ok()) return text.status();
  std::vector<int32_t> ids =
      model.tokenizer().Encode(*text, /*add_special=*/true, /*parse_special=*/true);
  if (ids.empty()) return Status::InvalidArgument("the prompt is empty (no tokens)");
  return ids;
}

Status CheckGenerates(const ModelConfig& c) {
  if (!EmbeddingOnly(c)) return Status::Ok();
  const std::string why =
      c.has_lm_head ? "its file sets pooling_type '" + std::string(PoolingName(c.pooling)) + "'"
                    : "it has no output head";
  return Status::InvalidArgument("this model (architecture '" + c.arch_name +
                                 "') is an embedding model (" + why +
                                 "): it cannot generate text; use it for embeddings "
                                 "(/v1/embeddings, /api/embed)");
}

Status CheckPromptFits(int n_prompt, int n_ctx) {
  if (n_prompt < n_ctx) return Status::Ok();
  return Status::OutOfRange("the prompt is " + std::to_string(n_prompt) +
                            " tokens but the model's context holds " + std::to_string(n_ctx) +
                            " (including at least one generated token); shorten it");
}

void Sequence::AddMediaTimeSince(Clock::time_point since) {
  timings_.media_ms += MsBetween(since, Clock::now());
}

Status CheckPromptTokenIds(std::span<const int32_t> ids, int n_vocab) {
  for (int32_t id : ids) {
    if (id < 0 || id >= n_vocab) {
      return Status::InvalidArgument("token id " + std::to_string(id) + " out of range");
    }
  }
  return Status::Ok();
}

Sequence::Sequence(const Model& model, GenerateRequest request, EventSink sink, int n_ctx,
                   Clock::time_point start)
    : model_(model),
      request_(std::move(request)),
      sink_(std::move(sink)),
      n_ctx_(n_ctx),
      start_(start),
      sampler_(request_.sampling, model.config().n_vocab),
      decoder_(model.tokenizer()) {
  if (request_.reasoning) splitter_ = request_.reasoning();
  if (request_.tool_calls) tool_parser_ = request_.tool_calls();
}

Status Sequence::Start() {
  auto fail = [&](Status st) {
    finished_ = true;
    Event e;
    e.type = Event::Type::kError;
    e.error = st;
    sink_(e);
    return st;
  };
  if (Status st = CheckGenerates(model_.config()); !st.ok()) return fail(st);
  Result<std::vector<int32_t>> prompt = PromptTokens(model_, request_);
  if (!prompt.ok()) return fail(prompt.status());
  prompt_ = std::move(*prompt);
  if (Status st = CheckPromptFits(int(prompt_.size()), n_ctx_); !st.ok()) return fail(st);
  if (Status st = CheckPromptTokenIds(prompt_, model_.config().n_vocab); !st.ok()) {
    return fail(st);
  }
  if (Status st = CheckProbes(request_.probes, model_.config()); !st.ok()) return fail(st);
  if (Status st = CheckPromptAttention(request_.probes, model_.config(), int(prompt_.size()));
      !st.ok()) {
    return fail(st);
  }
  token_probe_.Prepare(request_.probes, model_.config());
  router_probe_.Prepare(request_.probes);
  if (request_.probes.attention_prompt) {
    prompt_map_.Prepare(request_.probes, model_.config(), int(prompt_.size()));
  }
  // An image's placeholder ids are no text: penalties do not count them.
  const std::vector<int32_t> keyed = MediaCacheKey(prompt_, request_.media);
  for (int32_t id : keyed) {
    if (id >= 0) sampler_.Accept(id);
  }
  context_ = prompt_;
  if (Status st = StartGrammar(); !st.ok()) return fail(st);
  timings_.load_ms = model_.load_ms();
  timings_.prompt_tokens = int(prompt_.size());

  Event e;
  e.type = Event::Type::kPrompt;
  e.prompt_tokens = prompt_;
  for (const MediaSpan& m : request_.media) {
    const bool grid = m.grid_rows * m.grid_cols == m.n_tokens && m.n_tokens > 0;
    e.prompt_images.push_back(
        {m.first, m.n_tokens, grid ? m.grid_rows : 1, grid ? m.grid_cols : m.n_tokens});
  }
  if (!sink_(e)) {
    EmitDone("cancelled");
    return Status::Cancelled("cancelled by the client");
  }
  return Status::Ok();
}

void Sequence::StartFrom(const Sequence& prefilled, int choice) {
  choice_ = choice;
  prompt_ = prefilled.prompt_;
  evaluated_ = prefilled.evaluated_;
  prompt_start_ = prefilled.prompt_start_;
  prompt_started_ = true;
  timings_.cached_tokens = prefilled.timings_.cached_tokens;
  timings_.load_ms = prefilled.timings_.load_ms;
  timings_.prompt_tokens = prefilled.timings_.prompt_tokens;
  // An image's placeholder ids are no text: penalties do not count them.
  const std::vector<int32_t> keyed = MediaCacheKey(prompt_, request_.media);
  for (int32_t id : keyed) {
    if (id >= 0) sampler_.Accept(id);
  }
  context_ = prompt_;
  // The prefilled sequence accepted the same grammar prefix, so this cannot fail.
  if (!StartGrammar().ok()) std::abort();
}

Status Sequence::StartGrammar() {
  if (!request_.grammar) return Status::Ok();
  std::vector<int32_t> ends;
  if (!request_.ignore_eos) ends = model_.tokenizer().end_of_generation_ids();
  constraint_ = std::make_unique<grammar::TokenConstraint>(request_.grammar, model_.token_trie(),
                                                           std::move(ends));
  for (size_t i = 0; i < request_.grammar_prefix.size(); ++i) {
    if (!constraint_->Accept(request_.grammar_prefix[i])) {
      return Status::InvalidArgument("the grammar refuses token " +
                                     std::to_string(request_.grammar_prefix[i]) + " at step " +
                                     std::to_string(i) + " of the text it continues");
    }
  }
  return Status::Ok();
}

void Sequence::ReusePrefix(int n) {
  evaluated_ = std::clamp(n, 0, std::max(0, int(prompt_.size()) - 1));
  timings_.cached_tokens = evaluated_;
}

std::vector<int32_t> Sequence::CachedTokens() const {
  std::vector<int32_t> out(prompt_.begin(),
                           prompt_.begin() + std::min(evaluated_, int(prompt_.size())));
  const int generated = std::min(evaluated_ - int(out.size()), int(generated_ids_.size()));
  out.insert(out.end(), generated_ids_.begin(), generated_ids_.begin() + std::max(0, generated));
  return out;
}

std::span<const int32_t> Sequence::NextPromptChunk(int max) {
  if (!prompt_started_) prompt_start_ = Clock::now();
  prompt_started_ = true;
  const int n = std::min(max, int(prompt_.size()) - evaluated_);
  return std::span<const int32_t>(prompt_.data() + evaluated_, std::max(0, n));
}

void Sequence::Advance(int n) {
  const bool prompt_was_done = PromptDone();
  evaluated_ += n;
  if (!prompt_was_done && PromptDone() && request_.probes.attention_prompt) EmitAttentionMap();
  if (!prompt_was_done && PromptDone() && request_.probes.router) EmitPromptRouter();
}

void Sequence::EmitPromptRouter() {
  Event e;
  e.type = Event::Type::kPromptRouter;
  // The last prompt token's rows also go with the first generated token (its query).
  e.router = router_probe_.Take(/*keep_position=*/int(prompt_.size()) - 1);
  sink_(e);
}

void Sequence::EmitAttentionMap() {
  // The first token's per-token attention is the map's last row (the pass recorded it once).
  if (request_.probes.attention) token_probe_.CopyLastMapRow(prompt_map_.map());
  Event e;
  e.type = Event::Type::kPromptAttention;
  e.attention_map = prompt_map_.Take();
  sink_(e);
}

void Sequence::OnPromptLogits(std::span<const float> logits, int n) {
  const size_t n_vocab = size_t(model_.config().n_vocab);
  for (int i = 0; i < n; ++i) {
    const int target = evaluated_ + i + 1;  // row i predicts the token after position pos()+i
    if (target >= int(prompt_.size())) break;
    const std::span<const float> row = logits.subspan(size_t(i) * n_vocab, n_vocab);
    PromptScore& score = prompt_scores_.emplace_back(ScoreToken(row, target, prompt_[target]));
    AddTop(row, &score.top);
  }
  if (evaluated_ + n < int(prompt_.size())) return;
  Event e;
  e.type = Event::Type::kPromptScores;
  e.prompt_scores = std::move(prompt_scores_);
  prompt_scores_.clear();
  sink_(e);
}

CaptureHook* Sequence::hook(int position) {
  // The prompt map takes every prompt token; the per-token probes the last prompt token (its
  // logits give the first generated token) and every generated one.
  const int last_prompt = int(prompt_.size()) - 1;
  const bool map = request_.probes.attention_prompt && position <= last_prompt;
  const bool token = request_.probes.captures() && position >= last_prompt;
  CaptureHook* hook = nullptr;
  if (map && token) {
    hook = &last_prompt_hook_;
  } else if (map) {
    hook = &prompt_map_;
  } else if (token) {
    hook = &token_probe_;
  }
  // The router probe takes every token, beside whichever of those is there.
  if (!request_.probes.router) return hook;
  if (hook == nullptr) return &router_probe_;
  if (hook == &prompt_map_) return &router_and_map_hook_;
  if (hook == &token_probe_) return &router_and_token_hook_;
  return &router_and_last_prompt_hook_;
}

void Sequence::AfterForward(ThreadPool& pool, ForwardState& state) {
  if (request_.probes.logit_lens && !token_probe_.residual().empty()) {
    ComputeLogitLens(model_, pool, state, token_probe_, &lens_logits_);
  }
}

bool Sequence::OnLogits(std::span<const float> logits) {
  return TakeToken(logits, nullptr, {}, nullptr, DraftMark::kNone);
}

int Sequence::DraftRoom(int draft_max) const {
  if (finished_ || !PromptDone()) return 0;
  // Probes describe one pass per token; a verification pass holds several.
  const ProbeOptions& probes = request_.probes;
  if (probes.captures() || probes.router) return 0;
  // The k drafted tokens go at positions pos()+1..pos()+k; each accepted one is a generated
  // token, and the target adds one more after them.
  const int by_ctx = n_ctx_ - 1 - (evaluated_ + 1);
  const int by_length = request_.max_tokens - generated_ - 1;
  return std::max(0, std::min({draft_max, by_ctx, by_length}));
}

bool Sequence::OnDraftLogits(std::span<const float> rows, const Draft& draft) {
  const size_t n_vocab = size_t(model_.config().n_vocab);
  const size_t k = draft.tokens.size();
  timings_.drafted_tokens += int(k);
  for (size_t i = 0; i <= k; ++i) {
    const std::span<const float> row = rows.subspan(i * n_vocab, n_vocab);
    bool accepted = false;
    const std::span<const TokenProb> q =
        i < draft.q.size() ? std::span<const TokenProb>(draft.q[i]) : std::span<const TokenProb>();
    const bool going = TakeToken(row, i < k ? &draft.tokens[i] : nullptr, q, &accepted,
                                 k > 0 ? DraftMark::kBonus : DraftMark::kNone);
    if (!going || !accepted) return going;
    ++timings_.accepted_tokens;
    ++evaluated_;  // the drafted token's keys and values are in the cache already
  }
  return true;  // unreachable: the last row has no draft token, so it is never "accepted"
}

bool Sequence::TakeToken(std::span<const float> raw_logits, const int32_t* drafted,
                         std::span<const TokenProb> q, bool* accepted, DraftMark bonus) {
  if (finished_) return false;
  if (request_.max_tokens <= 0) {
    EmitDone("length");
    return false;
  }
  const std::span<const float> logits = Biased(raw_logits);
  const Clock::time_point now = Clock::now();
  if (generated_ == 0) {
    timings_.prompt_ms = MsBetween(prompt_start_, now);
    timings_.ttft_ms = MsBetween(start_, now);
    first_token_time_ = now;
  }

  const grammar::TokenMask* mask = nullptr;
  if (constraint_) {
    mask = Constrain(logits);
    if (mask == nullptr) {
      EmitDone("stop");  // the grammar allows no token of this vocabulary here
      return false;
    }
  }
  const std::span<const float> allowed = mask ? std::span<const float>(masked_) : logits;
  if (drafted == nullptr) {
    return EmitToken(sampler_.Sample(allowed), logits, mask, bonus, -1);
  }
  // Greedy: the drafted token stands only as the target's own choice, so the output is the
  // plain decode's. Sampling: the rejection scheme keeps the target's distribution.
  int32_t id;
  if (sampler_.greedy()) {
    id = sampler_.Sample(allowed);
    *accepted = id == *drafted;
  } else {
    id = VerifyDraft(sampler_.Probabilities(allowed), *drafted, q, sampler_.rng(), accepted);
  }
  return EmitToken(id, logits, mask, *accepted ? DraftMark::kAccepted : DraftMark::kRejected,
                   *accepted ? -1 : *drafted);
}

bool Sequence::EmitToken(int32_t id, std::span<const float> logits, const grammar::TokenMask* mask,
                         DraftMark mark, int32_t draft_id) {
  const Tokenizer& tok = model_.tokenizer();
  sampler_.Accept(id);
  bool grammar_done = false;
  if (constraint_) {
    constraint_->Accept(id);  // allowed by the mask, so accepted
    grammar_done = constraint_->Finished();
  }
  context_.push_back(id);
  ++generated_;
  generated_ids_.push_back(id);
  timings_.generated_tokens = generated_;

  Event e;
  e.type = Event::Type::kToken;
  e.choice = choice_;
  e.position = evaluated_;
  e.index = generated_ - 1;
  e.id = id;
  e.draft = mark;
  e.draft_id = draft_id;
  e.piece = tok.TokenToPiece(id);
  e.logit = logits[id];
  const Distribution dist = Analyze(logits);
  e.prob = std::exp(e.logit - dist.log_sum_exp);
  e.entropy = dist.entropy;
  int rank = 0;
  for (int32_t j = 0; j < int32_t(logits.size()); ++j) {
    if (logits[j] > e.logit || (logits[j] == e.logit && j < id)) ++rank;
  }
  e.rank = rank;
  FillTop(logits, dist.log_sum_exp, mask, &e);
  const ProbeOptions& probes = request_.probes;
  if (probes.full_logits) e.logits.assign(logits.begin(), logits.end());
  if (probes.captures() || probes.router) e.query_position = evaluated_ - 1;
  if (probes.router) FillRouter(router_probe_, &e);
  if (probes.attention) FillAttention(probes, model_.config(), token_probe_, evaluated_ - 1, &e);
  if (probes.logit_lens && !lens_logits_.empty()) FillLogitLens(probes, model_, lens_logits_, &e);

  const bool eos = !request_.ignore_eos && tok.IsEndOfGeneration(id);
  bool stopped = eos || grammar_done;
  e.end_of_generation = eos;
  if (!eos) {
    text_ += decoder_.Push(id);
    // A stop string ends the generation; the text before it is released.
    size_t cut = std::string::npos;
    for (const std::string& s : request_.stop) {
      if (s.empty()) continue;
      const size_t from = emitted_ > s.size() ? emitted_ - s.size() : 0;
      const size_t at = text_.find(s, from);
      if (at != std::string::npos && at < cut) {
        cut = at;
        stop_hit_ = s;
      }
    }
    if (cut != std::string::npos) {
      text_.resize(cut);
      stopped = true;
    }
    const size_t hold = stopped ? 0 : StopPrefixSuffix(text_, request_.stop);
    const size_t ready = std::max(emitted_, text_.size() - hold);
    Split(text_.substr(emitted_, ready - emitted_), /*finish=*/false, &e);
    emitted_ = ready;
  } else if (splitter_) {
    e.in_reasoning = splitter_->reasoning();  // an end-of-generation inside a thought
  }
  const Clock::time_point after = Clock::now();
  e.elapsed_ms = MsBetween(start_, after);
  timings_.decode_ms = MsBetween(first_token_time_, after);
  const bool keep_going = sink_(e);

  if (stopped) {
    EmitDone("stop");
  } else if (!keep_going) {
    EmitDone("cancelled");
  } else if (generated_ >= request_.max_tokens || evaluated_ + 1 >= n_ctx_) {
    EmitDone("length");
  } else {
    next_token_ = id;
    return true;
  }
  return false;
}

void Sequence::AddTop(std::span<const float> logits, std::vector<TopToken>* out,
                      std::optional<float> log_sum_exp) {
  const int k = std::clamp(request_.top_k_events, 0, 100);
  if (k == 0) return;
  TopK(logits, k, log_sum_exp ? *log_sum_exp : Analyze(logits).log_sum_exp, &top_);
  out->reserve(top_.size());
  const Tokenizer& tok = model_.tokenizer();
  for (const TokenProb& t : top_) out->push_back({t.id, tok.TokenToPiece(t.id), t.logit, t.prob});
}

std::span<const float> Sequence::Biased(std::span<const float> logits) {
  const auto& biases = request_.sampling.logit_bias;
  if (biases.empty()) return logits;
  biased_.assign(logits.begin(), logits.end());
  // Ids were checked against the vocabulary (request::Prepare); a bad one is skipped here.
  for (const auto& [id, bias] : biases) {
    if (id >= 0 && size_t(id) < biased_.size()) biased_[size_t(id)] += bias;
  }
  return biased_;
}

const grammar::TokenMask* Sequence::Constrain(std::span<const float> logits) {
  const grammar::TokenMask& mask = constraint_->Allowed();
  masked_.assign(logits.begin(), logits.end());
  bool any = false;
  for (size_t i = 0; i < masked_.size(); ++i) {
    if (!mask.Test(int32_t(i))) {
      masked_[i] = -INFINITY;
    } else {
      any = true;
    }
  }
  return any ? &mask : nullptr;
}

// The model's own top-k (probabilities under the unconstrained distribution, so the debugger
// shows what the model wanted), each marked when the grammar removed it.
void Sequence::FillTop(std::span<const float> logits, float log_sum_exp,
                       const grammar::TokenMask* mask, Event* e) {
  AddTop(logits, &e->top, log_sum_exp);
  if (mask == nullptr) return;
  for (TopToken& t : e->top) t.removed = !mask->Test(t.id);
}

void Sequence::Cancel() {
  if (!finished_) EmitDone("cancelled");
}

void Sequence::Split(std::string text, bool finish, Event* e) {
  SplitReasoning(text, finish, e);
  if (!tool_parser_) return;
  ToolCallOutput out;
  tool_parser_->Push(text, e->text, &out);
  if (finish) tool_parser_->Finish(&out);
  e->text = std::move(out.content);
  e->tool_calls = std::move(out.calls);
}

void Sequence::SplitReasoning(const std::string& text, bool finish, Event* e) {
  if (!splitter_) {
    e->text = text;
    return;
  }
  // A token belongs to the reasoning when it adds nothing to the answer and the splitter was
  // in the thought before or after reading the token's text: both tags count as reasoning, as
  // do the text between them and the whitespace dropped after them.
  const bool before = splitter_->reasoning();
  SplitText out;
  splitter_->Push(text, &out);
  const bool after = splitter_->reasoning();
  if (finish) splitter_->Finish(&out);
  e->in_reasoning = out.content.empty() && (before || after || !out.reasoning.empty());
  e->text = std::move(out.content);
  e->reasoning = std::move(out.reasoning);
}

void Sequence::EmitDone(const std::string& finish_reason) {
  finished_ = true;
  Event done;
  done.type = Event::Type::kDone;
  done.choice = choice_;
  if (finish_reason != "stop") text_ += decoder_.Flush();
  // The held-back tail, if any, and whatever the splitter held back.
  Split(text_.size() > emitted_ ? text_.substr(emitted_) : std::string(), /*finish=*/true, &done);
  emitted_ = text_.size();
  done.timings = timings_;
  // OpenAI's reason for a turn that ends in calls: the client is to run them and answer.
  const bool called = tool_parser_ && tool_parser_->calls() > 0;
  done.finish_reason = finish_reason == "stop" && called ? "tool_calls" : finish_reason;
  done.stop_sequence = stop_hit_;
  sink_(done);
}

}  // namespace inferno
