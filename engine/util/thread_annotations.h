// Clang thread-safety annotations and the mutex types they check.
//
// Annotate which mutex guards which member, and which functions must (or must not) hold it:
//
//   class Counter {
//    public:
//     void Add() EXCLUDES(mu_) { MutexLock lock(&mu_); AddLocked(); }
//    private:
//     void AddLocked() REQUIRES(mu_) { ++n_; }
//     Mutex mu_;
//     int n_ GUARDED_BY(mu_) = 0;
//   };
//
// clang with -Wthread-safety (the clang-tsa and fuzz presets) then reports every access to
// n_ without mu_ held and every call to AddLocked() without it. Under GCC the macros expand to
// nothing. See https://clang.llvm.org/docs/ThreadSafetyAnalysis.html.
//
// Why wrappers: the analysis only knows a lock is taken when the lock function carries an
// attribute, and libstdc++'s std::mutex and std::lock_guard carry none. Mutex, MutexLock and
// CondVar below are thin inline shells over std::mutex and std::condition_variable that do.
// Condition waits are written as loops (`while (!ready_) cv_.Wait(&mu_);`) rather than with a
// predicate lambda: the analysis checks a lambda's body on its own, without the caller's lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define INFERNO_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define INFERNO_THREAD_ANNOTATION(x)
#endif

// A type that is a lock (a capability the analysis tracks).
#define CAPABILITY(name) INFERNO_THREAD_ANNOTATION(capability(name))
// An RAII type that holds a capability for its lifetime.
#define SCOPED_CAPABILITY INFERNO_THREAD_ANNOTATION(scoped_lockable)
// A data member only read or written with the mutex held.
#define GUARDED_BY(mu) INFERNO_THREAD_ANNOTATION(guarded_by(mu))
// A pointer member whose pointee is only touched with the mutex held.
#define PT_GUARDED_BY(mu) INFERNO_THREAD_ANNOTATION(pt_guarded_by(mu))
// Lock order between two mutexes of one object.
#define ACQUIRED_BEFORE(...) INFERNO_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) INFERNO_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
// The caller must hold the mutex (the "...Locked" helpers).
#define REQUIRES(...) INFERNO_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// The caller must not hold the mutex: the function takes it itself.
#define EXCLUDES(...) INFERNO_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// The function takes / gives back the mutex (lock functions, scoped-lock constructors).
#define ACQUIRE(...) INFERNO_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) INFERNO_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) INFERNO_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// Tells the analysis the mutex is held here (checked at run time only by the caller's logic).
#define ASSERT_CAPABILITY(x) INFERNO_THREAD_ANNOTATION(assert_capability(x))
// The function returns a reference to the mutex (lets the analysis see through accessors).
#define RETURN_CAPABILITY(x) INFERNO_THREAD_ANNOTATION(lock_returned(x))
// Turns the analysis off for one function; say in a comment why it is safe.
#define NO_THREAD_SAFETY_ANALYSIS INFERNO_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace inferno {

// std::mutex with the attributes the analysis needs. Lock it with MutexLock.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // For code the analysis cannot follow (e.g. a callback known to run under the lock).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for the enclosing scope, as std::lock_guard does.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable waited on with a held Mutex. Waits can wake spuriously: call them in a
// loop that re-checks the condition.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases *mu while blocked and holds it again on return.
  void Wait(Mutex* mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // the caller still owns the lock
  }

  // Wait() that gives up at `deadline`: false once it has passed, true when woken before.
  bool WaitUntil(Mutex* mu, std::chrono::steady_clock::time_point deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace inferno
