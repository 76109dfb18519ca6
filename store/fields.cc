#include "store/fields.h"

#include <boost/json.hpp>

namespace inferno::store {

namespace json = boost::json;

Status TooLong(const char* what, size_t size, size_t limit) {
  return Status::OutOfRange(std::string(what) + " is " + std::to_string(size) +
                            " bytes; the limit is " + std::to_string(limit));
}

Status CheckText(const char* what, const std::optional<std::string>& s, size_t limit) {
  if (s && s->size() > limit) return TooLong(what, s->size(), limit);
  return Status::Ok();
}

Status CheckJson(const char* what, const std::optional<json::object>& o) {
  if (!o) return Status::Ok();
  const size_t size = json::serialize(*o).size();
  if (size > Limits::kJson) return TooLong(what, size, Limits::kJson);
  return Status::Ok();
}

json::object ParseObject(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

}  // namespace inferno::store
