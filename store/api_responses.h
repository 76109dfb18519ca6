// Responses of the OpenAI Responses API (/v1/responses) kept with `store: true`: each response
// object as it was sent, the input items its request added, and an index of every item by id,
// so a later request can continue the conversation (previous_response_id) or refer to an item
// (item_reference). The JSON is the server's; the store keeps it as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "store/database.h"

namespace inferno::store {

struct StoredItem {
  std::string id;
  std::string json;  // the item object
};

struct StoredResponse {
  std::string id;
  std::string previous_id;  // previous_response_id of its request, or ""
  std::string model;
  std::string input;              // JSON array: the items its request added (the chain's are apart)
  std::string response;           // JSON object: the response as returned
  std::vector<StoredItem> items;  // indexed by id (input items without one are not)
  int64_t created_at = 0;         // seconds
};

class ApiResponses {
 public:
  explicit ApiResponses(Database& db) : db_(db) {}

  // Inserts the response and indexes its items; an item id already stored keeps its first row.
  Status SaveResponse(const StoredResponse& r);
  // kNotFound for an unknown id; `items` is left empty.
  Result<StoredResponse> GetResponse(const std::string& id);
  // kNotFound for an unknown id. Responses continuing it keep their previous_id (a chain
  // through a deleted response ends there, as a deleted message's replies do).
  Status DeleteResponse(const std::string& id);
  // An item's JSON by its id, kNotFound if no stored response holds it.
  Result<std::string> GetResponseItem(const std::string& item_id);

 private:
  Database& db_;
};

}  // namespace inferno::store
