#include "server/ollama_pull.h"

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>

namespace inferno::server {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

json::object StatusObject(const char* status) { return json::object{{"status", status}}; }

// Ollama's digest is the blob's SHA-256; a file the hub lists without one goes by its path.
std::string Digest(const hub::HubFile& file) {
  return file.sha256.empty() ? file.path : "sha256:" + file.sha256;
}

}  // namespace

json::object PullProgress(const hub::HubFile& file, uint64_t completed, uint64_t total) {
  const std::string digest = Digest(file);
  const std::string shown = file.sha256.empty() ? file.path : file.sha256.substr(0, 12);
  return json::object{{"status", "pulling " + shown},
                      {"digest", digest},
                      {"total", total},
                      {"completed", completed}};
}

Status PullModel(const hub::Hub& hub, const std::string& models_dir, const hub::PullTarget& target,
                 const std::function<void(const json::object&)>& emit) {
  emit(StatusObject("pulling manifest"));
  Result<std::vector<hub::HubFile>> files = hub::ListRepoFiles(hub, target.repo, "main");
  if (!files.ok()) return files.status();
  const hub::GgufChoice choice = hub::ChooseGguf(*files, target);
  if (choice.outcome == hub::GgufChoice::Outcome::kNoSuchFile) {
    return Status::NotFound(hub::ChoiceMessage(choice, target));
  }
  if (choice.outcome != hub::GgufChoice::Outcome::kChosen) {
    return Status::InvalidArgument(hub::ChoiceMessage(choice, target));
  }
  const hub::HubFile& file = choice.chosen;
  std::error_code ec;
  fs::create_directories(models_dir, ec);
  if (ec) return Status::IoError("models dir " + models_dir + ": " + ec.message());
  const std::string dest = (fs::path(models_dir) / fs::path(file.path).filename()).string();
  Result<bool> present = hub::AlreadyDownloaded(dest, file);
  if (!present.ok()) return present.status();
  if (!*present) {
    hub::DownloadRequest req;
    req.url = hub::ResolveUrl(hub, target.repo, "main", file.path);
    req.dest = dest;
    req.expected_size = file.size;
    req.expected_sha256 = file.sha256;
    Clock::time_point last{};
    req.progress = [&](const hub::DownloadProgress& p) {
      const Clock::time_point now = Clock::now();
      if (now - last < std::chrono::milliseconds(250)) return;
      last = now;
      emit(PullProgress(file, p.done, p.total > 0 ? p.total : file.size));
    };
    Result<hub::DownloadResult> done = hub::DownloadFile(hub, req);
    if (!done.ok()) return done.status();
  }
  emit(PullProgress(file, file.size, file.size));
  emit(StatusObject("verifying sha256 digest"));
  emit(StatusObject("success"));
  return Status::Ok();
}

}  // namespace inferno::server
