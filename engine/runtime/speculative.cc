#include "engine/runtime/speculative.h"

#include <algorithm>
#include <cmath>

namespace inferno {
namespace {

// The probability of `id` in a distribution sorted by id; 0 when absent.
float ProbById(std::span<const TokenProb> sorted, int32_t id) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), id,
                             [](const TokenProb& t, int32_t v) { return t.id < v; });
  return it != sorted.end() && it->id == id ? it->prob : 0.0f;
}

// The probability of `id` in an unsorted (small) distribution; 0 when absent.
float ProbOf(std::span<const TokenProb> dist, int32_t id) {
  for (const TokenProb& t : dist) {
    if (t.id == id) return t.prob;
  }
  return 0.0f;
}

// Tokens before position `end` of `context` that equal the ones before its end, compared
// backwards up to `cap`.
int SuffixMatch(std::span<const int32_t> context, size_t end, int cap) {
  const size_t n = context.size();
  int len = 0;
  while (len < cap && size_t(len) < end && context[end - 1 - len] == context[n - 1 - len]) ++len;
  return len;
}

}  // namespace

Result<SpecMode> ParseSpecMode(const std::string& name) {
  if (name == "off") return SpecMode::kOff;
  if (name == "lookup") return SpecMode::kLookup;
  if (name == "draft") return SpecMode::kDraft;
  return Status::InvalidArgument("speculation '" + name +
                                 "' is not one of lookup (prompt lookup), draft (a draft "
                                 "model) or off");
}

const char* SpecModeName(SpecMode mode) {
  switch (mode) {
    case SpecMode::kLookup:
      return "lookup";
    case SpecMode::kDraft:
      return "draft";
    case SpecMode::kOff:
      break;
  }
  return "off";
}

std::string SpecUnsupported(const ModelConfig& config) {
  if (!config.has_recurrent_layers()) return "";
  return "speculative decoding is off for '" + config.arch_name +
         "': its recurrent layers (Gated DeltaNet) cannot take back rejected draft tokens";
}

Status CheckDraftVocab(const Model& target, const Model& draft) {
  const Tokenizer& t = target.tokenizer();
  const Tokenizer& d = draft.tokenizer();
  const std::string names =
      "the draft model '" + draft.path() + "' and the target '" + target.path() + "' ";
  if (t.n_vocab() != d.n_vocab()) {
    return Status::InvalidArgument(names +
                                   "have different vocabularies: " + std::to_string(d.n_vocab()) +
                                   " tokens against " + std::to_string(t.n_vocab()));
  }
  for (int32_t id = 0; id < t.n_vocab(); ++id) {
    if (t.TokenText(id) != d.TokenText(id)) {
      return Status::InvalidArgument(names + "have different vocabularies: token " +
                                     std::to_string(id) + " is '" + std::string(d.TokenText(id)) +
                                     "' in the draft and '" + std::string(t.TokenText(id)) +
                                     "' in the target");
    }
  }
  if (t.bos() != d.bos() || t.add_bos() != d.add_bos()) {
    return Status::InvalidArgument(names + "begin sequences differently (BOS token or add_bos)");
  }
  if (draft.config().n_vocab < t.n_vocab()) {
    return Status::InvalidArgument(names + "differ: the draft's output head has " +
                                   std::to_string(draft.config().n_vocab) + " rows for " +
                                   std::to_string(t.n_vocab()) + " tokens");
  }
  return Status::Ok();
}

Status CheckSpecOptions(const SpecOptions& o, const Model& target) {
  if (o.draft_max < 1 || o.draft_max > 64) {
    return Status::InvalidArgument("--draft-max " + std::to_string(o.draft_max) +
                                   " is outside 1..64");
  }
  if (o.ngram_min < 1 || o.ngram_max < o.ngram_min) {
    return Status::InvalidArgument("prompt lookup needs 1 <= ngram_min <= ngram_max");
  }
  if (o.mode == SpecMode::kDraft && !o.draft) {
    return Status::InvalidArgument("--spec draft needs a draft model (--draft MODEL)");
  }
  if (o.mode != SpecMode::kDraft && o.draft) {
    return Status::InvalidArgument("a draft model (--draft) is only used with --spec draft");
  }
  if (o.draft) {
    if (Status st = CheckDraftVocab(target, *o.draft); !st.ok()) return st;
    if (std::string why = SpecUnsupported(o.draft->config()); !why.empty()) {
      return Status::InvalidArgument("the draft model cannot draft: " + why);
    }
  }
  return Status::Ok();
}

int DraftLength::Next(std::span<const int32_t> context, int max) {
  if (!last_.empty() && context.size() > last_at_) {
    size_t accepted = 0;
    while (accepted < last_.size() && last_at_ + accepted < context.size() &&
           context[last_at_ + accepted] == last_[accepted]) {
      ++accepted;
    }
    limit_ = accepted == last_.size() ? std::min(limit_, int(last_.size())) * 2 : int(accepted) + 1;
    last_.clear();
  }
  return std::min(max, limit_);
}

void DraftLength::Proposed(std::span<const int32_t> context, const std::vector<int32_t>& draft) {
  last_ = draft;
  last_at_ = context.size();
}

void LookupDraft::Propose(std::span<const int32_t> context, int max, Draft* out) {
  out->Clear();
  max = length_.Next(context, max);
  const size_t n = context.size();
  if (max <= 0 || n < 2) return;
  // The latest place whose preceding tokens match the context's end longest.
  size_t best_end = 0;
  int best_len = 0;
  for (size_t end = n - 1; end > 0; --end) {
    if (context[end - 1] != context[n - 1]) continue;
    const int len = SuffixMatch(context, end, ngram_max_);
    if (len > best_len) {
      best_len = len;
      best_end = end;
      if (len == ngram_max_) break;
    }
  }
  if (best_len < ngram_min_) return;
  // A continuation that reaches the context's end goes on through the draft itself: a
  // repeating text (period end - best_end) keeps repeating.
  for (size_t i = 0; i < size_t(max); ++i) {
    const size_t from = best_end + i;
    out->tokens.push_back(from < n ? context[from] : out->tokens[from - n]);
  }
  length_.Proposed(context, out->tokens);
}

ModelDraft::ModelDraft(const Model& draft, ThreadPool& pool, int n_ctx,
                       const SamplingParams& sampling, float p_min)
    : model_(draft),
      pool_(pool),
      cache_(draft.config(), n_ctx),
      state_(draft.config(), std::min(n_ctx, 256)),
      sampler_(
          [&] {
            // The draft's own truncation and temperature; penalties would need the history.
            SamplingParams s = sampling;
            s.repeat_penalty = 1.0f;
            s.presence_penalty = s.frequency_penalty = 0.0f;
            s.logit_bias.clear();
            // Its own draws, reproducible with the request's seed.
            if (s.seed != SamplingParams::kRandomSeed) s.seed ^= 0x5bd1e995u;
            return s;
          }(),
          draft.config().n_vocab),
      p_min_(p_min),
      logits_(draft.config().n_vocab) {
  positions_.resize(state_.max_tokens);
}

void ModelDraft::Evaluate(std::span<const int32_t> tokens, int pos) {
  for (size_t i = 0; i < tokens.size(); ++i) positions_[i] = pos + int32_t(i);
  Forward(model_, pool_, cache_, tokens, std::span<const int32_t>(positions_.data(), tokens.size()),
          state_, logits_.data());
  cached_.resize(size_t(pos));
  cached_.insert(cached_.end(), tokens.begin(), tokens.end());
}

void ModelDraft::CatchUp(std::span<const int32_t> context, size_t from) {
  for (size_t at = from; at < context.size();) {
    const size_t n = std::min(context.size() - at, size_t(state_.max_tokens));
    Evaluate(context.subspan(at, n), int(at));
    at += n;
  }
}

void ModelDraft::Propose(std::span<const int32_t> context, int max, Draft* out) {
  out->Clear();
  max = std::min(length_.Next(context, max), cache_.n_ctx() - int(context.size()));
  if (max <= 0 || context.empty()) return;
  // What the cache already holds of this context; the last token is evaluated again for its
  // logits (only the newest pass's are kept).
  size_t same = 0;
  while (same < cached_.size() && same < context.size() && cached_[same] == context[same]) ++same;
  CatchUp(context, std::min(same, context.size() - 1));
  const std::span<const float> logits(logits_.data(), logits_.size());
  for (int i = 0; i < max; ++i) {
    const std::span<const TokenProb> q = sampler_.Probabilities(logits);
    const int32_t id = sampler_.greedy() ? q[0].id : DrawFrom(q, sampler_.rng());
    // A token the draft doubts is likely rejected: stop before it (greedy) or after it
    // (sampling, where q is drawn from and must be reported as drawn).
    const float prob = ProbOf(q, id);
    if (sampler_.greedy()) {
      // Greedy q is one-hot; the confidence is the softmax of the raw logits.
      const Distribution d = Analyze(logits);
      if (std::exp(logits[id] - d.log_sum_exp) < p_min_ && i > 0) break;
    }
    out->tokens.push_back(id);
    if (!sampler_.greedy()) {
      std::vector<TokenProb>& sorted = out->q.emplace_back(q.begin(), q.end());
      std::sort(sorted.begin(), sorted.end(),
                [](const TokenProb& a, const TokenProb& b) { return a.id < b.id; });
      if (prob < p_min_) break;
    }
    if (i + 1 == max) break;
    Evaluate(std::span<const int32_t>(&id, 1), int(context.size()) + i);
  }
  length_.Proposed(context, out->tokens);
}

SpecOptions RequestSpec(const SpecOptions& options, std::optional<SpecMode> asked,
                        const ModelConfig& config) {
  SpecOptions o = options;
  if (asked) o.mode = *asked;
  if (!SpecUnsupported(config).empty() || (o.mode == SpecMode::kDraft && !o.draft)) {
    o.mode = SpecMode::kOff;
  }
  return o;
}

std::unique_ptr<DraftSource> MakeDraftSource(const SpecOptions& options, ThreadPool& pool,
                                             int n_ctx, const SamplingParams& sampling) {
  switch (options.mode) {
    case SpecMode::kLookup:
      return std::make_unique<LookupDraft>(options.ngram_min, options.ngram_max);
    case SpecMode::kDraft:
      if (!options.draft) return nullptr;
      return std::make_unique<ModelDraft>(*options.draft, pool, n_ctx, sampling,
                                          options.draft_p_min);
    case SpecMode::kOff:
      break;
  }
  return nullptr;
}

int32_t VerifyDraft(std::span<const TokenProb> p, int32_t drafted, std::span<const TokenProb> q,
                    std::mt19937& rng, bool* accepted) {
  const float p_d = ProbOf(p, drafted);
  const float q_d = q.empty() ? 1.0f : ProbById(q, drafted);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  // u < p/q, written without dividing (q_d > 0: the draft drew d from q).
  *accepted = p_d > 0 && (p_d >= q_d || uniform(rng) * q_d < p_d);
  if (*accepted) return drafted;
  // The residual max(0, p - q): what p has beyond what the draft already proposes.
  std::vector<TokenProb> residual;
  residual.reserve(p.size());
  double sum = 0;
  for (const TokenProb& t : p) {
    const float q_t = q.empty() ? (t.id == drafted ? 1.0f : 0.0f) : ProbById(q, t.id);
    const float r = std::max(0.0f, t.prob - q_t);
    if (r <= 0) continue;
    residual.push_back({t.id, t.logit, r});
    sum += r;
  }
  // p == q to rounding: nothing left, and p itself is the right law.
  if (residual.empty()) return DrawFrom(p, rng);
  for (TokenProb& t : residual) t.prob = float(t.prob / sum);
  return DrawFrom(residual, rng);
}

}  // namespace inferno
