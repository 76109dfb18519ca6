#include "server/model_registry.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <thread>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_dir.h"
#include "engine/model/model_summary.h"

namespace inferno::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtension = ".gguf";

// ".gguf" in any case: files chosen in a file dialog are named by people.
bool HasGgufExtension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == kExtension;
}

int64_t MTime(const std::string& path) {
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  return ec ? 0 : int64_t(t.time_since_epoch().count());
}

// Unix seconds, which std::filesystem's clock does not promise to count in.
int64_t ModifiedSeconds(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? int64_t(st.st_mtime) : 0;
}

// Smallest context a model can be set to: room for a short prompt and a reply.
constexpr int kMinContextSize = 16;

// What a Scheduler built with `requested` runs with (its constructor caps n_ctx the same way).
LoadOptions Effective(const LoadOptions& requested, int n_ctx_train, int hardware_threads) {
  return LoadOptions{std::max(2, std::min(requested.context_size, n_ctx_train)),
                     requested.threads > 0 ? requested.threads : hardware_threads,
                     requested.kv_types};
}

// The cache types a model's heads can take: the requested ones, F16 for a type they cannot.
KvCacheTypes Storable(const ModelConfig& c, const KvCacheTypes& requested) {
  KvCacheTypes out = requested;
  if (!CheckKvCacheTypes(c, {requested.k, DType::kF16}).ok()) out.k = DType::kF16;
  if (!CheckKvCacheTypes(c, {DType::kF16, requested.v}).ok()) out.v = DType::kF16;
  return out;
}

}  // namespace

ModelRegistry::ModelRegistry(RegistryOptions options) : options_(std::move(options)) {}

ModelRegistry::~ModelRegistry() {
  std::thread timer;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    timer = std::move(expiry_thread_);
  }
  expiry_cv_.SignalAll();
  if (timer.joinable()) timer.join();
}

void ModelRegistry::Touch(Entry& e, Clock::time_point now) const {
  e.last_used = now;
  if (e.keep_alive) e.expires = now + *e.keep_alive;
}

Status ModelRegistry::KeepAlive(const std::string& id, std::optional<Clock::duration> keep) {
  std::shared_ptr<LoadedModel> unloaded;  // destroyed after the lock is released
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(id);
    if (it == loaded_.end()) return Status::NotFound("model '" + id + "' is not loaded");
    if (keep && keep->count() <= 0) {
      unloaded = std::move(it->second.loaded);
      loaded_.erase(it);
      return Status::Ok();
    }
    it->second.keep_alive = keep;
    Touch(it->second, Clock::now());
    if (keep && !expiry_thread_.joinable()) {
      expiry_thread_ = std::thread([this] { ExpireLoop(); });
    }
  }
  expiry_cv_.SignalAll();
  return Status::Ok();
}

std::optional<ModelRegistry::Clock::time_point> ModelRegistry::TakeExpiredLocked(
    Clock::time_point now, std::vector<std::shared_ptr<LoadedModel>>* expired) {
  std::optional<Clock::time_point> next;
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    if (it->second.keep_alive && it->second.expires <= now) {
      expired->push_back(std::move(it->second.loaded));
      it = loaded_.erase(it);
      continue;
    }
    if (it->second.keep_alive && (!next || it->second.expires < *next)) next = it->second.expires;
    ++it;
  }
  return next;
}

void ModelRegistry::ExpireLoop() {
  for (;;) {
    // In-flight requests keep an expired model alive through their shared_ptr; the last
    // reference frees it when `expired` goes, after the lock is released.
    std::vector<std::shared_ptr<LoadedModel>> expired;
    MutexLock lock(&mu_);
    if (stopping_) return;
    const std::optional<Clock::time_point> next = TakeExpiredLocked(Clock::now(), &expired);
    if (!expired.empty()) continue;
    if (next) {
      expiry_cv_.WaitUntil(&mu_, *next);
    } else {
      expiry_cv_.Wait(&mu_);
    }
  }
}

Status ModelRegistry::Init() {
  std::error_code ec;
  if (!options_.models_dir.empty()) {
    fs::create_directories(options_.models_dir, ec);
    if (ec) {
      return Status::IoError("models dir " + options_.models_dir + ": " + ec.message());
    }
  }
  std::string preload = options_.preload;
  if (preload.empty() && !options_.fallback_model.empty() && fs::exists(options_.fallback_model)) {
    bool dir_has_models = false;
    for (const ModelInfo& m : List()) dir_has_models |= m.error.empty();
    if (!dir_has_models) preload = options_.fallback_model;
  }
  if (preload.empty()) return Status::Ok();
  if (preload == options_.fallback_model) {
    for (const std::string& extra : options_.fallback_extras) {
      if (!fs::exists(extra, ec)) continue;
      // A bundled file that does not parse is listed by nothing rather than stopping the
      // server: the demo chat model still serves.
      if (Result<std::string> id = AddFile(extra); !id.ok()) {
        std::fprintf(stderr, "inferno: bundled model %s not offered: %s\n", extra.c_str(),
                     id.status().message().c_str());
      }
    }
  }
  if (!fs::exists(preload, ec)) return Status::NotFound(preload + ": no such model file");
  preload_id_ = IdFor(preload);
  options_.preload = preload;  // MmprojFor() knows it as the -m model
  std::unique_ptr<Model> model;
  std::shared_ptr<const vision::VisionEncoder> vision;
  if (Status st = LoadFiles(preload, &model, &vision); !st.ok()) return st;
  LoadOptions requested;
  {
    MutexLock lock(&mu_);
    requested = RequestedLocked(preload_id_);
  }
  // The server's --cache-type-k/-v must fit the model it starts with (later models that
  // cannot take them run with F16, shown in their options).
  INFERNO_RETURN_IF_ERROR(CheckKvCacheTypes(model->config(), requested.kv_types));
  std::shared_ptr<LoadedModel> lm =
      MakeInstance(preload_id_, std::move(model), std::move(vision), requested);
  MutexLock lock(&mu_);
  loaded_[preload_id_] = Entry{lm, std::chrono::steady_clock::now(), fs::file_size(preload, ec)};
  // Remember where it came from so List() and PathFor() know it.
  info_cache_[preload] = {MTime(preload), ModelInfo{}};
  return Status::Ok();
}

std::string ModelRegistry::IdFor(const std::string& path) const {
  return ModelIdFor(options_.models_dir, path);
}

Result<std::string> ModelRegistry::PathFor(const std::string& name) {
  if (!options_.preload.empty() &&
      (name == preload_id_ || name == preload_id_ + std::string(kExtension))) {
    return options_.preload;
  }
  if (options_.models_dir.empty()) return Status::NotFound("model '" + name + "' not found");
  return ResolveModelName(options_.models_dir, name);
}

std::optional<std::pair<std::string, std::string>> ModelRegistry::Added(const std::string& name) {
  const std::string id =
      name.size() > kExtension.size() && std::string_view(name).ends_with(kExtension)
          ? name.substr(0, name.size() - kExtension.size())
          : name;
  MutexLock lock(&mu_);
  auto it = added_.find(id);
  if (it == added_.end()) return std::nullopt;
  return *it;
}

Result<std::string> ModelRegistry::AddFile(const std::string& path) {
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec || !fs::is_regular_file(real, ec)) return Status::NotFound(path + ": no such model file");
  if (!HasGgufExtension(real)) return Status::InvalidArgument(path + ": not a .gguf file");
  if (IsMmprojName(real.filename().string())) {
    return Status::InvalidArgument(path + ": a vision encoder (mmproj), not a model");
  }
  // A GGUF that parses (header, metadata, tensor table); loading it is left to the first use.
  if (Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(real.string()); !file.ok()) {
    return file.status();
  }
  std::set<std::string> taken;
  for (const ModelInfo& m : List()) {
    if (m.path == real.string()) return m.id;  // in the models dir, -m, or added before
    taken.insert(m.id);
  }
  const std::string stem = real.stem().string();
  std::string id = stem;
  for (int n = 2; taken.count(id); ++n) id = stem + "-" + std::to_string(n);
  MutexLock lock(&mu_);
  added_.emplace(id, real.string());
  return id;
}

Result<std::pair<std::string, std::string>> ModelRegistry::Resolve(const std::string& name) {
  if (std::optional<std::pair<std::string, std::string>> added = Added(name)) return *added;
  Result<std::string> path = PathFor(name);
  if (!path.ok()) return path.status();
  return std::make_pair(IdFor(*path) == preload_id_ ? preload_id_ : IdFor(*path), *path);
}

int ModelRegistry::hardware_threads() const {
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? int(n) : 1;
}

LoadOptions ModelRegistry::RequestedLocked(const std::string& id) const {
  LoadOptions o{options_.scheduler.n_ctx, options_.scheduler.n_threads,
                options_.scheduler.kv_types};
  auto it = options_by_id_.find(id);
  if (it != options_by_id_.end()) o = it->second;
  return o;
}

std::string ModelRegistry::MmprojFor(const std::string& path) const {
  if (path == options_.preload && !options_.preload_mmproj.empty()) return options_.preload_mmproj;
  return FindMmprojFor(path);
}

Status ModelRegistry::LoadFiles(const std::string& path, std::unique_ptr<Model>* model,
                                std::shared_ptr<const vision::VisionEncoder>* vision) const {
  Result<std::unique_ptr<Model>> m = Model::Load(path);
  if (!m.ok()) return m.status();
  const std::string mmproj = MmprojFor(path);
  if (!mmproj.empty()) {
    Result<std::unique_ptr<vision::VisionEncoder>> enc = vision::VisionEncoder::Open(mmproj);
    if (!enc.ok()) return enc.status();
    if (Status st = request::CheckVisionFits((*enc)->config(), (*m)->config()); !st.ok()) {
      return Status::InvalidArgument(mmproj + " does not go with " + path + ": " + st.message());
    }
    *vision = std::move(*enc);
  }
  *model = std::move(*m);
  return Status::Ok();
}

std::shared_ptr<LoadedModel> ModelRegistry::MakeInstance(
    const std::string& id, std::shared_ptr<const Model> model,
    std::shared_ptr<const vision::VisionEncoder> vision, const LoadOptions& requested) const {
  SchedulerOptions so = options_.scheduler;
  so.n_ctx = requested.context_size;
  so.n_threads = requested.threads;
  so.kv_types = Storable(model->config(), requested.kv_types);
  auto lm = std::make_shared<LoadedModel>();
  lm->id = id;
  lm->model = std::move(model);
  lm->vision = request::VisionInput{std::move(vision), options_.fetch_image};
  lm->scheduler = std::make_unique<Scheduler>(*lm->model, so);
  lm->options = Effective(requested, lm->model->config().n_ctx_train, hardware_threads());
  lm->options.kv_types = so.kv_types;
  return lm;
}

void ModelRegistry::FillLoadStateLocked(ModelInfo& info) const {
  auto it = loaded_.find(info.id);
  info.loaded = it != loaded_.end();
  LoadOptions o;
  if (info.loaded) {
    o = it->second.loaded->options;
  } else if (info.context_length > 0) {
    o = Effective(RequestedLocked(info.id), info.context_length, hardware_threads());
  }
  info.context_size = o.context_size;
  info.threads = o.threads;
  info.kv_types = o.kv_types;
  if (info.loaded) {
    const Scheduler& s = *it->second.loaded->scheduler;
    info.kv_bytes = uint64_t(s.n_slots()) *
                    KvCacheBytes(it->second.loaded->model->config(), s.n_ctx(), s.kv_types());
  }
  info.expires_at_ms = 0;
  if (info.loaded && it->second.keep_alive) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(it->second.expires - Clock::now());
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    info.expires_at_ms = (now_ms + left).count();
  }
}

ModelOptions ModelRegistry::OptionsLocked(const std::string& id, int n_ctx_train) const {
  ModelOptions out;
  out.id = id;
  const int hw = hardware_threads();
  auto it = loaded_.find(id);
  out.loaded = it != loaded_.end();
  out.effective =
      out.loaded ? it->second.loaded->options : Effective(RequestedLocked(id), n_ctx_train, hw);
  out.defaults = Effective(LoadOptions{options_.scheduler.n_ctx, options_.scheduler.n_threads,
                                       options_.scheduler.kv_types},
                           n_ctx_train, hw);
  out.max_context_size = n_ctx_train;
  out.min_context_size = std::min(kMinContextSize, n_ctx_train);
  out.min_threads = 1;
  // A server started with more threads than cores may keep using them.
  out.max_threads = std::max(hw, out.defaults.threads);
  return out;
}

Result<ModelOptions> ModelRegistry::Options(const std::string& name) {
  Result<std::pair<std::string, std::string>> r = Resolve(name);
  if (!r.ok()) return r.status();
  const ModelInfo info = Describe(r->first, r->second);
  if (!info.error.empty()) return Status::Corruption(info.error);
  MutexLock lock(&mu_);
  return OptionsLocked(r->first, info.context_length);
}

Result<ModelOptions> ModelRegistry::SetOptions(const std::string& name,
                                               std::optional<int64_t> context_size,
                                               std::optional<int64_t> threads, bool* reloaded,
                                               const KvTypeChange& kv_types) {
  *reloaded = false;
  Result<std::pair<std::string, std::string>> r = Resolve(name);
  if (!r.ok()) return r.status();
  const std::string id = r->first;
  const ModelInfo info = Describe(id, r->second);
  if (!info.error.empty()) return Status::Corruption(info.error);
  ModelOptions limits;
  {
    MutexLock lock(&mu_);
    limits = OptionsLocked(id, info.context_length);
  }
  if (context_size &&
      (*context_size < limits.min_context_size || *context_size > limits.max_context_size)) {
    return Status::InvalidArgument(
        "context_size must be between " + std::to_string(limits.min_context_size) + " and " +
        std::to_string(limits.max_context_size) + " (the model's trained context), got " +
        std::to_string(*context_size));
  }
  if (threads && (*threads < limits.min_threads || *threads > limits.max_threads)) {
    return Status::InvalidArgument(
        "threads must be between 1 and " + std::to_string(limits.max_threads) +
        " (this machine's hardware threads), got " + std::to_string(*threads));
  }
  // Held across the swap: a concurrent SetOptions or a first load of this model sees either
  // all of this change or none of it.
  MutexLock load_lock(&load_mu_);
  std::shared_ptr<LoadedModel> old;
  LoadOptions requested;
  {
    MutexLock lock(&mu_);
    requested = RequestedLocked(id);
    if (context_size) requested.context_size = int(*context_size);
    if (threads) requested.threads = int(*threads);
    if (kv_types.k) requested.kv_types.k = *kv_types.k;
    if (kv_types.v) requested.kv_types.v = *kv_types.v;
    auto it = loaded_.find(id);
    if (it != loaded_.end()) old = it->second.loaded;
    if (old) INFERNO_RETURN_IF_ERROR(CheckKvCacheTypes(old->model->config(), requested.kv_types));
    options_by_id_[id] = requested;
  }
  if (old &&
      old->options != Effective(requested, old->model->config().n_ctx_train, hardware_threads())) {
    // Same weights, new Scheduler (its own KV caches and thread pool). Requests holding
    // `old` finish on it; its Scheduler goes when the last of them lets go.
    std::shared_ptr<LoadedModel> fresh =
        MakeInstance(id, old->model, old->vision.encoder, requested);
    MutexLock lock(&mu_);
    auto it = loaded_.find(id);
    // Unloaded (or evicted) meanwhile: the options apply at the next load instead.
    if (it != loaded_.end() && it->second.loaded == old) {
      it->second.loaded = std::move(fresh);
      it->second.last_used = std::chrono::steady_clock::now();
      *reloaded = true;
    }
  }
  MutexLock lock(&mu_);
  return OptionsLocked(id, info.context_length);
}

ModelInfo ModelRegistry::Describe(const std::string& id, const std::string& path) {
  const int64_t mtime = MTime(path);
  {
    MutexLock lock(&mu_);
    auto it = info_cache_.find(path);
    if (it != info_cache_.end() && it->second.first == mtime && !it->second.second.id.empty()) {
      ModelInfo info = it->second.second;
      FillLoadStateLocked(info);
      return info;
    }
  }
  ModelInfo info;
  info.id = id;
  info.path = path;
  info.modified = ModifiedSeconds(path);
  std::error_code ec;
  info.size_bytes = fs::file_size(path, ec);
  Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(path);
  if (!file.ok()) {
    info.error = file.status().message();
  } else {
    const ModelSummary summary = SummarizeModel(**file);
    info.parameters = summary.parameters;
    info.quant = summary.quant;
    info.architecture = summary.architecture;
    info.context_length = summary.context_length;
    info.embedding_only = summary.embedding_only;
    info.mmproj = MmprojFor(path);
    info.error = summary.error;
  }
  MutexLock lock(&mu_);
  info_cache_[path] = {mtime, info};
  FillLoadStateLocked(info);
  return info;
}

std::vector<ModelInfo> ModelRegistry::List() {
  std::vector<std::pair<std::string, std::string>> found;  // id, path
  if (!options_.preload.empty()) found.push_back({preload_id_, options_.preload});
  for (ModelFile& f : FindModelFiles(options_.models_dir)) {
    if (f.id != preload_id_) found.push_back({std::move(f.id), std::move(f.path)});
  }
  {
    MutexLock lock(&mu_);
    found.insert(found.end(), added_.begin(), added_.end());
  }
  std::vector<ModelInfo> out;
  for (const auto& [id, path] : found) out.push_back(Describe(id, path));
  return out;
}

std::string ModelRegistry::default_id() {
  if (!preload_id_.empty()) return preload_id_;
  {
    MutexLock lock(&mu_);
    if (!loaded_.empty()) return loaded_.begin()->first;
  }
  for (const ModelInfo& m : List()) {
    if (m.error.empty()) return m.id;
  }
  return "";
}

std::vector<std::string> ModelRegistry::loaded_ids() {
  MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, e] : loaded_) ids.push_back(id);
  return ids;
}

std::vector<std::shared_ptr<LoadedModel>> ModelRegistry::loaded_models() {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<LoadedModel>> out;
  for (const auto& [id, e] : loaded_) out.push_back(e.loaded);
  return out;
}

void ModelRegistry::EvictFor(uint64_t incoming) {
  if (options_.memory_budget == 0) return;
  for (;;) {
    uint64_t total = incoming;
    for (const auto& [id, e] : loaded_) total += e.bytes;
    if (total <= options_.memory_budget || loaded_.empty()) return;
    auto victim = loaded_.end();
    for (auto it = loaded_.begin(); it != loaded_.end(); ++it) {
      if (victim == loaded_.end() || it->second.last_used < victim->second.last_used) victim = it;
    }
    // In-flight requests keep their model alive through their shared_ptr.
    loaded_.erase(victim);
  }
}

Result<std::shared_ptr<LoadedModel>> ModelRegistry::Acquire(const std::string& requested) {
  const std::string name = requested.empty() ? default_id() : requested;
  if (name.empty()) {
    return Status::NotFound(
        "no model loaded and none named: put a .gguf file in the models dir or start with -m");
  }
  Result<std::pair<std::string, std::string>> resolved = Resolve(name);
  if (!resolved.ok()) return resolved.status();
  const auto& [id, path] = *resolved;
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(id);
    if (it != loaded_.end()) {
      Touch(it->second, Clock::now());
      return it->second.loaded;
    }
  }
  MutexLock load_lock(&load_mu_);
  {
    // Someone else may have loaded it while we waited.
    MutexLock lock(&mu_);
    auto it = loaded_.find(id);
    if (it != loaded_.end()) return it->second.loaded;
  }
  std::error_code ec;
  const uint64_t bytes = fs::file_size(path, ec);
  LoadOptions load_options;
  {
    MutexLock lock(&mu_);
    EvictFor(bytes);
    load_options = RequestedLocked(id);
  }
  std::unique_ptr<Model> model;
  std::shared_ptr<const vision::VisionEncoder> vision;
  if (Status st = LoadFiles(path, &model, &vision); !st.ok()) return st;
  std::shared_ptr<LoadedModel> lm =
      MakeInstance(id, std::move(model), std::move(vision), load_options);
  MutexLock lock(&mu_);
  loaded_[id] = Entry{lm, std::chrono::steady_clock::now(), bytes};
  return lm;
}

Status ModelRegistry::Unload(const std::string& name) {
  MutexLock lock(&mu_);
  auto it = loaded_.find(name);
  if (it == loaded_.end()) return Status::NotFound("model '" + name + "' is not loaded");
  loaded_.erase(it);
  return Status::Ok();
}

}  // namespace inferno::server
