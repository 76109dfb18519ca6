// The remote OpenAI-compatible endpoints the user added in Settings → Remote endpoints
// (docs/scale-out.md): a name, the base URL (without /v1) and an optional API key. The key
// leaves the store only toward that endpoint (server/remote_registry.h), never in a listing
// or a log. Endpoints given on the command line (--remote) are not stored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "store/database.h"

namespace inferno::store {

struct RemoteEndpoint {
  std::string name;  // the prefix of its models' ids: NAME/model
  std::string url;   // http(s)://host[:port][/path], no trailing slash, no /v1
  std::string api_key;
  int64_t created_at = 0;
};

// The rules every endpoint follows, stored or not: a name of letters, digits, '.', '_' and
// '-' (it becomes an id prefix and a URL segment), an http or https URL without credentials,
// query or fragment.
Status ValidateRemoteEndpoint(const RemoteEndpoint& e);

class RemoteEndpoints {
 public:
  explicit RemoteEndpoints(Database& db) : db_(db) {}

  // Oldest first.
  Result<std::vector<RemoteEndpoint>> ListRemoteEndpoints();
  // Validates; a duplicate name is kAlreadyExists.
  Result<RemoteEndpoint> AddRemoteEndpoint(const RemoteEndpoint& endpoint);
  Status DeleteRemoteEndpoint(const std::string& name);

 private:
  Database& db_;
};

}  // namespace inferno::store
