// `inferno serve`: the HTTP server (OpenAI-compatible API, seed /chat SSE API, web UI,
// WebSocket debugger) over the models dir. Listens on 127.0.0.1 unless told otherwise.
#include "cli/serve.h"

#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "cli/bench_suite.h"
#include "cli/commands.h"
#include "cli/model_files.h"
#include "cli/text_util.h"
#include "cli/web_ui.h"
#include "engine/model/pooling.h"
#include "server/api.h"
#include "server/bench_routes.h"
#include "server/bench_service.h"
#include "server/debugger_hub.h"
#include "server/debugger_sqlite_store.h"
#include "server/http_server.h"
#include "server/image_fetch.h"
#include "server/model_registry.h"
#include "server/plugins.h"
#include "server/remote_registry.h"
#include "server/static_site.h"
#include "server/store_routes.h"
#include "server/tool_routes.h"
#include "server/tool_service.h"
#include "server/transcription_routes.h"
#include "store/store.h"

namespace inferno::cli {
namespace {

namespace fs = std::filesystem;

// The first line of a key file, trailing spaces dropped; `what` names the flag for errors.
Result<std::string> ReadKeyFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read " + what + " '" + path + "'");
  std::string key;
  std::getline(in, key);
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  if (key.empty()) return Status::InvalidArgument(what + " '" + path + "' is empty");
  return key;
}

// The key from --api-key, else --api-key-file, else INFERNO_API_KEY. A file keeps it out of
// the process list and the shell history.
Status ResolveApiKey(ServeOptions* o) {
  if (!o->api_key.empty() && !o->api_key_file.empty())
    return Status::InvalidArgument("give --api-key or --api-key-file, not both");
  if (!o->api_key_file.empty()) {
    Result<std::string> key = ReadKeyFile(o->api_key_file, "--api-key-file");
    if (!key.ok()) return key.status();
    o->api_key = std::move(*key);
  }
  if (o->api_key.empty()) {
    if (const char* env = std::getenv("INFERNO_API_KEY"); env && *env) o->api_key = env;
  }
  return Status::Ok();
}

// "NAME=VALUE" split at the first '='; `flag` names the option in errors.
Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& s,
                                                            const char* flag) {
  const size_t eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
    return Status::InvalidArgument(std::string(flag) + " takes NAME=VALUE (got '" +
                                   s.substr(0, 100) + "')");
  }
  return std::make_pair(s.substr(0, eq), s.substr(eq + 1));
}

// The endpoints of --remote with their keys. Keys come from the environment or a file only: a
// key on the command line would show in the process list and the shell history.
Status AddRemoteEndpoints(const ServeOptions& o, server::RemoteRegistry& remotes) {
  std::map<std::string, std::string> keys;
  for (const std::string& s : o.remote_key_envs) {
    Result<std::pair<std::string, std::string>> kv = SplitAssignment(s, "--remote-key-env");
    if (!kv.ok()) return kv.status();
    const char* value = std::getenv(kv->second.c_str());
    if (value == nullptr || *value == '\0') {
      return Status::InvalidArgument("--remote-key-env " + kv->first +
                                     ": the environment variable " + kv->second + " is not set");
    }
    keys[kv->first] = value;
  }
  for (const std::string& s : o.remote_key_files) {
    Result<std::pair<std::string, std::string>> kv = SplitAssignment(s, "--remote-key-file");
    if (!kv.ok()) return kv.status();
    Result<std::string> key = ReadKeyFile(kv->second, "--remote-key-file");
    if (!key.ok()) return key.status();
    keys[kv->first] = std::move(*key);
  }
  std::set<std::string> names;
  for (const std::string& s : o.remotes) {
    Result<std::pair<std::string, std::string>> kv = SplitAssignment(s, "--remote");
    if (!kv.ok()) return kv.status();
    auto [name, url] = std::move(*kv);
    while (!url.empty() && url.back() == '/') url.pop_back();
    names.insert(name);
    Status st = remotes.AddConfigured({name, url, keys.count(name) ? keys[name] : "", 0});
    if (!st.ok()) return Status::InvalidArgument("--remote " + name + ": " + st.message());
  }
  for (const auto& [name, key] : keys) {
    if (!names.count(name)) {
      return Status::InvalidArgument("a key is given for remote '" + name + "' but no --remote " +
                                     name + "=URL");
    }
  }
  return Status::Ok();
}

// Speculation asked for on the command line must suit the -m model (a draft of another
// vocabulary is an error there); other models get it when it suits them (spec_note otherwise).
Status CheckPreloadSpec(server::ModelRegistry& registry, const ServeOptions& o,
                        const SpecOptions& spec) {
  if (o.model.empty() || spec.mode == SpecMode::kOff) return Status::Ok();
  Result<std::shared_ptr<server::LoadedModel>> lm = registry.Acquire("");
  if (!lm.ok()) return Status::Ok();  // reported by the requests that need it
  if (Status st = CheckSpecOptions(spec, *(*lm)->model); !st.ok()) return st;
  const std::string& note = (*lm)->scheduler->spec_note();
  if (!note.empty()) fmt::print(stderr, "note: {}\n", note);
  return Status::Ok();
}

// The user's plugins first (a plugin there hides a shipped one of the same name), then the
// examples shipped with Inferno.
std::vector<server::PluginRoot> PluginRoots(const ServeOptions& o) {
  std::vector<server::PluginRoot> roots{
      {o.plugins_dir.empty() ? o.data_dir + "/plugins" : o.plugins_dir, "user"}};
  if (const std::string shipped = ShippedPluginsDir(); !shipped.empty()) {
    roots.push_back({shipped, "shipped"});
  }
  return roots;
}

// Data and models dirs filled in, --web-root and the key checked.
Status ResolveServeOptions(ServeOptions* o) {
  if (o->data_dir.empty()) o->data_dir = DefaultDataDir();
  if (o->models_dir.empty()) {
    // $INFERNO_MODELS_DIR, else inside the data dir that --data-dir chose.
    const char* env = std::getenv("INFERNO_MODELS_DIR");
    o->models_dir = env && *env ? std::string(env) : o->data_dir + "/models";
  }
  if (!o->web_root.empty() && !fs::is_regular_file(fs::path(o->web_root) / "index.html")) {
    return Status::InvalidArgument("--web-root '" + o->web_root +
                                   "' has no index.html (build the UI: make web)");
  }
  return ResolveApiKey(o);
}

server::RegistryOptions MakeRegistryOptions(const ServeOptions& o, const SpecOptions& spec) {
  server::RegistryOptions ro;
  ro.models_dir = o.models_dir;
  ro.preload = o.model;
  ro.fallback_model = DemoModelPath();
  for (const std::string& extra : {ToolsDemoPath(), VisionDemoPath()}) {
    if (!extra.empty()) ro.fallback_extras.push_back(extra);
  }
  ro.preload_mmproj = o.mmproj;
  if (o.allow_remote_images) ro.fetch_image = server::RemoteImageFetcher();
  ro.scheduler.n_slots = std::max(1, o.parallel);
  ro.scheduler.n_ctx = o.ctx_size;
  ro.scheduler.n_threads = o.threads > 0 ? o.threads : DefaultThreads();
  ro.scheduler.kv_types = o.kv.Types();
  ro.scheduler.prompt_cache = !o.no_prompt_cache;
  if (!o.pooling.empty()) ro.scheduler.pooling = ParsePooling(o.pooling).value();
  ro.memory_budget = o.memory_budget;
  ro.scheduler.spec = spec;
  return ro;
}

// The remotes of --remote and those stored, checked in the background once listening.
Status InitRemotes(const ServeOptions& o, server::RemoteRegistry& remotes) {
  if (Status st = AddRemoteEndpoints(o, remotes); !st.ok()) return st;
  Result<std::vector<std::string>> skipped = remotes.LoadStored();
  if (!skipped.ok()) return skipped.status();
  for (const std::string& note : *skipped) fmt::print(stderr, "note: {}\n", note);
  return Status::Ok();
}

void PrintBanner(const ServeOptions& o, int port, const std::string& default_model) {
  fmt::print("inferno serving on http://{}:{}/\n", o.host, port);
  fmt::print("  models dir: {}\n  default model: {}\n  data dir: {}{}\n", o.models_dir,
             default_model.empty() ? "(none: put a .gguf in the models dir)" : default_model,
             o.data_dir, o.api_key.empty() ? "" : "\n  API key required");
  if (o.host == "0.0.0.0" || o.host == "::") {
    fmt::print(
        "  listening on every interface: requests must name this machine as loopback or a host "
        "given with --allowed-hosts\n");
  }
  std::fflush(stdout);
}

// The shutdown signals, blocked in every thread (threads started later inherit the mask); one
// thread waits for them.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

// Reports (banner or hook) and serves until stopped. The process exit code.
int RunUntilStopped(server::HttpServer& http, const ServeOptions& o, const ServeHooks& hooks,
                    const sigset_t& signals, const std::string& default_model) {
  std::atomic<bool> finished = false;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (finished) return;
    if (hooks.on_signal) {
      hooks.on_signal();
    } else {
      http.Stop();
    }
  });
  bool started = true;
  if (hooks.on_listening) {
    started = hooks.on_listening(http.port(), [&http] { http.Stop(); });
  } else {
    PrintBanner(o, http.port(), default_model);
  }
  if (started) http.Run();
  if (hooks.after_run) hooks.after_run();
  finished = true;
  // Wake the signal thread if Run() ended for another reason.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  fmt::print(stderr, "inferno: stopped\n");
  return started ? 0 : 1;
}

// The server's parts that need the database: stored conversations, remotes, benchmarks,
// tools, the debugger; then listens. Declared in the order they must be destroyed in reverse.
int ServeWithStore(const ServeOptions& o, const ServeHooks& hooks, const sigset_t& signals,
                   server::ModelRegistry& registry, store::Store& db) {
  server::StoreRoutes store_routes(db);
  server::RemoteTimeouts remote_timeouts;
  remote_timeouts.connect_ms = int(o.remote_connect_timeout * 1000);
  remote_timeouts.read_ms = int(o.remote_timeout * 1000);
  server::RemoteRegistry remotes(remote_timeouts, &db);
  if (Status st = InitRemotes(o, remotes); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  // Benchmark runs (POST /bench): each model measured by a `bench-worker` child of this
  // binary, results stored in the same database, raw worker logs beside the request logs.
  server::BenchService bench_service({SelfBinaryPath(), o.data_dir + "/logs/bench"}, db);
  server::BenchRoutes bench_routes(bench_service, registry, db, &remotes);

  server::AccessOptions access_options;
  access_options.bound_host = o.host;
  access_options.allowed_hosts = o.allowed_hosts;
  access_options.allowed_origins = o.allowed_origins;
  access_options.api_key = o.api_key;
  server::AccessPolicy access(access_options);

  const server::StaticSite site(EmbeddedWebUi());
  server::ApiOptions ao;
  ao.site = &site;
  ao.web_root = o.web_root;
  ao.log_dir = o.data_dir + "/logs";
  ao.log_to_stderr = !o.quiet;
  ao.limits = o.limits;
  ao.responses = &db;
  ao.remotes = &remotes;
  // Speech models (whisper.cpp files in the models dir), transcribed on a worker of their own.
  // Started without -m, as the demo chat model the bundled speech model stands in while the
  // dir has none (a server given its model serves what it was given).
  server::SpeechModels speech_models(o.models_dir, o.model.empty() ? SpeechModelPath() : "");
  server::SpeechService speech(speech_models, o.threads > 0 ? o.threads : DefaultThreads(),
                               o.limits.max_queue);
  ao.speech = &speech_models;
  server::Api api(ao, access, registry);
  server::AddTranscriptionRoutes(api.routes(), speech, registry, api.admission());
  store_routes.AddTo(api.routes());
  bench_routes.AddTo(api.routes());
  // Built-in and MCP tools for the chat (docs/tools.md); MCP server processes stop with it.
  server::ToolService tool_service(db);
  server::AddToolRoutes(api.routes(), tool_service, registry);
  const server::PluginCatalog plugins(PluginRoots(o));
  plugins.AddTo(api.routes());
  if (hooks.add_routes) hooks.add_routes(api.routes(), registry);

  // The WebSocket debugger at GET /ws (docs/protocol.md); declared before the HTTP server
  // so that it outlives every connection.
  server::debugger::Limits dl;
  dl.max_sessions = o.max_debug_sessions;
  // Sessions go to the same database as conversations: listed and exported under
  // /api/sessions, and branched from after a restart.
  server::debugger::Debugger debugger(
      registry, dl, std::make_shared<server::debugger::SqliteSessionStore>(db, dl));
  store_routes.set_flush_sessions([&debugger] { debugger.FlushStore(); });
  debugger.set_is_remote(
      [&remotes](const std::string& model) { return remotes.Find(model).has_value(); });

  server::HttpServerOptions ho;
  ho.host = o.host;
  ho.port = o.port;
  ho.body_limit = o.body_limit;
  ho.image_body_limit = o.image_body_limit;
  server::HttpServer http(
      ho, [&](const server::Request& r, server::ResponseWriter& w) { api.Handle(r, w); },
      [&](std::shared_ptr<server::WsSender> sender, server::WsClient client) {
        // Only upgrades that passed the check below get here: with a key, they carried it.
        client.key_authenticated = !o.api_key.empty();
        return debugger.Connect(std::move(sender), std::move(client));
      },
      [&](const server::Request& r, server::Response* reject) {
        return api.AcceptWebSocket(r, reject);
      });
  if (Status st = http.Listen(); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  access.set_port(http.port());
  remotes.CheckPeriodically(std::chrono::milliseconds(int64_t(o.remote_check_interval * 1000)));
  return RunUntilStopped(http, o, hooks, signals, registry.default_id());
}

}  // namespace

int RunServe(ServeOptions o, const ServeHooks& hooks) {
  if (Status st = ResolveServeOptions(&o); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  const sigset_t signals = BlockShutdownSignals();
  Result<SpecOptions> spec = o.spec.Resolve(nullptr);
  if (!spec.ok()) {
    fmt::print(stderr, "error: {}\n", spec.status().message());
    return 1;
  }
  server::ModelRegistry registry(MakeRegistryOptions(o, *spec));
  if (Status st = registry.Init(); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  if (Status st = CheckPreloadSpec(registry, o, *spec); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  // Conversations and profiles; a database from a newer inferno or an unreadable file stops
  // the server here rather than failing every /api request later.
  Result<std::unique_ptr<store::Store>> db = store::Store::Open(o.data_dir + "/inferno.db");
  if (!db.ok()) {
    fmt::print(stderr, "error: {}\n", db.status().message());
    return 1;
  }
  return ServeWithStore(o, hooks, signals, registry, **db);
}

void AddServeOptions(CLI::App* cmd, ServeOptions* o, ServeFlags which) {
  const bool address_and_key = which == ServeFlags::kAll;
  cmd->add_option("-m,--model", o->model, "Model to load at start (the default for requests)");
  cmd->add_option("--mmproj", o->mmproj,
                  "Vision encoder (mmproj GGUF) of the -m model; models in the models dir use "
                  "the mmproj-*.gguf beside them");
  cmd->add_flag("--allow-remote-images", o->allow_remote_images,
                "Fetch http(s) image URLs in requests (else only data URLs are accepted)");
  o->spec.Add(cmd);
  cmd->add_option("--models-dir", o->models_dir,
                  "Directory of GGUF models (default: <data-dir>/models)");
  cmd->add_option("--data-dir", o->data_dir,
                  "Conversations database (inferno.db), logs (default: ~/.local/share/inferno)");
  if (address_and_key) {
    cmd->add_option("--host", o->host, "Address to listen on")->capture_default_str();
    cmd->add_option("--port", o->port, "Port (0 picks a free one)")
        ->capture_default_str()
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--api-key", o->api_key,
                    "Require 'Authorization: Bearer KEY' (or INFERNO_API_KEY, --api-key-file)");
    cmd->add_option("--api-key-file", o->api_key_file,
                    "Read the API key from the first line of this file");
  }
  cmd->add_option("--allowed-hosts", o->allowed_hosts,
                  "Host names the server answers to besides loopback and --host (comma-separated; "
                  "'*' turns the check off, against DNS rebinding)")
      ->delimiter(',');
  cmd->add_option("--allowed-origins", o->allowed_origins,
                  "Other web origins (scheme://host[:port], comma-separated) that may call the API "
                  "from a browser, with CORS; '*' allows any site")
      ->delimiter(',');
  cmd->add_option("--parallel", o->parallel, "Sequences decoded together per model")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--no-prompt-cache", o->no_prompt_cache,
                "Evaluate every prompt whole, instead of reusing the KV of a prefix a sequence "
                "slot already holds (earlier chat turns, a shared system prompt)");
  cmd->add_option("--pooling", o->pooling,
                  "Embedding pooling of every model (default: each model's pooling_type)")
      ->check(CLI::IsMember({"mean", "cls", "last"}));
  cmd->add_option("-c,--ctx-size", o->ctx_size, "Context per sequence")
      ->capture_default_str()
      ->check(CLI::Range(16, 1 << 20));
  cmd->add_option("-t,--threads", o->threads, "Threads per model (0 = all cores)");
  o->kv.Add(cmd);
  cmd->add_option("--web-root", o->web_root,
                  "Serve the web UI from this directory (web/dist) instead of the copy built "
                  "into the binary, read on every request: for working on the UI");
  cmd->add_option("--plugins-dir", o->plugins_dir,
                  "Debugger visualization plugins, one folder each (default: <data dir>/plugins; "
                  "docs/plugins.md)");
  cmd->add_option("--memory-budget", o->memory_budget,
                  "Bytes of model files kept loaded; least recently used unload first (0 = no "
                  "limit)");
  cmd->add_option("--body-limit", o->body_limit, "Largest request body in bytes")
      ->capture_default_str();
  cmd->add_option("--image-body-limit", o->image_body_limit,
                  "Largest body of the requests that take inline images (chat, stored "
                  "messages), in bytes")
      ->capture_default_str();
  cmd->add_option("--cors-origin", o->allowed_origins, "Same as --allowed-origins")->delimiter(',');
  cmd->add_option("--max-debug-sessions", o->max_debug_sessions,
                  "Debugger sessions running at once over WebSocket, whole server")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-queue", o->limits.max_queue,
                  "Generation requests waiting for a free sequence slot, whole server; beyond "
                  "this they get 429 with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--max-client-requests", o->limits.max_client_requests,
                  "Generation requests running or waiting at once per client (address, Origin "
                  "and key); beyond this they get 429 with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--remote", o->remotes,
                  "A remote OpenAI-compatible server, NAME=URL (its base, without /v1): its "
                  "models are served as NAME/model (repeatable; docs/scale-out.md)");
  cmd->add_option("--remote-key-env", o->remote_key_envs,
                  "NAME=VAR: the API key of remote NAME is in environment variable VAR");
  cmd->add_option("--remote-key-file", o->remote_key_files,
                  "NAME=PATH: the API key of remote NAME is the first line of file PATH");
  cmd->add_option("--remote-connect-timeout", o->remote_connect_timeout,
                  "Seconds to wait for a connection to a remote (two retries follow)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--remote-timeout", o->remote_timeout,
                  "Seconds a remote may stay silent during a request before it fails with 504")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--remote-check-interval", o->remote_check_interval,
                  "Seconds between health checks of the remote endpoints (0: only at start)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_flag("-q,--quiet", o->quiet, "No per-request lines on stderr");
}

int CheckServeUsage(const ServeOptions& o) {
  if (!o.mmproj.empty() && o.model.empty()) {
    fmt::print(stderr, "error: --mmproj goes with -m (the model it encodes images for)\n");
    return 2;
  }
  return 0;
}

void AddServeCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = root.add_subcommand("serve", "Serve the web UI and the OpenAI-compatible API");
  AddServeOptions(cmd, o.get(), ServeFlags::kAll);
  cmd->callback([o, exit_code] {
    *exit_code = CheckServeUsage(*o);
    if (*exit_code == 0) *exit_code = RunServe(*o);
  });
}

}  // namespace inferno::cli
