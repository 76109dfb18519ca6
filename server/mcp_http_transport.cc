// Streamable HTTP (MCP specification, "Transports"): every message is a POST of one JSON-RPC
// message with Accept: application/json, text/event-stream. A request's reply is either a JSON
// body or an SSE stream carrying it (possibly after server notifications and requests); the
// stream is read only until the reply arrives. Notifications get 202 with no body.
#include <curl/curl.h>

#include <boost/json.hpp>
#include <mutex>

#include "engine/util/thread_annotations.h"
#include "server/mcp_protocol.h"
#include "server/mcp_transport.h"

namespace inferno::server::mcp {
namespace {

namespace json = boost::json;

constexpr size_t kMaxReplyBytes = 16u << 20;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One POST's state, shared with curl's callbacks.
struct PostState {
  int64_t id = -1;  // -1: a notification, no reply expected
  std::string body, content_type, session_id;
  size_t scanned = 0;  // events before this offset were already looked at
  std::optional<json::value> reply;
  Status error;  // a malformed stream stops the transfer with this
  bool too_big = false;
};

bool IsEventStream(const PostState& x) { return x.content_type.find("text/event-stream") == 0; }

// Looks for the reply in the complete events received so far, so that the stream can be left
// as soon as the reply is in (a server may keep it open).
void ScanEvents(PostState& x) {
  const size_t end = x.body.rfind("\n\n");
  if (end == std::string::npos || end + 2 <= x.scanned) return;
  const std::string_view events = std::string_view(x.body).substr(x.scanned, end - x.scanned);
  x.scanned = end + 2;
  Result<std::vector<json::value>> messages = ParseEventStream(events);
  if (!messages.ok()) {
    x.error = messages.status();
    return;
  }
  for (json::value& m : *messages) {
    if (IsResponseTo(m, x.id)) x.reply = std::move(m);
  }
}

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<PostState*>(user);
  if (x->body.size() + size * n > kMaxReplyBytes) {
    x->too_big = true;
    return 0;
  }
  x->body.append(data, size * n);
  if (IsEventStream(*x) && x->id >= 0) {
    ScanEvents(*x);
    if (x->reply || !x->error.ok()) return 0;  // stop reading: curl ends with a write error
  }
  return size * n;
}

std::string Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
    v.remove_suffix(1);
  return std::string(v);
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<PostState*>(user);
  std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (name == "content-type") x->content_type = Trim(line.substr(colon + 1));
  if (name == "mcp-session-id") x->session_id = Trim(line.substr(colon + 1));
  return size * n;
}

class HttpTransport : public Transport {
 public:
  explicit HttpTransport(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  Result<json::value> Exchange(const std::string& request, int64_t id, int timeout_ms) override {
    MutexLock lock(&mu_);
    PostState x;
    x.id = id;
    INFERNO_RETURN_IF_ERROR(Post(request, timeout_ms, &x));
    if (!IsEventStream(x)) return JsonReply(x);
    if (!x.reply) {  // the last event may end with the stream rather than a blank line
      x.body += "\n\n";
      ScanEvents(x);
      if (!x.error.ok()) return x.error;
    }
    if (x.reply) return std::move(*x.reply);
    return Status::InvalidArgument(
        "the MCP server's event stream ended without the reply to "
        "request " +
        std::to_string(id));
  }

  Status Notify(const std::string& notification, int timeout_ms) override {
    MutexLock lock(&mu_);
    PostState x;
    return Post(notification, timeout_ms, &x);
  }

  void SetProtocolVersion(const std::string& version) override {
    MutexLock lock(&mu_);
    protocol_version_ = version;
  }

 private:
  Result<json::value> JsonReply(const PostState& x) {
    Result<json::value> m = ParseMessage(x.body);
    if (!m.ok()) return m.status();
    if (m->is_array()) {  // a batch: take our reply from it
      for (const json::value& v : m->as_array()) {
        if (IsResponseTo(v, x.id)) return v;
      }
    } else if (IsResponseTo(*m, x.id)) {
      return m;
    }
    return Status::InvalidArgument("the MCP server's reply is not the response to request " +
                                   std::to_string(x.id));
  }

  curl_slist* Headers() REQUIRES(mu_) {
    curl_slist* h = nullptr;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    if (!session_id_.empty()) h = curl_slist_append(h, ("Mcp-Session-Id: " + session_id_).c_str());
    if (!protocol_version_.empty()) {
      h = curl_slist_append(h, ("MCP-Protocol-Version: " + protocol_version_).c_str());
    }
    for (const auto& [name, value] : endpoint_.headers) {
      h = curl_slist_append(h, (name + ": " + value).c_str());
    }
    return h;
  }

  Status Post(const std::string& message, int timeout_ms, PostState* x) REQUIRES(mu_) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
    if (!c) return Status::IoError("could not start an HTTP request (curl_easy_init)");
    std::unique_ptr<curl_slist, SlistDeleter> headers(Headers());
    char error_buffer[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c.get(), CURLOPT_URL, endpoint_.url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, message.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, long(message.size()));
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, long(timeout_ms));
    curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT_MS, long(std::min(timeout_ms, 10000)));
    curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, OnData);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, x);
    const CURLcode rc = curl_easy_perform(c.get());
    if (!x->session_id.empty()) session_id_ = x->session_id.substr(0, 256);
    if (x->too_big) return Status::OutOfRange("the MCP server's reply is larger than 16 MiB");
    if (!x->error.ok()) return x->error;
    if (rc != CURLE_OK && !x->reply) {
      return Status::IoError("MCP server " + endpoint_.url + ": " +
                             (*error_buffer ? std::string(error_buffer) : curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    return CheckStatus(status, *x);
  }

  Status CheckStatus(long status, const PostState& x) REQUIRES(mu_) {
    if (status >= 200 && status < 300) return Status::Ok();
    std::string what = "MCP server " + endpoint_.url + " answered HTTP " + std::to_string(status);
    if (status == 404 && !session_id_.empty()) {
      session_id_.clear();
      return Status::NotFound(what + ": its session ended; test the connection again");
    }
    if (status == 401 || status == 403) what += " (check the server's headers, e.g. its key)";
    const std::string body = x.body.substr(0, 200);
    return Status::IoError(body.empty() ? what : what + ": " + body);
  }

  const HttpEndpoint endpoint_;
  Mutex mu_;
  std::string session_id_ GUARDED_BY(mu_);
  std::string protocol_version_ GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<Transport>> NewHttpTransport(HttpEndpoint endpoint) {
  if (endpoint.url.rfind("http://", 0) != 0 && endpoint.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(
        "the MCP server's URL must start with http:// or https:// (got '" +
        endpoint.url.substr(0, 100) + "')");
  }
  for (const auto& [name, value] : endpoint.headers) {
    const bool bad_name = name.empty() || name.find_first_of(":\r\n ") != std::string::npos;
    if (bad_name || value.find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument("header '" + name.substr(0, 60) +
                                     "' has a name or value that cannot be sent");
    }
  }
  return std::unique_ptr<Transport>(new HttpTransport(std::move(endpoint)));
}

}  // namespace inferno::server::mcp
