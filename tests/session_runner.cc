#include "tests/session_runner.h"

#include <gtest/gtest.h>

namespace inferno::testing {

std::vector<Event> RunSession(const Model& model, const GenerateRequest& req, int n_ctx,
                              int n_batch) {
  ThreadPool pool(2);
  SessionOptions so;
  so.n_ctx = n_ctx;
  so.n_batch = n_batch;
  Session session(model, pool, so);
  std::vector<Event> events;
  const Status st = session.Generate(req, [&](const Event& e) {
    events.push_back(e);
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return events;
}

}  // namespace inferno::testing
