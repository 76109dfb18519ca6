// The models a server can use: GGUF files under the models dir (ids are paths relative to
// it without ".gguf"), plus one preloaded with -m. Models load on first use, each with its
// own batch Scheduler, and are unloaded on request or least-recently-used first when the
// mapped bytes would exceed the memory budget. Request names never resolve outside the dir.
//
// A model may be given a keep_alive (Ollama's): it is then unloaded once it has not been
// acquired for that long, by a timer thread of the registry; without one (the default) it
// stays until unloaded, evicted or the server stops.
//
// Each model has load options (context size, threads): the server's defaults unless set for
// that model with SetOptions(), which rebuilds the model's Scheduler. Requests that hold the
// old LoadedModel finish on it; the next Acquire() gets the new one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/model/model.h"
#include "engine/request/prepare.h"
#include "engine/runtime/scheduler.h"
#include "engine/util/status.h"
#include "engine/util/thread_annotations.h"
#include "engine/vision/encoder.h"

namespace inferno::server {

struct ModelInfo {
  std::string id;
  std::string path;
  uint64_t size_bytes = 0;
  std::string quant;  // general.file_type ("Q4_K_M"), else the type holding most matrix bytes
  std::string architecture;
  int context_length = 0;  // the model's trained context
  double parameters = 0;
  bool loaded = false;
  bool embedding_only = false;  // it only embeds (EmbeddingOnly): /v1/models "type"
  std::string mmproj;           // its vision encoder (capability "vision"); "" when none
  std::string error;            // set when the file is not a usable GGUF
  int64_t modified = 0;         // the file's modification time, Unix seconds (/v1/models `created`)
  // The load options in effect (of the loaded instance, else what a load would use).
  int context_size = 0;
  int threads = 0;
  KvCacheTypes kv_types;
  uint64_t kv_bytes = 0;      // loaded: the KV caches of every slot at full context
  int64_t expires_at_ms = 0;  // loaded with a keep_alive: when it unloads (Unix ms); 0: never
};

// What a model's Scheduler is built with: the server's -c/-t, or what SetOptions() stored
// for it (threads 0: every hardware thread).
struct LoadOptions {
  int context_size = 0;  // tokens per sequence
  int threads = 0;
  KvCacheTypes kv_types;  // the server's --cache-type-k/-v unless set for the model
  bool operator==(const LoadOptions&) const = default;
};

// A model's load options with their defaults and valid ranges (GET /api/models/{id}/options).
struct ModelOptions {
  std::string id;
  LoadOptions effective;  // of the loaded instance, else what the next load will use
  LoadOptions defaults;   // the server's --ctx-size (capped to the model's) and --threads
  int min_context_size = 0, max_context_size = 0;  // max: the model's trained context
  int min_threads = 1, max_threads = 0;            // max: the hardware threads
  bool loaded = false;
};

struct LoadedModel {
  std::string id;
  // Shared between the instances of one model across a reload: weights are mapped once.
  std::shared_ptr<const Model> model;
  std::unique_ptr<Scheduler> scheduler;
  LoadOptions options;  // effective context size and threads of this instance
  // Its vision encoder (the mmproj paired with it, shared across reloads; null: text only) and
  // the server's fetcher of image URLs, as Prepare() takes them.
  request::VisionInput vision;
};

struct RegistryOptions {
  std::string models_dir;
  std::string preload;         // -m: any path the user gives on the command line
  std::string preload_mmproj;  // --mmproj: the -m model's vision encoder (else found beside it)
  std::string fallback_model;  // used when there is no -m and the models dir is empty
  // Offered beside the fallback model when it is used, each with the mmproj beside it (the
  // bundled tools and vision demos); files that do not exist are left out.
  std::vector<std::string> fallback_extras;
  SchedulerOptions scheduler;
  // --allow-remote-images: how image URLs other than data URLs are fetched (null: refused).
  request::ImageFetcher fetch_image;
  uint64_t memory_budget = 0;  // bytes of model files kept loaded; 0 = no limit
};

class ModelRegistry {
 public:
  explicit ModelRegistry(RegistryOptions options);
  ~ModelRegistry();  // stops the keep_alive timer

  // Creates the models dir if missing and loads the -m model (if any). Called once, before
  // any other thread uses the registry (it sets preload_id_ and options_.preload).
  Status Init() EXCLUDES(mu_);

  // Every model the server can serve, sorted by id.
  std::vector<ModelInfo> List() EXCLUDES(mu_);

  // The loaded model for a request's "model" value (empty: the default model), loading it
  // on first use. NotFound for unknown or out-of-dir names.
  Result<std::shared_ptr<LoadedModel>> Acquire(const std::string& name) EXCLUDES(mu_, load_mu_);

  Status Unload(const std::string& name) EXCLUDES(mu_);

  // Ollama's keep_alive for a loaded model, counted from now and from every later Acquire():
  // zero unloads it now (requests that hold it finish on it), nullopt keeps it until unloaded.
  // NotFound when `id` is not loaded.
  using Clock = std::chrono::steady_clock;
  Status KeepAlive(const std::string& id, std::optional<Clock::duration> keep) EXCLUDES(mu_);

  // A model's load options. NotFound for unknown or out-of-dir names; Corruption (and the
  // reader's message) when the file is not a usable model.
  Result<ModelOptions> Options(const std::string& name) EXCLUDES(mu_);

  // Sets a model's load options (fields not given keep their current value) after checking
  // them against its ranges (InvalidArgument names the field and the range). A loaded model
  // whose effective options change gets a new Scheduler at once; *reloaded says whether that
  // happened. Changes are serialised with loads, so concurrent calls leave one of them in
  // effect, both in what Options() reports and in the loaded instance.
  // `kv_types`: new cache types of keys and values (either may be absent), checked against
  // the model's head sizes when it is loaded (else when it loads: a type its heads cannot
  // take is then F16, which Options() shows).
  struct KvTypeChange {
    std::optional<DType> k, v;
  };
  Result<ModelOptions> SetOptions(const std::string& name, std::optional<int64_t> context_size,
                                  std::optional<int64_t> threads, bool* reloaded,
                                  const KvTypeChange& kv_types = {}) EXCLUDES(mu_, load_mu_);

  // A GGUF file outside the models dir, opened in `inferno app`'s file dialog (the only
  // caller: POST /api/app/models, which only that server has): served under its file name's
  // stem ("-2", "-3"... when the name is taken) until the server stops. A file inside the dir
  // keeps its id there. InvalidArgument/NotFound when it is not a readable .gguf model file.
  // Returns the id.
  Result<std::string> AddFile(const std::string& path) EXCLUDES(mu_);

  // Id of the model used when a request names none ("" if there is none).
  std::string default_id() EXCLUDES(mu_);
  std::vector<std::string> loaded_ids() EXCLUDES(mu_);
  std::vector<std::shared_ptr<LoadedModel>> loaded_models() EXCLUDES(mu_);
  const RegistryOptions& options() const { return options_; }

 private:
  struct Entry {
    std::shared_ptr<LoadedModel> loaded;
    std::chrono::steady_clock::time_point last_used;
    uint64_t bytes = 0;
    std::optional<Clock::duration> keep_alive = std::nullopt;  // unset: kept until unloaded
    Clock::time_point expires = {};  // last_used + keep_alive, when it is set
  };
  // The keep_alive timer thread: unloads expired models, sleeping until the next expiry.
  void ExpireLoop() EXCLUDES(mu_);
  // Takes the expired entries out (to be destroyed without the lock); the next expiry.
  std::optional<Clock::time_point> TakeExpiredLocked(
      Clock::time_point now, std::vector<std::shared_ptr<LoadedModel>>* expired) REQUIRES(mu_);
  void Touch(Entry& e, Clock::time_point now) const;
  Result<std::string> PathFor(const std::string& name);
  // (id, path) of a name AddFile() added, with or without ".gguf".
  std::optional<std::pair<std::string, std::string>> Added(const std::string& name) EXCLUDES(mu_);
  std::string IdFor(const std::string& path) const;
  // Path and id of a request's model name (the preloaded model keeps its own id).
  Result<std::pair<std::string, std::string>> Resolve(const std::string& name);
  // The options a load of `id` uses: its own where set, else the server's.
  LoadOptions RequestedLocked(const std::string& id) const REQUIRES(mu_);
  std::shared_ptr<LoadedModel> MakeInstance(const std::string& id,
                                            std::shared_ptr<const Model> model,
                                            std::shared_ptr<const vision::VisionEncoder> vision,
                                            const LoadOptions& requested) const;
  // The mmproj of the model at `path`: --mmproj for the -m model, else the one beside it.
  std::string MmprojFor(const std::string& path) const;
  // Loads the model at `path` and its vision encoder, if it has one (an mmproj that does not
  // open or does not fit the model fails the load, naming the file).
  Status LoadFiles(const std::string& path, std::unique_ptr<Model>* model,
                   std::shared_ptr<const vision::VisionEncoder>* vision) const;
  int hardware_threads() const;
  // Fills info.loaded, context_size and threads.
  void FillLoadStateLocked(ModelInfo& info) const REQUIRES(mu_);
  ModelOptions OptionsLocked(const std::string& id, int n_ctx_train) const REQUIRES(mu_);
  void EvictFor(uint64_t incoming_bytes) REQUIRES(mu_);
  ModelInfo Describe(const std::string& id, const std::string& path) EXCLUDES(mu_);

  RegistryOptions options_;
  std::string preload_id_;
  // One load or reload at a time: loads are I/O-bound and memory-hungry. Taken before mu_,
  // never while holding it.
  Mutex load_mu_ ACQUIRED_BEFORE(mu_);
  Mutex mu_;
  std::map<std::string, Entry> loaded_ GUARDED_BY(mu_);
  // Set with SetOptions(), kept on unload.
  std::map<std::string, LoadOptions> options_by_id_ GUARDED_BY(mu_);
  // AddFile(): id -> canonical path.
  std::map<std::string, std::string> added_ GUARDED_BY(mu_);
  // path -> (mtime, info)
  std::map<std::string, std::pair<int64_t, ModelInfo>> info_cache_ GUARDED_BY(mu_);
  CondVar expiry_cv_;  // signalled when an expiry changes or the registry stops
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread expiry_thread_ GUARDED_BY(mu_);  // started by the first KeepAlive()
};

}  // namespace inferno::server
