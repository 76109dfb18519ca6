#include "engine/runtime/speculative.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>

#include "engine/grammar/gbnf.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/session.h"

namespace inferno {
namespace {

// --- The rejection sampler, statistically -------------------------------------------------

// A target distribution p (most likely first, as Sampler::Probabilities gives it) and a draft
// distribution q that disagrees with it (sorted by id, as Draft::q holds it).
const std::vector<TokenProb> kP = {{0, 0, 0.30f}, {1, 0, 0.25f}, {2, 0, 0.20f},
                                   {3, 0, 0.15f}, {4, 0, 0.07f}, {5, 0, 0.03f}};
const std::vector<TokenProb> kQ = {{0, 0, 0.05f}, {1, 0, 0.10f}, {2, 0, 0.40f},
                                   {3, 0, 0.05f}, {4, 0, 0.30f}, {5, 0, 0.10f}};

using Verifier =
    std::function<int32_t(int32_t drafted, std::span<const TokenProb> q, std::mt19937& rng)>;

// Pearson's chi-square of `n` tokens emitted by draft-then-verify against kP.
double ChiSquare(const Verifier& verify, std::span<const TokenProb> q, int32_t fixed_draft, int n,
                 uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int> counts(kP.size(), 0);
  for (int i = 0; i < n; ++i) {
    const int32_t drafted = q.empty() ? fixed_draft : DrawFrom(q, rng);
    ++counts[size_t(verify(drafted, q, rng))];
  }
  double chi2 = 0;
  for (const TokenProb& t : kP) {
    const double expected = double(t.prob) * n;
    const double d = counts[size_t(t.id)] - expected;
    chi2 += d * d / expected;
  }
  return chi2;
}

// 5 degrees of freedom: P(chi2 > 20.52) = 0.001.
constexpr double kChi2Bound = 20.52;
constexpr int kSamples = 200000;

int32_t Standard(int32_t drafted, std::span<const TokenProb> q, std::mt19937& rng) {
  bool accepted = false;
  return VerifyDraft(kP, drafted, q, rng, &accepted);
}

TEST(VerifyDraftTest, KeepsTheTargetDistributionWithADraftModel) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    EXPECT_LT(ChiSquare(Standard, kQ, -1, kSamples, seed), kChi2Bound) << "seed " << seed;
  }
}

TEST(VerifyDraftTest, KeepsTheTargetDistributionWithADeterministicDraft) {
  // Prompt lookup: q is one-hot at the drafted token, whichever it is.
  for (int32_t drafted : {0, 2, 5}) {
    EXPECT_LT(ChiSquare(Standard, {}, drafted, kSamples, 7u + uint32_t(drafted)), kChi2Bound)
        << "drafted " << drafted;
  }
}

// The test has the power to see a wrong scheme: two plausible mistakes fail it.
TEST(VerifyDraftTest, WrongSchemesFailTheSameBound) {
  // On rejection, drawing from p instead of the residual max(0, p - q).
  const Verifier resample_p = [](int32_t d, std::span<const TokenProb> q, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    const float p_d = kP[size_t(d)].prob;
    const float q_d = q.empty() ? 1.0f : q[size_t(d)].prob;
    if (u(rng) * q_d < p_d) return d;
    return DrawFrom(kP, rng);
  };
  // Accepting with probability p(d), forgetting q.
  const Verifier ignore_q = [](int32_t d, std::span<const TokenProb> q, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(rng) < kP[size_t(d)].prob) return d;
    bool accepted = false;
    return VerifyDraft(kP, d, q, rng, &accepted);
  };
  EXPECT_GT(ChiSquare(resample_p, kQ, -1, kSamples, 1u), kChi2Bound * 10);
  EXPECT_GT(ChiSquare(resample_p, {}, 2, kSamples, 1u), kChi2Bound * 10);
  EXPECT_GT(ChiSquare(ignore_q, kQ, -1, kSamples, 1u), kChi2Bound * 10);
}

TEST(VerifyDraftTest, AcceptsWhatTheTargetPrefersAndRefusesTheImpossible) {
  std::mt19937 rng(1);
  bool accepted = false;
  // p(0) = 0.30 > q(0) = 0.05: always accepted.
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(VerifyDraft(kP, 0, kQ, rng, &accepted), 0);
    EXPECT_TRUE(accepted);
  }
  // A token outside p's support (the grammar or top-k removed it) is never accepted.
  const std::vector<TokenProb> p = {{3, 0, 0.6f}, {1, 0, 0.4f}};
  for (int i = 0; i < 100; ++i) {
    const int32_t id = VerifyDraft(p, 2, {}, rng, &accepted);
    EXPECT_FALSE(accepted);
    EXPECT_TRUE(id == 3 || id == 1);
  }
}

// --- Prompt lookup ----------------------------------------------------------------------

TEST(LookupDraftTest, ContinuesTheLongestMatchingEarlierPlace) {
  LookupDraft lookup(/*ngram_min=*/2, /*ngram_max=*/8);
  Draft d;
  // "1 2 3 4 5 6 | 9 3 4 7 | 1 2 3": the end "1 2 3" matches at the start (3 tokens), "3" and
  // "3 4" elsewhere match less.
  const std::vector<int32_t> ctx = {1, 2, 3, 4, 5, 6, 9, 3, 4, 7, 1, 2, 3};
  lookup.Propose(ctx, 4, &d);
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{4, 5, 6, 9}));
  EXPECT_TRUE(d.q.empty());
  lookup.Propose(ctx, 2, &d);
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{4, 5}));
  // Of two equal matches the latest wins: its continuation is the most recent text.
  lookup.Propose(std::vector<int32_t>{5, 1, 2, 8, 5, 1, 2, 9, 7, 1, 2}, 3, &d);
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{9, 7, 1}));
  // A loop goes on repeating past the context's end: "7 8 9 7 8" matches 3 back.
  lookup.Propose(std::vector<int32_t>{1, 7, 8, 9, 7, 8, 9, 7, 8}, 5, &d);
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{9, 7, 8, 9, 7}));
  // Shorter than ngram_min: no draft.
  lookup.Propose(std::vector<int32_t>{1, 2, 3, 4, 9, 4}, 3, &d);
  EXPECT_TRUE(d.tokens.empty());
}

TEST(LookupDraftTest, DraftLengthFollowsWhatWasAccepted) {
  LookupDraft lookup(1, 8);
  Draft d;
  std::vector<int32_t> ctx = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1};
  lookup.Propose(ctx, 8, &d);
  ASSERT_EQ(d.tokens, (std::vector<int32_t>{2, 3, 4, 5, 6, 7, 8, 9}));
  // The target accepted 2, 3 and then chose 42: the next draft is at most 3 long.
  ctx.insert(ctx.end(), {2, 3, 42, 1, 2});
  lookup.Propose(ctx, 8, &d);
  EXPECT_EQ(lookup.limit(), 3);
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{3, 42, 1}));
  // All 3 accepted, plus the target's own: twice as long.
  ctx.insert(ctx.end(), {3, 42, 1, 2});
  lookup.Propose(ctx, 8, &d);
  EXPECT_EQ(lookup.limit(), 6);
  EXPECT_EQ(d.tokens.size(), 6u);
}

TEST(LookupDraftTest, ModeNamesAndOptionChecks) {
  EXPECT_EQ(*ParseSpecMode("lookup"), SpecMode::kLookup);
  EXPECT_EQ(*ParseSpecMode("off"), SpecMode::kOff);
  const Result<SpecMode> bad = ParseSpecMode("ngram");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'ngram'"), std::string::npos);
}

// --- Greedy decoding through Session: token-identical with and without a draft ----------

struct Output {
  std::vector<int32_t> ids;
  std::string text;
  Timings timings;
  int accepted_marks = 0;
};

Output Generate(const Model& model, const GenerateRequest& req, const SpecOptions& spec) {
  ThreadPool pool(2);
  SessionOptions so;
  so.n_ctx = 512;
  so.spec = spec;
  Session session(model, pool, so);
  Output run;
  const Status st = session.Generate(req, [&](const Event& e) {
    if (e.type == Event::Type::kToken) {
      run.ids.push_back(e.id);
      run.text += e.text;
      run.accepted_marks += e.draft == DraftMark::kAccepted;
    }
    if (e.type == Event::Type::kDone) {
      run.text += e.text;
      run.timings = e.timings;
    }
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return run;
}

std::unique_ptr<Model> LoadOrDie(const std::string& path) {
  Result<std::unique_ptr<Model>> m = Model::Load(path);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m).value() : nullptr;
}

const std::string kDemo = std::string(INFERNO_SOURCE_DIR) + "/models/inferno-demo-Q8_0.gguf";

GenerateRequest Request(const std::string& prompt, int max_tokens, float temperature) {
  GenerateRequest req;
  req.prompt = prompt;
  req.max_tokens = max_tokens;
  req.sampling.temperature = temperature;
  return req;
}

const char kCode[] =
    "def area(w, h):\n    return w * h\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n\n"
    "Rewrite it with a docstring:\n\ndef area(w, h):\n";

TEST(SpeculativeSessionTest, GreedyLookupIsTokenIdenticalOnTheDemoModel) {
  std::unique_ptr<Model> model = LoadOrDie(kDemo);
  ASSERT_NE(model, nullptr);
  GenerateRequest req = Request(kCode, 96, 0);
  req.top_k_events = 3;
  const Output plain = Generate(*model, req, {});
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  const Output fast = Generate(*model, req, spec);
  EXPECT_EQ(fast.ids, plain.ids);
  EXPECT_EQ(fast.text, plain.text);
  EXPECT_EQ(plain.timings.drafted_tokens, 0);
  EXPECT_GT(fast.timings.drafted_tokens, 0);
  EXPECT_EQ(fast.accepted_marks, fast.timings.accepted_tokens);
}

TEST(SpeculativeSessionTest, ARequestChoosesItsOwnSpeculation) {
  std::unique_ptr<Model> model = LoadOrDie(kDemo);
  ASSERT_NE(model, nullptr);
  GenerateRequest req;
  req.prompt = kCode;
  req.max_tokens = 96;  // as above, where lookup drafts
  req.sampling.temperature = 0;
  SpecOptions lookup;
  lookup.mode = SpecMode::kLookup;
  req.speculation = SpecMode::kLookup;
  EXPECT_GT(Generate(*model, req, {}).timings.drafted_tokens, 0);
  req.speculation = SpecMode::kOff;
  EXPECT_EQ(Generate(*model, req, lookup).timings.drafted_tokens, 0);
  // A draft model asked for where none is loaded: plain decoding.
  req.speculation = SpecMode::kDraft;
  EXPECT_EQ(Generate(*model, req, lookup).timings.drafted_tokens, 0);
}

TEST(SpeculativeSessionTest, StopStringsAndMaxTokensEndWhereThePlainRunEnds) {
  std::unique_ptr<Model> model =
      LoadOrDie(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
  ASSERT_NE(model, nullptr);
  GenerateRequest req;
  req.prompt = "one two three one two three one two three one two";
  req.sampling.temperature = 0;
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  spec.ngram_min = 1;
  for (int max_tokens : {1, 2, 5, 17, 40}) {
    req.max_tokens = max_tokens;
    const Output plain = Generate(*model, req, {});
    const Output fast = Generate(*model, req, spec);
    EXPECT_EQ(fast.ids, plain.ids) << "max_tokens " << max_tokens;
    ASSERT_EQ(int(fast.ids.size()), max_tokens);
  }
  req.max_tokens = 40;
  const Output whole = Generate(*model, req, {});
  ASSERT_GT(whole.text.size(), 12u);
  // A stop string in the middle of the output, ending the run inside a verified draft.
  req.stop = {whole.text.substr(whole.text.size() / 2, 4)};
  const Output plain = Generate(*model, req, {});
  const Output fast = Generate(*model, req, spec);
  EXPECT_EQ(fast.ids, plain.ids);
  EXPECT_EQ(fast.text, plain.text);
  EXPECT_LT(plain.ids.size(), whole.ids.size());
}

TEST(SpeculativeSessionTest, SampledRunsStayReproducibleWithASeed) {
  std::unique_ptr<Model> model = LoadOrDie(kDemo);
  ASSERT_NE(model, nullptr);
  GenerateRequest req = Request(kCode, 48, 0.8f);
  req.sampling.seed = 42;
  // All 48 tokens whatever this CPU's rounding samples (on ARM64 the seed's path met an end
  // of turn after 7): the check is that two runs agree, over enough tokens to draft.
  req.ignore_eos = true;
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  const Output a = Generate(*model, req, spec);
  const Output b = Generate(*model, req, spec);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(int(a.ids.size()), 48);
  EXPECT_GT(a.timings.drafted_tokens, 0);
}

TEST(SpeculativeSessionTest, GrammarConstrainedGreedyIsTokenIdentical) {
  std::unique_ptr<Model> model =
      LoadOrDie(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
  ASSERT_NE(model, nullptr);
  Result<grammar::Grammar> g =
      grammar::ParseGbnf("root ::= (\"one \" | \"two \" | \"three \")+ \".\"");
  ASSERT_TRUE(g.ok()) << g.status().message();
  GenerateRequest req = Request("one two three one two three one two three one two", 40, 0);
  req.grammar = std::make_shared<const grammar::Grammar>(std::move(g).value());
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  spec.ngram_min = 1;
  const Output plain = Generate(*model, req, {});
  const Output fast = Generate(*model, req, spec);
  EXPECT_EQ(fast.ids, plain.ids);
  EXPECT_EQ(fast.text, plain.text);
  EXPECT_GT(fast.timings.drafted_tokens, 0);
}

// Several sequences batched by the scheduler, one of them a request with n = 2, each with its
// own draft: every output equals the plain decode's.
struct Collected {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<int32_t>> ids{2};
  int ends_left = 1;
  Timings timings;

  EventSink Sink() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu);
      if (e.type == Event::Type::kToken) ids[size_t(e.choice)].push_back(e.id);
      if (e.type == Event::Type::kDone) timings = e.timings;
      if (e.type == Event::Type::kDone || e.type == Event::Type::kError) {
        if (--ends_left == 0) cv.notify_all();
      }
      return true;
    };
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(120), [&] { return ends_left <= 0; }));
  }
};

TEST(SpeculativeSchedulerTest, BatchedSequencesWithDraftsMatchPlainDecoding) {
  std::unique_ptr<Model> model = LoadOrDie(kDemo);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> prompts = {kCode, "Once upon a time, there was a fox.",
                                            "Once upon a time"};
  auto run_all = [&](const SpecOptions& spec) {
    SchedulerOptions so;
    so.n_slots = 4;
    so.n_ctx = 512;
    so.n_threads = 2;
    so.spec = spec;
    Scheduler sched(*model, so);
    EXPECT_EQ(sched.spec_note(), "");
    std::vector<std::unique_ptr<Collected>> out;
    for (size_t i = 0; i < prompts.size(); ++i) {
      GenerateRequest req = Request(prompts[i], 64, 0);
      req.ignore_eos = true;
      req.n = i == 2 ? 2 : 1;
      out.push_back(std::make_unique<Collected>());
      out.back()->ends_left = req.n;
      sched.Submit(req, out.back()->Sink());
    }
    for (auto& c : out) c->Wait();
    const SchedulerStats stats = sched.stats();
    EXPECT_EQ(stats.drafted_tokens > 0, spec.mode != SpecMode::kOff);
    return out;
  };
  SpecOptions spec;
  spec.mode = SpecMode::kLookup;
  const auto plain = run_all({});
  const auto fast = run_all(spec);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(fast[i]->ids[0], plain[i]->ids[0]) << prompts[i];
    EXPECT_EQ(int(fast[i]->ids[0].size()), 64);
  }
  // n = 2 at temperature 0: both sequences are the greedy one.
  EXPECT_EQ(fast[2]->ids[1], plain[2]->ids[0]);
}

TEST(SpeculativeSchedulerTest, RecurrentModelsDoNotSpeculateAndSayWhy) {
  ModelConfig c;
  c.arch_name = "qwen35";
  c.layer_is_recurrent = {true, false};
  EXPECT_NE(SpecUnsupported(c).find("recurrent"), std::string::npos);
  c.layer_is_recurrent = {false, false};
  EXPECT_EQ(SpecUnsupported(c), "");
}

TEST(SpeculativeDraftModelTest, RefusesADraftWithAnotherVocabulary) {
  std::unique_ptr<Model> target = LoadOrDie(kDemo);
  std::shared_ptr<const Model> other =
      LoadOrDie(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
  ASSERT_NE(target, nullptr);
  ASSERT_NE(other, nullptr);
  SpecOptions spec;
  spec.mode = SpecMode::kDraft;
  spec.draft = other;
  const Status st = CheckSpecOptions(spec, *target);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("different vocabularies"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("tokens against"), std::string::npos) << st.message();
}

// The demo model drafting for itself, 4 tokens at a time.
SpecOptions SelfDraft() {
  SpecOptions spec;
  spec.mode = SpecMode::kDraft;
  spec.draft = LoadOrDie(kDemo);
  spec.draft_max = 4;
  return spec;
}

// The target as its own draft: every greedy draft token is the target's own choice, so all are
// accepted (up to numerics of batched against single-row passes), and the output is unchanged.
TEST(SpeculativeDraftModelTest, GreedyWithADraftModelIsTokenIdentical) {
  std::unique_ptr<Model> model = LoadOrDie(kDemo);
  ASSERT_NE(model, nullptr);
  SpecOptions spec = SelfDraft();
  ASSERT_TRUE(CheckSpecOptions(spec, *model).ok());
  GenerateRequest req = Request("Once upon a time", 48, 0);
  req.ignore_eos = true;
  const Output plain = Generate(*model, req, {});
  const Output fast = Generate(*model, req, spec);
  EXPECT_EQ(fast.ids, plain.ids);
  EXPECT_GT(fast.timings.drafted_tokens, 0);
  EXPECT_GT(fast.timings.accepted_tokens, fast.timings.drafted_tokens * 9 / 10);
}

// Sampling with a draft model: q is reported and the rejection scheme runs; with the target as
// its own draft p = q, so nearly every draft is accepted, and a seed replays the run.
TEST(SpeculativeDraftModelTest, SampledWithADraftModelAcceptsWhenPEqualsQ) {
  std::unique_ptr<Model> model = LoadOrDie(kDemo);
  ASSERT_NE(model, nullptr);
  SpecOptions spec = SelfDraft();
  spec.draft_p_min = 0;
  GenerateRequest req = Request("Once upon a time", 48, 0.8f);
  req.sampling.seed = 5;
  req.ignore_eos = true;
  const Output a = Generate(*model, req, spec);
  const Output b = Generate(*model, req, spec);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(int(a.ids.size()), 48);
  EXPECT_GT(a.timings.drafted_tokens, 0);
  EXPECT_GT(a.timings.accepted_tokens, a.timings.drafted_tokens * 8 / 10);
}

}  // namespace
}  // namespace inferno
