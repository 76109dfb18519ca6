#include "engine/threads/thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define INFERNO_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define INFERNO_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define INFERNO_CPU_RELAX() ((void)0)
#endif

namespace inferno {
namespace {
// Spin this many times before sleeping: decode issues a Run() every few microseconds, and
// a sleeping worker takes tens of microseconds to wake.
constexpr int kSpinIterations = 1 << 16;
// While spinning, give the core away every so often: when there are more threads than
// free cores, the thread everyone waits for may be the one not running. sched_yield is
// about a microsecond when nothing else wants the core.
constexpr int kYieldEvery = 1 << 10;

inline void SpinPause(int spins) {
  if (spins % kYieldEvery == kYieldEvery - 1) {
    std::this_thread::yield();
  } else {
    INFERNO_CPU_RELAX();
  }
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  workers_.reserve(n_threads_ - 1);
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(&mu_);
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  cv_.SignalAll();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::RunImpl(void* ctx, Thunk thunk) {
  if (n_threads_ == 1) {
    thunk(ctx, 0, 1);
    return;
  }
  job_ctx_ = ctx;
  job_thunk_ = thunk;
  pending_.store(n_threads_ - 1, std::memory_order_release);
  {
    // Publishing under the mutex pairs with the workers' wait predicate, so a worker that
    // is about to sleep cannot miss the new generation.
    MutexLock lock(&mu_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  cv_.SignalAll();
  thunk(ctx, 0, n_threads_);
  // The caller never sleeps: the workers finish within one job's time.
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) SpinPause(spins);
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    uint64_t gen = generation_.load(std::memory_order_acquire);
    while (gen == seen && spins < kSpinIterations) {
      SpinPause(spins);
      ++spins;
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      MutexLock lock(&mu_);
      while (generation_.load(std::memory_order_acquire) == seen) cv_.Wait(&mu_);
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load(std::memory_order_acquire)) return;
    job_thunk_(job_ctx_, index, n_threads_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace inferno
