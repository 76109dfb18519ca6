// EventQueue bounded with the scheduler: a reader that stops pauses only its generation.
#include "server/event_queue.h"

#include <gtest/gtest.h>

#include <memory>

#include "engine/runtime/scheduler.h"

namespace inferno::server {
namespace {

GenerateRequest Greedy(const std::string& prompt, int n) {
  GenerateRequest r;
  r.prompt = prompt;
  r.max_tokens = n;
  r.sampling.temperature = 0;
  r.ignore_eos = true;
  return r;
}

// Pops until the generation's last event; returns its token count.
int DrainTokens(EventQueue& q) {
  int tokens = 0;
  for (;;) {
    const Event e = q.Pop();
    if (e.type == Event::Type::kToken) ++tokens;
    if (e.type == Event::Type::kDone || e.type == Event::Type::kError) return tokens;
  }
}

TEST(EventQueue, ReadyUntilTheReaderIsMaxBytesBehind) {
  const Event e;
  EventQueue q(2 * EventBytes(e));
  EXPECT_TRUE(q.Ready());
  EXPECT_TRUE(q.Push(e));
  EXPECT_TRUE(q.Push(e));
  EXPECT_TRUE(q.Ready());
  EXPECT_TRUE(q.Push(e));
  EXPECT_FALSE(q.Ready());
  EXPECT_EQ(q.queued_bytes(), 3 * EventBytes(e));
  q.Pop();
  EXPECT_TRUE(q.Ready());
  EXPECT_TRUE(q.Push(e));
  EXPECT_FALSE(q.Ready());
  // Abandoned: ready, so the generation reaches its sink, which cancels it.
  q.Abandon();
  EXPECT_TRUE(q.Ready());
  EXPECT_FALSE(q.Push(e));
}

TEST(EventQueue, BigEventsCountTheirPayload) {
  Event small, big;
  big.logits.resize(1000);
  EXPECT_GE(EventBytes(big), EventBytes(small) + 1000 * sizeof(float));
}

// A stream whose client does not read: its queue stays bounded while another request on
// the same scheduler runs to its end (so the scheduler stepped many times meanwhile), and
// the stalled one finishes whole once read again.
TEST(EventQueue, AReaderThatStopsPausesOnlyItsGeneration) {
  Result<std::unique_ptr<Model>> m =
      Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
  ASSERT_TRUE(m.ok()) << m.status().message();
  Scheduler sched(**m, SchedulerOptions{.n_slots = 2, .n_ctx = 256, .n_threads = 2});

  auto stalled = std::make_shared<EventQueue>(4 * 1024);
  sched.Submit(
      Greedy("Once upon a time", 200), [stalled](const Event& e) { return stalled->Push(e); },
      [stalled] { return stalled->Ready(); });
  auto other = std::make_shared<EventQueue>();
  sched.Submit(
      Greedy("The quick brown fox", 100), [other](const Event& e) { return other->Push(e); },
      [other] { return other->Ready(); });

  EXPECT_EQ(DrainTokens(*other), 100);
  // Unpaced, the stalled stream would hold about 100 token events by now.
  Event one_token;
  one_token.piece = std::string(64, 'x');
  EXPECT_LE(stalled->queued_bytes(), stalled->max_bytes() + 2 * EventBytes(one_token));
  EXPECT_EQ(DrainTokens(*stalled), 200);
}

}  // namespace
}  // namespace inferno::server
