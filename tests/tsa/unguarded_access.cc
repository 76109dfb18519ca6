// Must NOT compile under clang -Werror=thread-safety: proof that the annotations are checked
// (ctest thread_safety_analysis_catches_races, clang builds only).
#include "engine/util/thread_annotations.h"

namespace inferno {

class Counter {
 public:
  void Add() { ++n_; }  // no lock: the analysis must object
  int Get() REQUIRES(mu_) { return n_; }
  int Read() { return Get(); }  // calls a REQUIRES function without the lock

 private:
  Mutex mu_;
  int n_ GUARDED_BY(mu_) = 0;
};

}  // namespace inferno
