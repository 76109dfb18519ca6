// What the route fuzz targets share: a scratch directory, the fixture model, registries and a
// store to serve from, and the checks on what a route answers. Header-only, since every
// fuzz/*_fuzz.cc is its own program (and its own object in the replay binary).
#pragma once

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "server/http_types.h"
#include "server/model_registry.h"
#include "server/store_routes.h"
#include "store/store.h"

namespace inferno::fuzz {

inline void Check(bool ok) {
  if (!ok) std::abort();
}

// A directory under /dev/shm (the stores write there at memory speed), else the system temp
// dir; removed when the process exits normally.
inline const std::string& ScratchDir() {
  // Never destroyed: the exit handler that removes it runs after static destructors.
  static const std::string* dir = [] {
    namespace fs = std::filesystem;
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "inferno-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(ScratchDir(), ec);
    });
    return new std::string(pattern);
  }();
  return *dir;
}

// The tiny fixture model (INFERNO_FUZZ_MODEL overrides it); "" when it is not there, in which
// case the routes that need a loaded model are fuzzed only up to the model lookup.
inline std::string FixtureModel() {
  if (const char* env = std::getenv("INFERNO_FUZZ_MODEL")) return env;
#ifdef INFERNO_SHARED_DIR
  const std::string path =
      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf";
  if (std::filesystem::is_regular_file(path)) return path;
#endif
  return "";
}

// A registry serving `models_dir` (created empty if missing) and `preload` (loaded now when
// given), one thread and a small context.
inline std::unique_ptr<server::ModelRegistry> MakeRegistry(const std::string& models_dir,
                                                           const std::string& preload) {
  server::RegistryOptions o;
  o.models_dir = models_dir;
  o.preload = preload;
  o.scheduler.n_slots = 1;
  o.scheduler.n_ctx = 256;
  o.scheduler.n_threads = 1;
  auto registry = std::make_unique<server::ModelRegistry>(o);
  Check(registry->Init().ok());
  return registry;
}

// Oracle besides the sanitizers: a plausible status, and a JSON response that is JSON.
// INFERNO_FUZZ_VERBOSE=1 prints each response, to see how far an input gets.
inline void CheckResponse(const server::Response& r) {
  static const bool verbose = std::getenv("INFERNO_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%d %.300s\n", r.status, r.body.c_str());
  Check(r.status >= 100 && r.status <= 599);
  if (r.content_type != "application/json" || r.body.empty()) return;
  boost::json::error_code ec;
  (void)boost::json::parse(r.body, ec);
  Check(!ec);
}

// Checks what a route sends; streams (a generation) must not start in a fuzz run.
class CapturingWriter : public server::ResponseWriter {
 public:
  void Send(server::Response r) override {
    Check(!started_);
    started_ = true;
    CheckResponse(r);
  }
  bool StartStream(int, std::string, server::Headers) override {
    std::abort();  // a fuzzed request reached generation: the set-up is wrong
  }
  bool Write(std::string_view) override { return false; }
  void EndStream() override {}
  bool started() const override { return started_; }

 private:
  bool started_ = false;
};

// The store routes over a real Store. The database is started afresh now and then so it
// stays small, with a conversation and a profile numbered 1 for the routes that update them.
class StoreFixture {
 public:
  explicit StoreFixture(std::string path) : path_(std::move(path)) { Reset(); }

  server::StoreRoutes& routes() {
    if (++uses_ % 20000 == 0) Reset();
    return *routes_;
  }

 private:
  void Reset() {
    routes_.reset();
    store_.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
    Result<std::unique_ptr<store::Store>> s = store::Store::Open(path_);
    Check(s.ok());
    store_ = std::move(*s);
    store::ConversationFields first;
    first.title = "first";
    Check(store_->CreateConversation(first).ok());
    store::Profile profile;
    profile.name = "first";
    Check(store_->CreateProfile(profile).ok());
    routes_ = std::make_unique<server::StoreRoutes>(*store_);
  }

  std::string path_;
  uint64_t uses_ = 0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::StoreRoutes> routes_;
};

}  // namespace inferno::fuzz
