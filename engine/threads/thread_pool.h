// One persistent pool of worker threads. The calling thread takes part as worker 0, so a
// pool of size 1 runs everything inline. Run() is a fork/join with a low-latency barrier
// (spin, then sleep), cheap enough to call several times per layer during decode.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "engine/util/thread_annotations.h"

namespace inferno {

class ThreadPool {
 public:
  // n_threads >= 1 is the total number of threads, including the caller.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, n_threads) once on every thread and returns when all are done.
  // Not reentrant: fn must not call Run() on the same pool.
  template <typename Fn>
  void Run(Fn&& fn) {
    RunImpl(&fn, [](void* ctx, int i, int n) { (*static_cast<Fn*>(ctx))(i, n); });
  }

  // Splits [0, n) into contiguous ranges, one per thread, and calls fn(begin, end) for each
  // non-empty range. `align` rounds range boundaries to a multiple (e.g. rows per SIMD tile).
  template <typename Fn>
  void ParallelFor(int64_t n, Fn&& fn, int64_t align = 1) {
    Run([&](int i, int nt) {
      int64_t per = (n + nt - 1) / nt;
      per = (per + align - 1) / align * align;
      const int64_t begin = per * i;
      const int64_t end = begin + per < n ? begin + per : n;
      if (begin < end) fn(begin, end);
    });
  }

 private:
  using Thunk = void (*)(void*, int, int);
  void RunImpl(void* ctx, Thunk thunk) EXCLUDES(mu_);
  void WorkerLoop(int index) EXCLUDES(mu_);

  int n_threads_;
  std::vector<std::thread> workers_;
  // Job publication: generation_ increments per Run(); workers spin on it, then sleep.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  void* job_ctx_ = nullptr;
  Thunk job_thunk_ = nullptr;
  // Guards no field of its own: generation_ is atomic (workers spin on it without a lock),
  // but it only changes with mu_ held, so a worker that checked it under mu_ and went to
  // sleep on cv_ cannot miss the change.
  Mutex mu_;
  CondVar cv_;  // generation_ changed
};

}  // namespace inferno
