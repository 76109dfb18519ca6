#include "server/remote_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace inferno::server {
namespace {

using Clock = std::chrono::steady_clock;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The state curl's callbacks share for one attempt.
struct Transfer {
  CURL* curl = nullptr;
  const RemoteDataFn* on_data = nullptr;
  std::string content_type;
  int read_ms = 0;
  Clock::time_point last_activity = Clock::now();
  curl_off_t last_down = 0, last_up = 0;
  bool timed_out = false, aborted = false, received = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  t->received = true;
  if (!(*t->on_data)(status, t->content_type, std::string_view(data, size * n))) {
    t->aborted = true;
    return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
  }
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.size() > 13 && strncasecmp(line.data(), "content-type:", 13) == 0) {
    line.remove_prefix(13);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    t->content_type = std::string(line);
  }
  return size * n;
}

// Called by curl often while data moves and about once a second when it does not: the read
// timeout is the silence since the last byte either way, counted once connected.
int OnProgress(void* user, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up) {
  auto* t = static_cast<Transfer*>(user);
  const Clock::time_point now = Clock::now();
  curl_off_t connected = 0;
  curl_easy_getinfo(t->curl, CURLINFO_CONNECT_TIME_T, &connected);
  if (connected == 0 || down != t->last_down || up != t->last_up) {
    t->last_down = down;
    t->last_up = up;
    t->last_activity = now;
    return 0;
  }
  if (now - t->last_activity > std::chrono::milliseconds(t->read_ms)) {
    t->timed_out = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

curl_slist* HeadersFor(const RemoteCall& call) {
  curl_slist* h = nullptr;
  h = curl_slist_append(h, "Accept: application/json, text/event-stream");
  if (call.method == "POST") h = curl_slist_append(h, "Content-Type: application/json");
  if (!call.api_key.empty()) {
    h = curl_slist_append(h, ("Authorization: Bearer " + call.api_key).c_str());
  }
  h = curl_slist_append(h, "Expect:");  // no 100-continue round trip before the body
  return h;
}

bool IsConnectFailure(CURLcode rc, CURL* c) {
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
      rc == CURLE_COULDNT_RESOLVE_PROXY) {
    return true;
  }
  curl_off_t connected = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected);
  return rc == CURLE_OPERATION_TIMEDOUT && connected == 0;
}

RemoteOutcome Attempt(const RemoteCall& call, const RemoteTimeouts& timeouts,
                      const RemoteDataFn& on_data) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  RemoteOutcome out;
  std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
  if (!c) {
    out.failure = RemoteFailure::kTransfer;
    out.message = "could not start an HTTP request (curl_easy_init)";
    return out;
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(HeadersFor(call));
  Transfer t;
  t.curl = c.get();
  t.on_data = &on_data;
  t.read_ms = timeouts.read_ms;
  char error_buffer[CURL_ERROR_SIZE] = "";
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  if (call.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(call.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, long(timeouts.connect_ms));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect must not move the key elsewhere
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  out.received = t.received;
  if (rc == CURLE_OK) return out;
  out.message = *error_buffer ? std::string(error_buffer) : curl_easy_strerror(rc);
  if (t.aborted) {
    out.failure = RemoteFailure::kAborted;
  } else if (t.timed_out) {
    out.failure = RemoteFailure::kTimeout;
    out.message = "no data for " + std::to_string(timeouts.read_ms) + " ms";
  } else if (IsConnectFailure(rc, h)) {
    out.failure = RemoteFailure::kConnect;
  } else {
    out.failure = RemoteFailure::kTransfer;
  }
  return out;
}

}  // namespace

RemoteOutcome CallRemote(const RemoteCall& call, const RemoteTimeouts& timeouts,
                         const RemoteDataFn& on_data) {
  RemoteOutcome out;
  for (int attempt = 0;; ++attempt) {
    out = Attempt(call, timeouts, on_data);
    if (out.failure != RemoteFailure::kConnect || out.received) return out;
    if (attempt >= timeouts.connect_retries) return out;
    // A restarting server or a full accept queue: wait a little longer each time.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  }
}

}  // namespace inferno::server
