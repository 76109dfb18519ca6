// The store's REST API under /api/ (conversations, their messages, export/import, profiles,
// debugger sessions),
// as specified in docs/store_api.md. Bodies are validated field by field and every failure
// answers in OpenAI's error shape: 400 bad JSON or types, 404 unknown ids, 405 wrong method,
// 409 duplicate profile name, 413 text over its limit. A 201 on a message means it is
// committed to disk.
#pragma once

#include <optional>

#include "server/http_types.h"
#include "store/store.h"

namespace inferno::server {

class StoreRoutes {
 public:
  explicit StoreRoutes(store::Store& store) : store_(store) {}

  // The response for a store route, or nullopt when the path is not one of them.
  std::optional<Response> Handle(const Request& request);

 private:
  Response Conversations(const Request& r);
  Response Conversation(const Request& r, int64_t id);
  Response Messages(const Request& r, int64_t id);
  Response Profiles(const Request& r);
  Response Profile(const Request& r, int64_t id);
  Response Sessions(const Request& r);  // debugger sessions
  Response Session(const Request& r, const std::string& id);
  Response ImportSession(const Request& r);

  store::Store& store_;
};

}  // namespace inferno::server
