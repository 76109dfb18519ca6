// The remote OpenAI-compatible endpoints a server forwards to (docs/scale-out.md): those of
// the command line or config file (--remote NAME=URL, keys from --remote-key-env or
// --remote-key-file) and those stored from Settings (store/remote_endpoints.h). Their models
// are listed as NAME/model; "NAME/anything" is sent to endpoint NAME as model "anything",
// whether or not the last check listed it (the remote decides).
//
// Health is what the last check (GET {url}/v1/models) found: when, how long it took, the
// error, the models. Checks run when an endpoint is added, on request (the Settings page's
// "Test"), and for the configured ones in the background at start. The API key stays here:
// it goes to the endpoint in 'Authorization: Bearer' and nowhere else (no listing, no log).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/util/status.h"
#include "engine/util/thread_annotations.h"
#include "server/remote_client.h"
#include "store/remote_endpoints.h"

namespace inferno::server {

struct RemoteHealth {
  int64_t checked_at_ms = 0;  // Unix ms of the last check; 0: never checked
  bool ok = false;
  double latency_ms = 0;
  std::string error;
  std::vector<std::string> models;  // the remote's own ids
};

// What routes may show of an endpoint: never the key.
struct RemoteEndpointInfo {
  std::string name, url;
  bool has_key = false;
  bool stored = false;  // false: from the command line or config file (not removable)
  RemoteHealth health;
};

// Where a request for a remote model goes.
struct RemoteTarget {
  std::string endpoint;  // NAME
  std::string base_url;  // its URL, without /v1
  std::string api_key;
  std::string model;      // the remote's id
  std::string public_id;  // NAME/model, as clients name it
};

class RemoteRegistry {
 public:
  // `store` (may be null: nothing is stored) must outlive the registry.
  RemoteRegistry(RemoteTimeouts timeouts, store::RemoteEndpoints* store);
  ~RemoteRegistry();  // stops and waits for the background checks

  // An endpoint of the command line or config file, kept in memory only.
  Status AddConfigured(store::RemoteEndpoint endpoint) EXCLUDES(mu_);
  // Reads the stored endpoints; a stored name that is also configured is skipped (the command
  // line wins) with a note in the returned list of warnings.
  Result<std::vector<std::string>> LoadStored() EXCLUDES(mu_);
  // Checks every endpoint now and then every `period` (never again when it is zero), on one
  // thread of its own until the registry goes: an endpoint that went down or came back shows
  // so in the model lists without anyone pressing "test". Called once.
  void CheckPeriodically(std::chrono::milliseconds period) EXCLUDES(mu_);

  // Stores a new endpoint (InvalidArgument, AlreadyExists) and checks it.
  Result<RemoteEndpointInfo> Add(store::RemoteEndpoint endpoint) EXCLUDES(mu_);
  // Removes a stored endpoint: NotFound, or Unsupported for a configured one.
  Status Remove(const std::string& name) EXCLUDES(mu_);
  // GET {url}/v1/models now; the endpoint's new state (NotFound for an unknown name).
  Result<RemoteEndpointInfo> Check(const std::string& name) EXCLUDES(mu_);

  // Sorted by name.
  std::vector<RemoteEndpointInfo> List() EXCLUDES(mu_);
  // The target of "NAME/model" when NAME is an endpoint; nullopt otherwise (a local model).
  std::optional<RemoteTarget> Find(const std::string& model) EXCLUDES(mu_);
  // A forwarded request that could not reach the endpoint marks it unhealthy until the next
  // check.
  void RecordFailure(const std::string& name, const std::string& error) EXCLUDES(mu_);

  const RemoteTimeouts& timeouts() const { return timeouts_; }

 private:
  struct Entry {
    store::RemoteEndpoint endpoint;
    bool stored = false;
    RemoteHealth health;
  };
  static RemoteEndpointInfo Info(const Entry& e);
  Status Insert(store::RemoteEndpoint endpoint, bool stored) EXCLUDES(mu_);

  const RemoteTimeouts timeouts_;
  store::RemoteEndpoints* const store_;
  Mutex mu_;
  std::map<std::string, Entry> endpoints_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  CondVar stop_cv_;      // signalled when stopping_ is set
  std::thread checker_;  // CheckPeriodically's; joined by the destructor
};

// Fetches and reads GET {base_url}/v1/models (an OpenAI list; llama.cpp's server and Ollama
// answer the same shape). Exposed for its tests.
RemoteHealth CheckRemote(const std::string& base_url, const std::string& api_key,
                         const RemoteTimeouts& timeouts);

// The model ids of a /v1/models body, or why it is not one.
Result<std::vector<std::string>> ParseModelList(std::string_view body);

}  // namespace inferno::server
