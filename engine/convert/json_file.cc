#include "engine/convert/json_file.h"

#include <fstream>
#include <sstream>

namespace inferno::convert {

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(path + ": cannot create");
  out << text;
  return out ? Status::Ok() : Status::IoError(path + ": write failed");
}

Result<boost::json::object> ReadJsonObject(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(ss.str(), ec);
  if (ec) return Status::Corruption(path + ": not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return Status::Corruption(path + ": expected a JSON object at the top level");
  return std::move(v.as_object());
}

const boost::json::value* JsonView::Get(const char* key) const {
  const boost::json::value* v = o_->if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}
bool JsonView::Has(const char* key) const { return Get(key) != nullptr; }

Status JsonView::Missing(const char* key) const {
  return Status::InvalidArgument(file_ + ": required key '" + key + "' is missing");
}
Status JsonView::WrongType(const char* key, const char* want) const {
  return Status::InvalidArgument(file_ + ": key '" + key + "' must be " + want);
}

Result<int64_t> JsonView::Int(const char* key) const {
  const boost::json::value* v = Get(key);
  if (v == nullptr) return Missing(key);
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() < (1ull << 62)) return int64_t(v->as_uint64());
  // Some writers store integers as 4096.0.
  if (v->is_double() && v->as_double() == double(int64_t(v->as_double()))) {
    return int64_t(v->as_double());
  }
  return WrongType(key, "an integer");
}
Result<int64_t> JsonView::IntOr(const char* key, int64_t def) const {
  return Has(key) ? Int(key) : Result<int64_t>(def);
}
Result<double> JsonView::Number(const char* key) const {
  const boost::json::value* v = Get(key);
  if (v == nullptr) return Missing(key);
  if (v->is_number()) return v->to_number<double>();
  return WrongType(key, "a number");
}
Result<double> JsonView::NumberOr(const char* key, double def) const {
  return Has(key) ? Number(key) : Result<double>(def);
}
Result<bool> JsonView::BoolOr(const char* key, bool def) const {
  const boost::json::value* v = Get(key);
  if (v == nullptr) return def;
  if (v->is_bool()) return v->as_bool();
  return WrongType(key, "true or false");
}
Result<std::string> JsonView::StringOr(const char* key, std::string def) const {
  const boost::json::value* v = Get(key);
  if (v == nullptr) return def;
  if (v->is_string()) return std::string(v->as_string());
  return WrongType(key, "a string");
}

}  // namespace inferno::convert
