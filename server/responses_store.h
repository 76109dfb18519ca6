// The Responses API's use of the store (store/api_responses.h): the conversation a
// previous_response_id continues, item_reference items resolved, a finished response kept
// with ids for its input items, and the pages of GET /v1/responses/{id}/input_items.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "engine/util/status.h"
#include "server/openai.h"
#include "store/api_responses.h"

namespace inferno::server {

// A stored JSON text (kCorruption if it is not JSON).
Result<boost::json::value> ParseStored(const std::string& text);

// The items of the chain ending at response `id`, oldest first: each response's input items,
// then its output items. An unknown `id` is 404 naming previous_response_id; a chain cut
// short by a deleted response ends there. `responses` null: 400 (nothing is kept).
std::optional<ApiError> ChainItems(store::ApiResponses* responses, std::string id,
                                   boost::json::array* items);

// item_reference items replaced by the stored items they name (404 for an unknown id).
std::optional<ApiError> ResolveItems(store::ApiResponses* responses, boost::json::array* items);

// Keeps a finished response: its request's input items (given ids: msg_..., fco_...) and
// its output, every item indexed by id. A failed write loses only the continuation.
void KeepResponse(store::ApiResponses* responses, const std::string& previous_id,
                  boost::json::array input, const boost::json::object& response);

// OpenAI's list page of items: in `asc` order (else newest first), those after the item
// `after` (a cursor, "" for the start), at most `limit`.
boost::json::object ItemPage(const boost::json::array& items, bool asc, const std::string& after,
                             int limit);

}  // namespace inferno::server
