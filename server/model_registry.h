// The models a server can use: GGUF files under the models dir (ids are paths relative to
// it without ".gguf"), plus one preloaded with -m. Models load on first use, each with its
// own batch Scheduler, and are unloaded on request or least-recently-used first when the
// mapped bytes would exceed the memory budget. Request names never resolve outside the dir.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/runtime/scheduler.h"
#include "engine/util/status.h"

namespace inferno::server {

struct ModelInfo {
  std::string id;
  std::string path;
  uint64_t size_bytes = 0;
  std::string quant;  // general.file_type ("Q4_K_M"), else the type holding most matrix bytes
  std::string architecture;
  int context_length = 0;
  double parameters = 0;
  bool loaded = false;
  std::string error;  // set when the file is not a usable GGUF
};

struct LoadedModel {
  std::string id;
  std::unique_ptr<Model> model;
  std::unique_ptr<Scheduler> scheduler;
};

struct RegistryOptions {
  std::string models_dir;
  std::string preload;         // -m: any path the user gives on the command line
  std::string fallback_model;  // used when there is no -m and the models dir is empty
  SchedulerOptions scheduler;
  uint64_t memory_budget = 0;  // bytes of model files kept loaded; 0 = no limit
};

class ModelRegistry {
 public:
  explicit ModelRegistry(RegistryOptions options);

  // Creates the models dir if missing and loads the -m model (if any).
  Status Init();

  // Every model the server can serve, sorted by id.
  std::vector<ModelInfo> List();

  // The loaded model for a request's "model" value (empty: the default model), loading it
  // on first use. NotFound for unknown or out-of-dir names.
  Result<std::shared_ptr<LoadedModel>> Acquire(const std::string& name);

  Status Unload(const std::string& name);

  // Id of the model used when a request names none ("" if there is none).
  std::string default_id();
  std::vector<std::string> loaded_ids();
  std::vector<std::shared_ptr<LoadedModel>> loaded_models();
  const RegistryOptions& options() const { return options_; }

  // Maps a request's model name to a file inside models_dir; rejects anything that could
  // escape it (absolute paths, "..", symlinks leading out). Exposed for tests.
  static Result<std::string> ResolveInDir(const std::string& models_dir, const std::string& name);

 private:
  struct Entry {
    std::shared_ptr<LoadedModel> loaded;
    std::chrono::steady_clock::time_point last_used;
    uint64_t bytes = 0;
  };
  Result<std::string> PathFor(const std::string& name);
  std::string IdFor(const std::string& path) const;
  void EvictFor(uint64_t incoming_bytes);  // mu_ held
  ModelInfo Describe(const std::string& id, const std::string& path);

  RegistryOptions options_;
  std::string preload_id_;
  std::mutex mu_;       // guards loaded_ and info_cache_
  std::mutex load_mu_;  // one load at a time: loads are I/O-bound and memory-hungry
  std::map<std::string, Entry> loaded_;
  std::map<std::string, std::pair<int64_t, ModelInfo>> info_cache_;  // path -> (mtime, info)
};

}  // namespace inferno::server
