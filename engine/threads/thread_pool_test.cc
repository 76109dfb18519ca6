#include "engine/threads/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace inferno {
namespace {

TEST(ThreadPool, EveryIndexRunsExactlyOnceAcrossManyRuns) {
  for (int n : {1, 2, 3, 5}) {
    ThreadPool pool(n);
    std::vector<std::atomic<int>> hits(n);
    const int runs =
        n <= 2 ? 2000 : 200;  // more threads than cores: each run waits on the scheduler
    for (int run = 0; run < runs; ++run) {
      pool.Run([&](int i, int total) {
        ASSERT_EQ(total, n);
        hits[i].fetch_add(1);
      });
    }
    for (int i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), runs) << "pool " << n << " thread " << i;
  }
}

// Plain (non-atomic) writes made by the workers must be visible to the caller once Run()
// returns, and the caller's writes before Run() visible to the workers.
TEST(ThreadPool, RunPublishesWritesBothWays) {
  ThreadPool pool(3);
  std::vector<int> out(3, -1);
  int input = 0;
  for (int run = 0; run < 3000; ++run) {
    input = run;
    pool.Run([&](int i, int) { out[i] = input; });
    for (int i = 0; i < 3; ++i) ASSERT_EQ(out[i], run) << "thread " << i;
  }
}

TEST(ThreadPool, SizeAndSingleThreadRunsInline) {
  EXPECT_EQ(ThreadPool(0).size(), 1);
  ThreadPool pool(1);
  EXPECT_EQ(pool.size(), 1);
  const std::thread::id caller = std::this_thread::get_id();
  pool.Run([&](int i, int n) {
    EXPECT_EQ(i, 0);
    EXPECT_EQ(n, 1);
    EXPECT_EQ(std::this_thread::get_id(), caller);
  });
}

TEST(ThreadPool, ParallelForCoversRangeOnceWithAlignment) {
  ThreadPool pool(3);
  for (int64_t n : {0, 1, 15, 16, 100, 1001}) {
    std::vector<std::atomic<int>> seen(n);
    pool.ParallelFor(
        n,
        [&](int64_t b, int64_t e) {
          EXPECT_EQ(b % 16, 0);
          for (int64_t i = b; i < e; ++i) seen[i].fetch_add(1);
        },
        16);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

}  // namespace
}  // namespace inferno
