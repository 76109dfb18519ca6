// --cache-type-k / --cache-type-v (llama.cpp's flags and type names: f16, q8_0, q4_0), shared
// by run, serve and bench. The names are checked when the command line is parsed, the head
// sizes once the model is known (CheckKvCacheTypes).
#pragma once

#include <string>

#include "engine/runtime/kv_cache.h"

namespace CLI {
class App;
}

namespace inferno::cli {

struct KvCacheFlags {
  std::string k = "f16";
  std::string v = "f16";
  // Adds both options to cmd.
  void Add(CLI::App* cmd);
  // The parsed types (names already validated by Add's check).
  KvCacheTypes Types() const;
};

}  // namespace inferno::cli
