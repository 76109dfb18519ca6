#include "engine/threads/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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
