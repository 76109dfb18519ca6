// The command line's speculative decoding flags (engine/runtime/speculative.h), shared by
// `run`, `serve` and `bench`: --spec lookup|draft|off, --draft MODEL, --draft-max N.
#pragma once

#include <memory>
#include <string>

#include "engine/model/model.h"
#include "engine/runtime/speculative.h"
#include "engine/util/status.h"

namespace CLI {
class App;
}

namespace inferno::cli {

struct SpecFlags {
  std::string mode = "off";
  std::string draft;  // draft model file (--spec draft)
  int draft_max = SpecOptions{}.draft_max;

  void Add(CLI::App* cmd);
  // The options: --draft alone means --spec draft; the draft model is loaded and, given a
  // target, its vocabulary checked against the target's (a server checks each model it loads:
  // Scheduler::spec_note()).
  Result<SpecOptions> Resolve(const Model* target) const;
};

}  // namespace inferno::cli
