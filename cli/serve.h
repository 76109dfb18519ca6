// The server of `inferno serve`, in pieces that `inferno app` (cli/app.cc) reuses: the
// options and their flags, and RunServe with hooks for what the app does differently (its own
// routes, a window started once the port is known, signals that close the window first).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/kv_cache_flags.h"
#include "cli/spec_flags.h"
#include "server/admission.h"
#include "server/model_registry.h"
#include "server/router.h"

namespace CLI {
class App;
}

namespace inferno::cli {

struct ServeOptions {
  std::string model;
  std::string mmproj;
  bool allow_remote_images = false;
  std::string models_dir;
  std::string data_dir;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;
  std::string api_key_file;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  int parallel = 4;
  bool no_prompt_cache = false;
  std::string pooling;  // embeddings: overrides the models' pooling_type; empty keeps it
  int ctx_size = 4096;
  KvCacheFlags kv;
  int threads = 0;
  std::string web_root;
  std::string plugins_dir;  // empty: <data dir>/plugins
  uint64_t memory_budget = 0;
  size_t body_limit = 1 << 20;
  size_t image_body_limit = 20 << 20;
  bool quiet = false;
  int max_debug_sessions = 64;
  server::AdmissionLimits limits;
  SpecFlags spec;
  // Remote OpenAI-compatible endpoints: NAME=URL, and their keys as NAME=VAR / NAME=PATH.
  std::vector<std::string> remotes, remote_key_envs, remote_key_files;
  double remote_connect_timeout = 5;
  double remote_timeout = 120;
  double remote_check_interval = 60;  // seconds between health checks of the remotes
};

// Which flags a command gets: `inferno app` chooses its own address and key.
enum class ServeFlags { kAll, kNoAddressOrKey };

// The serve flags on `cmd`, stored into *o (which must outlive the parse).
void AddServeOptions(CLI::App* cmd, ServeOptions* o, ServeFlags which);

// What a caller of RunServe adds to the plain server. Every member may be empty.
struct ServeHooks {
  // More routes, before the server listens.
  std::function<void(server::Router&, server::ModelRegistry&)> add_routes;
  // Once the server listens on `port`, instead of serve's banner; `stop` ends the server (from
  // any thread). Returns false to stop at once (it printed why).
  std::function<bool(int port, std::function<void()> stop)> on_listening;
  // SIGINT/SIGTERM, instead of stopping the server.
  std::function<void()> on_signal;
  // After the server stopped serving, while `stop` may still be called.
  std::function<void()> after_run;
};

// 2 after printing the error when the flags do not go together (--mmproj without -m), else 0.
int CheckServeUsage(const ServeOptions& o);

// Runs the server until it is stopped (a signal, or a hook). The process exit code.
int RunServe(ServeOptions o, const ServeHooks& hooks = {});

}  // namespace inferno::cli
