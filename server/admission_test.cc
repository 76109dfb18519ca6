#include "server/admission.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace inferno::server {
namespace {

Request From(std::string remote, Headers headers = {}) {
  Request r;
  r.remote = std::move(remote);
  r.headers = std::move(headers);
  return r;
}

TEST(ClientOf, AddressOriginAndKeyTellClientsApart) {
  const std::string plain = ClientOf(From("127.0.0.1:40000"));
  EXPECT_EQ(ClientOf(From("127.0.0.1:40001")), plain);  // a new connection, the same client
  EXPECT_NE(ClientOf(From("127.0.0.2:40000")), plain);
  EXPECT_EQ(ClientOf(From("::1:40000")), ClientOf(From("::1:50000")));
  EXPECT_NE(ClientOf(From("127.0.0.1:1", {{"origin", "http://a.example"}})), plain);
  EXPECT_NE(ClientOf(From("127.0.0.1:1", {{"origin", "http://a.example"}})),
            ClientOf(From("127.0.0.1:1", {{"origin", "http://b.example"}})));
  const std::string keyed = ClientOf(From("127.0.0.1:1", {{"authorization", "Bearer sk-one"}}));
  EXPECT_NE(keyed, plain);
  EXPECT_NE(keyed, ClientOf(From("127.0.0.1:1", {{"authorization", "Bearer sk-two"}})));
  EXPECT_EQ(keyed, ClientOf(From("127.0.0.1:2", {{"authorization", "Bearer sk-one"}})));
  EXPECT_EQ(keyed.find("sk-one"), std::string::npos);  // only a hash of the key is kept
}

class AdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Model>> m =
        Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf");
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value();
  }

  static GenerateRequest Short() {
    GenerateRequest r;
    r.prompt = "Hello";
    r.max_tokens = 4;
    r.ignore_eos = true;
    return r;
  }

  std::unique_ptr<Model> model_;
};

TEST_F(AdmissionTest, ClientBoundThenQueueBoundEachNamingItsFlag) {
  // Requests that are not ready hold their slots: both slots stay busy until `go`.
  std::atomic<bool> go{false};
  std::atomic<int> ended{0};
  auto sink = [&](const Event& e) {
    if (e.type == Event::Type::kDone || e.type == Event::Type::kError) ++ended;
    return true;
  };
  auto ready = [&] { return go.load(); };
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 2, .n_ctx = 64, .n_threads = 1});
  Admission admission({.max_queue = 0, .max_client_requests = 1});
  std::string why;

  std::optional<Admission::Admitted> x = admission.Submit("x", sched, Short(), sink, ready, &why);
  ASSERT_TRUE(x);
  EXPECT_FALSE(admission.Submit("x", sched, Short(), sink, ready, &why));
  EXPECT_NE(why.find("--max-client-requests"), std::string::npos) << why;
  EXPECT_EQ(admission.refused_client_limit(), 1u);

  std::optional<Admission::Admitted> y = admission.Submit("y", sched, Short(), sink, ready, &why);
  ASSERT_TRUE(y);
  // Both slots busy and no queue: refused, and the client's place is not kept.
  EXPECT_FALSE(admission.Submit("z", sched, Short(), sink, ready, &why));
  EXPECT_NE(why.find("--max-queue"), std::string::npos) << why;
  EXPECT_EQ(admission.refused_queue_full(), 1u);
  // Once x's place is released, x is only held back by the queue.
  x->Release();
  EXPECT_FALSE(admission.Submit("x", sched, Short(), sink, ready, &why));
  EXPECT_NE(why.find("--max-queue"), std::string::npos) << why;
  EXPECT_EQ(admission.refused_client_limit(), 1u);

  go = true;
  while (ended < 2) std::this_thread::yield();
  std::optional<Admission::Admitted> z = admission.Submit("z", sched, Short(), sink, ready, &why);
  EXPECT_TRUE(z);
  while (ended < 3) std::this_thread::yield();
}

// Embeddings take no sequence slot but count against the same per-client bound.
TEST_F(AdmissionTest, PlacesWithoutASlotShareTheClientBound) {
  Scheduler sched(*model_, SchedulerOptions{.n_slots = 1, .n_ctx = 64, .n_threads = 1});
  Admission admission({.max_queue = 4, .max_client_requests = 2});
  std::string why;
  std::optional<Admission::Admitted> a = admission.TakePlace("x", &why);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ticket(), 0u);
  std::optional<Admission::Admitted> b = admission.TakePlace("x", &why);
  ASSERT_TRUE(b);
  EXPECT_FALSE(admission.TakePlace("x", &why));
  EXPECT_NE(why.find("--max-client-requests"), std::string::npos) << why;
  // A generation of the same client is refused too, another client's is not.
  EXPECT_FALSE(admission.Submit("x", sched, Short(), nullptr, nullptr, &why));
  EXPECT_EQ(admission.refused_client_limit(), 2u);
  EXPECT_TRUE(admission.TakePlace("y", &why));
  b->Release();
  b->Release();  // idempotent: one place back, not two
  std::optional<Admission::Admitted> c = admission.TakePlace("x", &why);
  EXPECT_TRUE(c);
  EXPECT_FALSE(admission.TakePlace("x", &why));
}

}  // namespace
}  // namespace inferno::server
