#include "store/remote_endpoints.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "store/fields.h"
#include "store/limits.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxKey = 4096;

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

Status ValidateUrl(const std::string& url) {
  const size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0) return Status::InvalidArgument("url must start with http:// or https://");
  INFERNO_RETURN_IF_ERROR(CheckText("url", url, kMaxUrl));
  const std::string_view rest = std::string_view(url).substr(scheme);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return Status::InvalidArgument("url has no host");
  // A key goes in --remote-key-env/--remote-key-file or the api_key field, not in the URL
  // (where listings and logs would show it).
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("url must not hold credentials (user:password@)");
  }
  for (char c : url) {
    if (c <= ' ' || c == '?' || c == '#' || c == '\x7f') {
      return Status::InvalidArgument("url must not hold spaces, control characters, '?' or '#'");
    }
  }
  if (url.back() == '/') return Status::InvalidArgument("url must not end with '/'");
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0) {
    return Status::InvalidArgument("url is the server's base, without /v1 (it is added)");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRemoteEndpoint(const RemoteEndpoint& e) {
  if (e.name.empty()) return Status::InvalidArgument("a remote endpoint needs a non-empty name");
  INFERNO_RETURN_IF_ERROR(CheckText("name", e.name, Limits::kName));
  for (char c : e.name) {
    if (!IsNameChar(c)) {
      return Status::InvalidArgument("name '" + e.name.substr(0, 60) +
                                     "' may only hold letters, digits, '.', '_' and '-'");
    }
  }
  INFERNO_RETURN_IF_ERROR(ValidateUrl(e.url));
  if (e.api_key.size() > kMaxKey || e.api_key.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("api_key must be one line of at most 4096 bytes");
  }
  return Status::Ok();
}

Result<std::vector<RemoteEndpoint>> RemoteEndpoints::ListRemoteEndpoints() {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "SELECT name, url, api_key, created_at FROM remote_endpoints ORDER BY "
                        "created_at, name");
    std::vector<RemoteEndpoint> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                     q.getColumn(2).getString(), q.getColumn(3).getInt64()});
    }
    return out;
  } catch (const std::exception& e) {
    return db_.Failed("listing remote endpoints", e);
  }
}

Result<RemoteEndpoint> RemoteEndpoints::AddRemoteEndpoint(const RemoteEndpoint& endpoint) {
  INFERNO_RETURN_IF_ERROR(ValidateRemoteEndpoint(endpoint));
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    RemoteEndpoint out = endpoint;
    out.created_at = NowMs();
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO remote_endpoints (name, url, api_key, created_at) VALUES (?, "
                        "?, ?, ?)");
    q.bind(1, out.name);
    q.bind(2, out.url);
    q.bind(3, out.api_key);
    q.bind(4, out.created_at);
    q.exec();
    return out;
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CONSTRAINT) {
      return Status::AlreadyExists("a remote endpoint named '" + endpoint.name +
                                   "' already exists");
    }
    return db_.Failed("adding a remote endpoint", e);
  } catch (const std::exception& e) {
    return db_.Failed("adding a remote endpoint", e);
  }
}

Status RemoteEndpoints::DeleteRemoteEndpoint(const std::string& name) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM remote_endpoints WHERE name = ?");
    q.bind(1, name);
    if (q.exec() == 0) return Status::NotFound("no stored remote endpoint named '" + name + "'");
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting a remote endpoint", e);
  }
}

}  // namespace inferno::store
