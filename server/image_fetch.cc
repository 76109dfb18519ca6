#include "server/image_fetch.h"

#include <curl/curl.h>

#include <memory>
#include <string>

namespace inferno::server {
namespace {

struct Download {
  std::string body;
  uint64_t max_bytes = 0;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* d = static_cast<Download*>(user);
  if (d->body.size() + size * n > d->max_bytes) {
    d->too_big = true;
    return 0;  // aborts the transfer
  }
  d->body.append(data, size * n);
  return size * n;
}

bool IsHttpUrl(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

Result<std::string> Fetch(const std::string& url, const ImageFetchLimits& limits) {
  if (!IsHttpUrl(url)) {
    return Status::InvalidArgument("image URL '" + url.substr(0, 80) +
                                   "': only data:, http: and https: URLs are accepted");
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(curl_easy_init(), curl_easy_cleanup);
  if (!c) return Status::IoError("libcurl could not start a transfer");
  Download d;
  d.max_bytes = limits.max_bytes;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.get(), CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, limits.timeout_seconds);
  curl_easy_setopt(c.get(), CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limits.max_bytes));
  curl_easy_setopt(c.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &d);
  const CURLcode rc = curl_easy_perform(c.get());
  if (d.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status::InvalidArgument("image URL '" + url.substr(0, 80) + "': larger than " +
                                   std::to_string(limits.max_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    return Status::InvalidArgument("image URL '" + url.substr(0, 80) + "' could not be fetched: " +
                                   (error[0] ? std::string(error) : curl_easy_strerror(rc)));
  }
  return std::move(d.body);
}

}  // namespace

request::ImageFetcher RemoteImageFetcher(const ImageFetchLimits& limits) {
  return [limits](const std::string& url) { return Fetch(url, limits); };
}

}  // namespace inferno::server
