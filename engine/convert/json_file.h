// Reading and writing the files of a checkpoint directory, with errors that name the file and
// key.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::convert {

// Writes `text` to `path`, replacing it (checkpoint exports and synthetic checkpoints).
Status WriteTextFile(const std::string& path, const std::string& text);

// Parses `path`; a missing file is NotFound, bad syntax or a non-object root is Corruption.
Result<boost::json::object> ReadJsonObject(const std::string& path);

// Typed lookups in an object read from `file` (used in the error messages).
class JsonView {
 public:
  JsonView(const boost::json::object& o, std::string file) : o_(&o), file_(std::move(file)) {}

  bool Has(const char* key) const;
  Result<int64_t> Int(const char* key) const;  // required
  Result<int64_t> IntOr(const char* key, int64_t def) const;
  Result<double> Number(const char* key) const;
  Result<double> NumberOr(const char* key, double def) const;
  Result<bool> BoolOr(const char* key, bool def) const;
  Result<std::string> StringOr(const char* key, std::string def) const;
  const boost::json::value* Get(const char* key) const;  // null when missing or null
  const std::string& file() const { return file_; }

 private:
  Status Missing(const char* key) const;
  Status WrongType(const char* key, const char* want) const;
  const boost::json::object* o_;
  std::string file_;
};

}  // namespace inferno::convert
