// The store's REST API under /api/ (conversations, their messages, export/import, profiles,
// debugger sessions), as specified in docs/store_api.md. Bodies are validated field by field and
// every failure answers in OpenAI's error shape: 400 bad JSON or types, 404 unknown ids, 405 wrong
// method, 409 duplicate profile name, 413 text over its limit. A 201 on a message means it is
// committed to disk.
#pragma once

#include <functional>
#include <optional>

#include "server/http_types.h"
#include "server/router.h"
#include "store/store.h"

namespace inferno::server {

class StoreRoutes {
 public:
  explicit StoreRoutes(store::Store& store);

  // Adds the store's routes to a route table; the StoreRoutes must outlive it.
  void AddTo(Router& routes);

  // The response for a store route, or nullopt when the path is not one of them (for tests
  // without a server).
  std::optional<Response> Handle(const Request& request);

  // Called before the debugger-session routes read the store, so that they see every session
  // the debugger has saved (it writes behind, off the scheduler's thread).
  void set_flush_sessions(std::function<void()> flush) { flush_sessions_ = std::move(flush); }

 private:
  Response ListConversations(const Request& r);
  Response CreateConversation(const Request& r);
  Response ImportConversation(const Request& r);
  Response Conversation(const Request& r, int64_t id);  // GET, PATCH, DELETE
  Response ExportConversation(int64_t id);
  Response AppendMessage(const Request& r, int64_t id);
  Response DeleteMessagesFrom(int64_t id, const std::string& message);
  Response ListProfiles();
  Response CreateProfile(const Request& r);
  Response Profile(const Request& r, int64_t id);             // PUT, DELETE
  Response Sessions(const Request& r);                        // debugger sessions
  Response Session(const Request& r, const std::string& id);  // GET, DELETE
  Response ImportSession(const Request& r);

  store::Store& store_;
  std::function<void()> flush_sessions_;
  Router own_;  // the same routes, for Handle()
};

}  // namespace inferno::server
