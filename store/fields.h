// Field checks shared by the store's tables (internal to store/).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "engine/util/status.h"
#include "store/limits.h"

namespace inferno::store {

// kOutOfRange naming the field, its size and the limit.
Status TooLong(const char* what, size_t size, size_t limit);
Status CheckText(const char* what, const std::optional<std::string>& s, size_t limit);
// A JSON object serialized within Limits::kJson.
Status CheckJson(const char* what, const std::optional<boost::json::object>& o);
// A stored JSON object; anything else reads as {}.
boost::json::object ParseObject(const std::string& text);

}  // namespace inferno::store
