#include "engine/runtime/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "engine/runtime/session.h"

namespace inferno {
namespace {

// Collects one request's events and lets the test wait for its end.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Event> events;
  bool ended = false;
  int stop_after_tokens = -1;  // sink returns false after this many tokens
  int sequences = 1;           // kDone events that end the request (its n)

  EventSink Sink() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu);
      events.push_back(e);
      if ((e.type == Event::Type::kDone && --sequences == 0) || e.type == Event::Type::kError) {
        ended = true;
        cv.notify_all();
      }
      return stop_after_tokens < 0 || Tokens().size() < size_t(stop_after_tokens);
    };
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return ended; }));
  }
  std::vector<int32_t> Tokens() const {
    std::vector<int32_t> ids;
    for (const Event& e : events) {
      if (e.type == Event::Type::kToken) ids.push_back(e.id);
    }
    return ids;
  }
  const Event& Last() const { return events.back(); }
};

GenerateRequest Greedy(const std::string& prompt, int n) {
  GenerateRequest r;
  r.prompt = prompt;
  r.max_tokens = n;
  r.sampling.temperature = 0;
  r.ignore_eos = true;
  return r;
}

const char* const kPrompts[] = {"The quick brown fox",  "Once upon a time",
                                "In the beginning was", "1, 2, 3, 4,",
                                "Hello world",          "A long time ago in a galaxy"};

class SchedulerTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Model>> m =
        Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/" + GetParam());
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value();
  }

  // What one sequence alone produces (the reference for batched runs).
  std::vector<Event> Alone(const GenerateRequest& req) {
    ThreadPool pool(2);
    Session s(*model_, pool, SessionOptions{.n_ctx = 256, .n_batch = 256});
    std::vector<Event> events;
    EXPECT_TRUE(s.Generate(req, [&](const Event& e) {
                   events.push_back(e);
                   return true;
                 }).ok());
    return events;
  }

  std::unique_ptr<Model> model_;
};

std::vector<int32_t> TokensOf(const std::vector<Event>& events) {
  std::vector<int32_t> ids;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken) ids.push_back(e.id);
  }
  return ids;
}

// Several sequences in one forward pass (and more requests than slots, so sequences join
// while others decode) must give each exactly what it gives alone.
TEST_P(SchedulerTest, BatchedSequencesMatchEachAlone) {
  std::vector<std::unique_ptr<Collector>> out;
  {
    Scheduler sched(*model_,
                    SchedulerOptions{.n_slots = 4, .n_ctx = 256, .n_batch = 8, .n_threads = 2});
    for (int i = 0; i < 6; ++i) {
      out.push_back(std::make_unique<Collector>());
      sched.Submit(Greedy(kPrompts[i], 10 + 3 * i), out.back()->Sink());
    }
    for (auto& c : out) c->Wait();
    const SchedulerStats st = sched.stats();
    EXPECT_EQ(st.completed, 6u);
    EXPECT_EQ(st.active, 0);
    EXPECT_EQ(st.queued, 0);
  }
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(kPrompts[i]);
    const std::vector<Event> want = Alone(Greedy(kPrompts[i], 10 + 3 * i));
    EXPECT_EQ(out[i]->Tokens(), TokensOf(want));
    EXPECT_EQ(out[i]->Last().type, Event::Type::kDone);
    EXPECT_EQ(out[i]->Last().finish_reason, "length");
    EXPECT_EQ(out[i]->Last().timings.generated_tokens, 10 + 3 * i);
    // Same chosen-token logits within float rounding of a different batch grouping.
    size_t k = 0;
    for (const Event& e : out[i]->events) {
      if (e.type != Event::Type::kToken) continue;
      while (want[k].type != Event::Type::kToken) ++k;
      EXPECT_NEAR(e.logit, want[k].logit, 2e-3f);
      EXPECT_EQ(e.position, want[k].position);
      ++k;
    }
  }
}

std::vector<int32_t> TokensOfChoice(const std::vector<Event>& events, int choice) {
  std::vector<int32_t> ids;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken && e.choice == choice) ids.push_back(e.id);
  }
  return ids;
}

// n = 3: the prompt is evaluated once, copied into two more slots, and the three sequences
// decoded together; sequence i must be exactly what a request alone with seed 42 + i gives.
TEST_P(SchedulerTest, NChoicesShareOnePrefillAndEachMatchesItsSeedAlone) {
  GenerateRequest req = Greedy("Once upon a time there was", 12);
  // Hot enough that every fixture's draws differ between seeds.
  req.sampling.temperature = 3.0f;
  req.sampling.top_k = 0;
  req.sampling.top_p = 1;
  req.sampling.min_p = 0;
  req.sampling.seed = 42;
  req.n = 3;
  Collector c;
  c.sequences = 3;
  SchedulerStats st;
  {
    // A batch of 8 rows: the prompt takes several steps before the forks start.
    Scheduler sched(*model_,
                    SchedulerOptions{.n_slots = 3, .n_ctx = 256, .n_batch = 8, .n_threads = 2});
    sched.Submit(req, c.Sink());
    c.Wait();
    st = sched.stats();
  }
  int prompt_tokens = 0, dones = 0;
  for (const Event& e : c.events) {
    if (e.type == Event::Type::kPrompt) prompt_tokens = int(e.prompt_tokens.size());
    dones += e.type == Event::Type::kDone;
  }
  EXPECT_EQ(dones, 3);
  EXPECT_EQ(st.completed, 3u);
  EXPECT_EQ(st.active, 0);
  // One prefill, not three. (Generated tokens are counted after the step's events, so the
  // last step's may not be in yet.)
  EXPECT_EQ(st.prompt_tokens, uint64_t(prompt_tokens));
  std::vector<std::vector<int32_t>> choices;
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    GenerateRequest alone = req;
    alone.n = 1;
    alone.sampling.seed = 42 + uint64_t(i);
    choices.push_back(TokensOfChoice(c.events, i));
    EXPECT_EQ(choices.back().size(), 12u);
    EXPECT_EQ(choices.back(), TokensOf(Alone(alone)));
  }
  EXPECT_TRUE(choices[0] != choices[1] || choices[1] != choices[2]);
}

// logit_bias moves the logits before sampling and before the reported probabilities.
TEST_P(SchedulerTest, LogitBiasIsAppliedBeforeSamplingAndProbabilities) {
  GenerateRequest req = Greedy("Once upon a time", 4);
  const std::vector<Event> plain = Alone(req);
  const int32_t first = TokensOf(plain).at(0);
  req.sampling.logit_bias = {{first, -100.0f}, {7, 100.0f}};
  const std::vector<Event> biased = Alone(req);
  EXPECT_EQ(TokensOf(biased), std::vector<int32_t>(4, 7));
  for (const Event& e : biased) {
    if (e.type == Event::Type::kToken) {
      EXPECT_GT(e.prob, 0.99f);
    }
  }
  req.sampling.logit_bias = {{first, -100.0f}};
  EXPECT_NE(TokensOf(Alone(req)).at(0), first);
}

// Tokens of one choice that a draft was about, by mark.
int Marked(const std::vector<Event>& events, DraftMark mark, int choice = 0) {
  int n = 0;
  for (const Event& e : events) {
    n += e.type == Event::Type::kToken && e.choice == choice && e.draft == mark;
  }
  return n;
}

// A server with --spec lookup and several slots: speculated sequences (the server's default,
// one asking for lookup itself, a greedy n = 2 whose forks draft apart) batched with one that
// turned speculation off and pauses for a while, more requests than slots so sequences join
// while others verify drafts, and a batch small enough that drafts and prompt chunks compete
// for its rows. Greedy output must be what each request gives alone without speculation.
TEST_P(SchedulerTest, SpeculatedAndPlainSequencesBatchedMatchEachAlone) {
  struct Case {
    GenerateRequest req;
    bool speculated;
  };
  std::vector<Case> cases = {
      {Greedy("one two three four one two three four one two three", 40), true},
      {Greedy("The cat sat on the mat. The cat sat on the", 30), false},
      {Greedy("a b a b a b a b", 36), true},
      {Greedy("1, 2, 3, 4, 1, 2, 3, 4,", 24), true},
  };
  cases[1].req.speculation = SpecMode::kOff;
  cases[2].req.speculation = SpecMode::kLookup;
  cases[3].req.n = 2;
  SchedulerOptions so;
  so.n_slots = 3;
  so.n_ctx = 256;
  so.n_batch = 8;
  so.n_threads = 2;
  so.spec.mode = SpecMode::kLookup;
  so.spec.ngram_min = 1;  // random weights repeat little: draft as often as possible
  std::vector<std::unique_ptr<Collector>> out;
  {
    Scheduler sched(*model_, so);
    for (const Case& c : cases) {
      out.push_back(std::make_unique<Collector>());
      out.back()->sequences = c.req.n;
    }
    // The plain request waits (its slot kept) until the first has a few tokens.
    Collector* first = out[0].get();
    auto ready = [first] {
      std::lock_guard<std::mutex> lock(first->mu);
      return first->ended || first->Tokens().size() >= 6;
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      sched.Submit(cases[i].req, out[i]->Sink(), i == 1 ? ready : std::function<bool()>());
    }
    for (auto& c : out) c->Wait();
  }
  int drafted = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].req.prompt);
    GenerateRequest alone = cases[i].req;
    alone.n = 1;
    alone.speculation = SpecMode::kOff;
    const std::vector<int32_t> want = TokensOf(Alone(alone));
    ASSERT_EQ(want.size(), size_t(cases[i].req.max_tokens));
    for (int choice = 0; choice < cases[i].req.n; ++choice) {
      EXPECT_EQ(TokensOfChoice(out[i]->events, choice), want) << "choice " << choice;
      const int accepted = Marked(out[i]->events, DraftMark::kAccepted, choice);
      const int rejected = Marked(out[i]->events, DraftMark::kRejected, choice);
      if (!cases[i].speculated) {
        EXPECT_EQ(accepted + rejected + Marked(out[i]->events, DraftMark::kBonus, choice), 0);
      }
    }
    for (const Event& e : out[i]->events) {
      if (e.type != Event::Type::kDone) continue;
      EXPECT_EQ(e.timings.generated_tokens, cases[i].req.max_tokens);
      if (!cases[i].speculated) {
        EXPECT_EQ(e.timings.drafted_tokens, 0);
      }
      EXPECT_LE(Marked(out[i]->events, DraftMark::kAccepted, e.choice), e.timings.accepted_tokens);
      EXPECT_LE(e.timings.accepted_tokens, e.timings.drafted_tokens);
      drafted += e.timings.drafted_tokens;
    }
  }
  EXPECT_GT(drafted, 0);  // the repeating prompts must have drafted something
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SchedulerTest,
                         ::testing::Values("llama-tiny-Q8_0.gguf", "llama-tiny-Q4_K_M.gguf",
                                           "gemma3-tiny-Q8_0.gguf", "phi3-tiny-Q8_0.gguf",
                                           "qwen2-tiny-Q8_0.gguf"));

class SchedulerControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Model>> m =
        Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value();
  }
  std::unique_ptr<Model> model_;
};

TEST_F(SchedulerControlTest, SinkStopAndCancelEndOnlyTheirRequest) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 3, .n_ctx = 256, .n_threads = 2});
  Collector stopped, cancelled, normal;
  stopped.stop_after_tokens = 3;
  sched.Submit(Greedy("Once upon a time", 50), stopped.Sink());
  // A request long enough that Cancel() lands while it runs.
  const Scheduler::Ticket t = sched.Submit(Greedy("The quick brown fox", 200), cancelled.Sink());
  sched.Submit(Greedy("Hello world", 20), normal.Sink());
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(cancelled.mu);
      if (cancelled.Tokens().size() >= 2) break;
    }
    std::this_thread::yield();
  }
  sched.Cancel(t);
  stopped.Wait();
  cancelled.Wait();
  normal.Wait();
  EXPECT_EQ(stopped.Tokens().size(), 3u);
  EXPECT_EQ(stopped.Last().finish_reason, "cancelled");
  EXPECT_LT(cancelled.Tokens().size(), 200u);
  EXPECT_EQ(cancelled.Last().finish_reason, "cancelled");
  EXPECT_EQ(normal.Tokens().size(), 20u);
  EXPECT_EQ(normal.Last().finish_reason, "length");
  sched.Cancel(t);     // finished ticket: no-op
  sched.Cancel(9999);  // unknown ticket: no-op
}

TEST_F(SchedulerControlTest, BadRequestGetsErrorAndOthersContinue) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 2, .n_ctx = 16, .n_threads = 2});
  Collector too_long, empty, ok;
  sched.Submit(Greedy(std::string(200, 'a') + " b c d e f g h i j k l m n o p", 5),
               too_long.Sink());
  GenerateRequest nothing = Greedy("", 5);
  sched.Submit(nothing, empty.Sink());
  sched.Submit(Greedy("Hello", 4), ok.Sink());
  too_long.Wait();
  empty.Wait();
  ok.Wait();
  ASSERT_EQ(too_long.Last().type, Event::Type::kError);
  EXPECT_NE(too_long.Last().error.message().find("context holds 16"), std::string::npos)
      << too_long.Last().error.message();
  EXPECT_EQ(ok.Tokens().size(), 4u);
  // The empty prompt still has BOS on this model, so it generates.
  EXPECT_EQ(empty.Last().type, Event::Type::kDone);
}

TEST_F(SchedulerControlTest, MoreChoicesThanSlotsIsAnError) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 2, .n_ctx = 256, .n_threads = 2});
  GenerateRequest req = Greedy("Hello", 4);
  req.n = 3;
  Collector c;
  sched.Submit(req, c.Sink());
  c.Wait();
  ASSERT_EQ(c.Last().type, Event::Type::kError);
  EXPECT_EQ(c.Last().error.code(), Status::Code::kInvalidArgument);
  // The scheduler goes on with the next request.
  Collector ok;
  sched.Submit(Greedy("Hello", 4), ok.Sink());
  ok.Wait();
  EXPECT_EQ(ok.Tokens().size(), 4u);
}

// A request with n > 1 cancelled while its prompt is evaluated ends every sequence.
TEST_F(SchedulerControlTest, CancellingAChoicesRequestEndsAllItsSequences) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 3, .n_ctx = 256, .n_threads = 2});
  GenerateRequest req = Greedy("Hello there, how are you today?", 50);
  req.n = 3;
  Collector c;
  c.sequences = 3;
  c.stop_after_tokens = 2;
  sched.Submit(req, c.Sink());
  c.Wait();
  for (int i = 0; i < 3; ++i) EXPECT_LE(TokensOfChoice(c.events, i).size(), 3u);
  EXPECT_EQ(sched.stats().active, 0);
}

TEST_F(SchedulerControlTest, ContextFullEndsWithLength) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 12, .n_threads = 2});
  Collector c;
  sched.Submit(Greedy("Hello world", 100), c.Sink());
  c.Wait();
  EXPECT_EQ(c.Last().finish_reason, "length");
  // Positions 0..11 hold prompt + generated tokens; the last token is sampled, not cached.
  const int prompt = int(c.events.front().prompt_tokens.size());
  EXPECT_EQ(int(c.Tokens().size()), 12 - prompt);
}

TEST_F(SchedulerControlTest, DestructionEndsQueuedAndRunningRequests) {
  std::vector<std::unique_ptr<Collector>> out;
  {
    Scheduler sched(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 256, .n_threads = 2});
    for (int i = 0; i < 3; ++i) {
      out.push_back(std::make_unique<Collector>());
      sched.Submit(Greedy("Once upon a time", 250), out.back()->Sink());
    }
  }
  int done = 0, errors = 0;
  for (auto& c : out) {
    ASSERT_TRUE(c->ended);
    if (c->Last().type == Event::Type::kDone) {
      ++done;
      EXPECT_NE(c->Last().finish_reason, "stop");
    } else {
      ++errors;
    }
  }
  EXPECT_EQ(done + errors, 3);
  EXPECT_GE(errors, 1);  // one slot: the later requests were still queued
}

// A request whose client is not ready holds its slot without progressing: the way to keep
// every slot busy for as long as a test needs, without timing.
struct Holder {
  std::atomic<bool> go{false};
  Collector events;
  std::function<bool()> Ready() {
    return [this] { return go.load(); };
  }
};

// A request with n > 1 waits unless n slots are free, so it needs a queue place sooner.
TEST_F(SchedulerControlTest, TrySubmitCountsTheSlotsOfEveryChoice) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 3, .n_ctx = 256, .n_threads = 2});
  Holder holder;
  sched.Submit(Greedy("Once upon a time", 20), holder.events.Sink(), holder.Ready());
  GenerateRequest three = Greedy("Hello", 3);
  three.n = 3;
  Collector refused;
  EXPECT_FALSE(sched.TrySubmit(three, refused.Sink(), nullptr, std::make_shared<QueueLimit>(0)));
  GenerateRequest two = Greedy("Hello", 3);
  two.n = 2;
  Collector fits;
  fits.sequences = 2;
  ASSERT_TRUE(sched.TrySubmit(two, fits.Sink(), nullptr, std::make_shared<QueueLimit>(0)));
  fits.Wait();
  EXPECT_EQ(fits.Tokens().size(), 6u);
  holder.go = true;
  holder.events.Wait();
  EXPECT_TRUE(refused.events.empty());
}

TEST_F(SchedulerControlTest, TrySubmitRefusesOnlyWhenItWouldWaitAndTheLimitIsFull) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 256, .n_threads = 2});
  auto limit = std::make_shared<QueueLimit>(1);
  // A free slot needs no place, even from a limit of zero.
  Collector first;
  ASSERT_TRUE(
      sched.TrySubmit(Greedy("Hello", 3), first.Sink(), nullptr, std::make_shared<QueueLimit>(0)));
  first.Wait();
  EXPECT_EQ(first.Tokens().size(), 3u);

  Holder holder;
  sched.Submit(Greedy("Once upon a time", 20), holder.events.Sink(), holder.Ready());
  Collector waiting, refused, cancelled;
  const std::optional<Scheduler::Ticket> w =
      sched.TrySubmit(Greedy("Hello world", 5), waiting.Sink(), nullptr, limit);
  ASSERT_TRUE(w);
  EXPECT_EQ(limit->waiting(), 1);
  EXPECT_FALSE(sched.TrySubmit(Greedy("Hello", 5), refused.Sink(), nullptr, limit));
  EXPECT_EQ(limit->waiting(), 1);

  // A waiting request that is cancelled gives its place back.
  const std::optional<Scheduler::Ticket> c = sched.TrySubmit(
      Greedy("Hello", 5), cancelled.Sink(), nullptr, std::make_shared<QueueLimit>(1));
  ASSERT_TRUE(c);
  sched.Cancel(*c);
  cancelled.Wait();
  EXPECT_EQ(cancelled.Last().finish_reason, "cancelled");

  // Once the slot frees up, the waiting request runs in full and its place is free again.
  holder.go = true;
  holder.events.Wait();
  waiting.Wait();
  EXPECT_EQ(holder.events.Tokens().size(), 20u);
  EXPECT_EQ(waiting.Tokens().size(), 5u);
  EXPECT_EQ(waiting.Last().finish_reason, "length");
  EXPECT_EQ(limit->waiting(), 0);
  EXPECT_TRUE(refused.events.empty());  // a refused request never hears from the scheduler
  Collector again;
  ASSERT_TRUE(sched.TrySubmit(Greedy("Hello", 2), again.Sink(), nullptr, limit));
  again.Wait();
  EXPECT_EQ(again.Tokens().size(), 2u);
}

TEST_F(SchedulerControlTest, OneQueueLimitBoundsTheWaitingOfSeveralSchedulers) {
  Scheduler a(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 64, .n_threads = 1});
  Scheduler b(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 64, .n_threads = 1});
  auto limit = std::make_shared<QueueLimit>(1);
  Holder hold_a, hold_b;
  a.Submit(Greedy("Hello", 4), hold_a.events.Sink(), hold_a.Ready());
  b.Submit(Greedy("Hello", 4), hold_b.events.Sink(), hold_b.Ready());
  Collector on_a, on_b;
  ASSERT_TRUE(a.TrySubmit(Greedy("Hi", 2), on_a.Sink(), nullptr, limit));
  EXPECT_FALSE(b.TrySubmit(Greedy("Hi", 2), on_b.Sink(), nullptr, limit));
  hold_a.go = true;
  hold_b.go = true;
  on_a.Wait();
  EXPECT_EQ(on_a.Tokens().size(), 2u);
  hold_a.events.Wait();
  hold_b.events.Wait();
  EXPECT_EQ(limit->waiting(), 0);
}

TEST_F(SchedulerControlTest, DestructionGivesBackThePlacesOfQueuedRequests) {
  auto limit = std::make_shared<QueueLimit>(4);
  Holder holder;
  Collector queued;
  {
    Scheduler sched(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 64, .n_threads = 1});
    sched.Submit(Greedy("Hello", 4), holder.events.Sink(), holder.Ready());
    ASSERT_TRUE(sched.TrySubmit(Greedy("Hi", 2), queued.Sink(), nullptr, limit));
    EXPECT_EQ(limit->waiting(), 1);
  }
  EXPECT_EQ(limit->waiting(), 0);
  ASSERT_TRUE(queued.ended);
  EXPECT_EQ(queued.Last().type, Event::Type::kError);
}

}  // namespace
}  // namespace inferno
