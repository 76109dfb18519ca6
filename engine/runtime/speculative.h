// Speculative decoding: a cheap draft proposes the next few tokens, and the target model
// checks them all in one batched forward pass (the rows of the next token and of every drafted
// token, each with its logits). Decode is memory-bound, so a pass over k+1 rows costs little
// more than a pass over one, and every accepted draft token is a token gained.
//
// Verification keeps the output exactly what plain decoding would give: greedy takes a drafted
// token only when it is the target's own argmax (same penalties, grammar, logit bias), so the
// text is token-identical; sampling uses the standard rejection scheme (accept token d with
// probability min(1, p(d)/q(d)), on rejection draw from max(0, p - q) normalised), so each
// token has the target's distribution p whatever the draft's q. Rejected drafts leave keys
// and values at positions past the sequence's end; the cache is addressed by position, so
// later tokens overwrite them.
//
// Two draft sources behind one interface: prompt lookup (the continuation of an earlier place
// in the sequence's own context that ends like the context does: free, and right whenever the
// output repeats its input, as in editing code) and a small draft model with the target's
// vocabulary.
//
// Models with recurrent layers (Gated DeltaNet) do not speculate: their state has absorbed
// every token evaluated and cannot drop the rejected ones (SpecUnsupported says so).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/sampler.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/status.h"

namespace inferno {

enum class SpecMode { kOff, kLookup, kDraft };

struct SpecOptions {
  SpecMode mode = SpecMode::kOff;
  int draft_max = 12;  // tokens proposed per step at most
  // Prompt lookup: the draft continues the earlier place whose preceding tokens match the end
  // of the context longest: at least ngram_min tokens, compared up to ngram_max.
  int ngram_min = 2;
  int ngram_max = 12;
  // kDraft: the draft model (same vocabulary as the target: CheckDraftVocab), shared.
  std::shared_ptr<const Model> draft;
  // kDraft: drafting stops at a token the draft gives less than this probability (a likely
  // rejection costs a draft pass and a verification row).
  float draft_p_min = 0.3f;
};

// "lookup", "draft", "off".
Result<SpecMode> ParseSpecMode(const std::string& name);
const char* SpecModeName(SpecMode mode);

// Why a model cannot speculate ("" when it can): recurrent layers cannot roll back.
std::string SpecUnsupported(const ModelConfig& config);
// The draft model must read and write the target's tokens: the same vocabulary, token by
// token. The error names the first difference.
Status CheckDraftVocab(const Model& target, const Model& draft);
// SpecOptions checked for the target (mode and draft agree, draft vocabulary, sizes).
Status CheckSpecOptions(const SpecOptions& options, const Model& target);

// The tokens a draft proposes after a context, with the draft's distribution of each.
struct Draft {
  std::vector<int32_t> tokens;
  // Per token, the distribution it was drawn from, sorted by id; empty when the draft is
  // deterministic (prompt lookup, a greedy draft model): q is one-hot at the token.
  std::vector<std::vector<TokenProb>> q;

  void Clear() {
    tokens.clear();
    q.clear();
  }
};

class DraftSource {
 public:
  virtual ~DraftSource() = default;
  // Up to `max` tokens likely to follow `context` (the prompt, the generated tokens, and the
  // token about to be evaluated), into `out` (cleared first; may stay empty).
  virtual void Propose(std::span<const int32_t> context, int max, Draft* out) = 0;
};

// The length of a source's next draft. Every drafted row costs compute in the verification
// pass (and a draft model a pass of its own), so after a draft the target cut short the next
// is at most one longer than what was accepted, and after a wholly accepted one twice as long.
class DraftLength {
 public:
  // The bound for a draft after `context`, learnt from how much of the last draft the context
  // now repeats (what the target accepted).
  int Next(std::span<const int32_t> context, int max);
  // The draft proposed after `context`.
  void Proposed(std::span<const int32_t> context, const std::vector<int32_t>& draft);
  int limit() const { return limit_; }

 private:
  int limit_ = 1 << 20;
  std::vector<int32_t> last_;  // the last draft, proposed after last_at_ tokens of context
  size_t last_at_ = 0;
};

// Prompt lookup: no model, a deterministic draft.
class LookupDraft : public DraftSource {
 public:
  LookupDraft(int ngram_min, int ngram_max) : ngram_min_(ngram_min), ngram_max_(ngram_max) {}
  void Propose(std::span<const int32_t> context, int max, Draft* out) override;
  int limit() const { return length_.limit(); }

 private:
  int ngram_min_;
  int ngram_max_;
  DraftLength length_;
};

// A small model with the target's vocabulary drafts token by token on its own cache, which
// follows the sequence: each Propose() evaluates only what changed since the last one.
class ModelDraft : public DraftSource {
 public:
  // `sampling`: the request's; temperature <= 0 drafts greedily (deterministic), otherwise the
  // draft samples with the same temperature and truncation (no penalties) and reports q.
  ModelDraft(const Model& draft, ThreadPool& pool, int n_ctx, const SamplingParams& sampling,
             float p_min);
  void Propose(std::span<const int32_t> context, int max, Draft* out) override;

 private:
  // Evaluates context[from..] on the draft cache, leaving the last token's logits.
  void CatchUp(std::span<const int32_t> context, size_t from);
  void Evaluate(std::span<const int32_t> tokens, int pos);

  const Model& model_;
  ThreadPool& pool_;
  KvCache cache_;
  ForwardState state_;
  Sampler sampler_;
  float p_min_;
  DraftLength length_;
  std::vector<int32_t> cached_;  // tokens in cache_, by position
  std::vector<float> logits_;
  std::vector<int32_t> positions_;
};

// The speculation one request gets: the front end's `options` unless the request asks for
// another mode (GenerateRequest::speculation); off for a model that cannot speculate and for
// kDraft without a draft model.
SpecOptions RequestSpec(const SpecOptions& options, std::optional<SpecMode> asked,
                        const ModelConfig& config);

// The draft source of one sequence, or null when it does not speculate.
std::unique_ptr<DraftSource> MakeDraftSource(const SpecOptions& options, ThreadPool& pool,
                                             int n_ctx, const SamplingParams& sampling);

// Verifies drafted token `drafted` against the target's distribution `p`
// (Sampler::Probabilities) by the rejection scheme: accepted with probability
// min(1, p(d)/q(d)), else the token comes from max(0, p - q) normalised. `q` is the draft's
// distribution sorted by id, empty for a deterministic draft (one-hot). Returns the token to
// emit; *accepted says whether it is the drafted one by acceptance.
int32_t VerifyDraft(std::span<const TokenProb> p, int32_t drafted, std::span<const TokenProb> q,
                    std::mt19937& rng, bool* accepted);

}  // namespace inferno
