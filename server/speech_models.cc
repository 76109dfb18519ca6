#include "server/speech_models.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "engine/model/model_dir.h"

namespace inferno::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtension = ".bin";

bool IsWhisperFile(const std::string& path) {
  uint8_t head[4] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const size_t n = std::fread(head, 1, sizeof(head), f);
  std::fclose(f);
  return audio::WhisperFile::Sniff(std::span<const uint8_t>(head, n));
}

// ggml's file types (ggml_ftype) that whisper.cpp's files use.
std::string QuantName(int32_t ftype) {
  switch (ftype) {
    case 0:
      return "F32";
    case 1:
      return "F16";
    case 2:
      return "Q4_0";
    case 3:
      return "Q4_1";
    case 7:
      return "Q8_0";
    case 8:
      return "Q5_0";
    case 9:
      return "Q5_1";
    default:
      return "ftype " + std::to_string(ftype);
  }
}

std::pair<int64_t, int64_t> Times(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {0, 0};
  return {int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, int64_t(st.st_mtime)};
}

std::string StripExtension(std::string name) {
  if (name.size() > kExtension.size() && name.ends_with(kExtension)) {
    name.resize(name.size() - kExtension.size());
  }
  return name;
}

}  // namespace

SpeechModels::SpeechModels(std::string models_dir, std::string bundled)
    : models_dir_(std::move(models_dir)),
      bundled_(std::move(bundled)),
      bundled_id_(bundled_.empty() ? "" : StripExtension(fs::path(bundled_).filename().string())) {}

SpeechModelInfo SpeechModels::Describe(const std::string& id, const std::string& path) {
  const auto [mtime_ns, mtime_s] = Times(path);
  {
    MutexLock lock(&mu_);
    auto it = info_cache_.find(path);
    if (it != info_cache_.end() && it->second.first == mtime_ns) {
      SpeechModelInfo info = it->second.second;
      info.loaded = loaded_.count(id) > 0;
      return info;
    }
  }
  SpeechModelInfo info{.id = id, .path = path, .modified = mtime_s};
  std::error_code ec;
  info.size_bytes = fs::file_size(path, ec);
  Result<std::unique_ptr<audio::WhisperFile>> file = audio::WhisperFile::Open(path);
  if (file.ok()) {
    info.size_name = (*file)->SizeName();
    info.quant = QuantName((*file)->hparams().ftype);
    info.multilingual = (*file)->vocab().multilingual();
  } else {
    info.error = file.status().message();
  }
  MutexLock lock(&mu_);
  info_cache_[path] = {mtime_ns, info};
  info.loaded = loaded_.count(id) > 0;
  return info;
}

std::vector<SpeechModelInfo> SpeechModels::List() {
  std::vector<SpeechModelInfo> out;
  for (const ModelFile& f : FindModelFiles(models_dir_, kExtension)) {
    if (IsWhisperFile(f.path)) out.push_back(Describe(f.id, f.path));
  }
  // The scan above found no speech model: the other half of BundledOffered().
  if (out.empty() && HasBundled()) out.push_back(Describe(bundled_id_, bundled_));
  return out;
}

bool SpeechModels::HasBundled() const { return !bundled_.empty() && IsWhisperFile(bundled_); }

bool SpeechModels::BundledOffered() {
  if (!HasBundled()) return false;
  for (const ModelFile& f : FindModelFiles(models_dir_, kExtension)) {
    if (IsWhisperFile(f.path)) return false;
  }
  return true;
}

Result<std::string> SpeechModels::PathOf(const std::string& name) {
  Result<std::string> path = ResolveModelName(models_dir_, name, kExtension);
  if (path.ok() && IsWhisperFile(*path)) return path;
  if (!bundled_.empty() && StripExtension(name) == bundled_id_ && BundledOffered()) {
    return bundled_;
  }
  return Status::NotFound("speech model '" + name + "' not found in the models dir");
}

Result<std::string> SpeechModels::Resolve(const std::string& name) {
  if (name.empty() || name == kOpenAiWhisperName) {
    for (const SpeechModelInfo& m : List()) {
      if (m.error.empty()) return m.id;
    }
    return Status::NotFound(
        "no speech model in the models dir: add a whisper.cpp model file (ggml-*.bin)");
  }
  Result<std::string> path = PathOf(name);
  if (!path.ok()) return path.status();
  return StripExtension(name);
}

Result<std::shared_ptr<const audio::WhisperModel>> SpeechModels::Acquire(const std::string& id) {
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(id);
    if (it != loaded_.end()) return it->second;
  }
  Result<std::string> path = PathOf(id);
  if (!path.ok()) return path.status();
  Result<std::unique_ptr<audio::WhisperModel>> model = audio::WhisperModel::Load(*path);
  if (!model.ok()) return Status::Corruption(model.status().message());
  std::shared_ptr<const audio::WhisperModel> shared = std::move(model).value();
  MutexLock lock(&mu_);
  loaded_.emplace(id, shared);
  return shared;
}

}  // namespace inferno::server
