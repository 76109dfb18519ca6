#include "hub/hf_hub.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

namespace inferno::hub {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kDefaultEndpoint = "https://huggingface.co";
constexpr const char* kUserAgent = "inferno/0.1";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MdDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using MdPtr = std::unique_ptr<EVP_MD_CTX, MdDeleter>;

std::string Hex(const unsigned char* p, unsigned n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

MdPtr NewSha256() {
  MdPtr ctx(EVP_MD_CTX_new());
  if (ctx) EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  return ctx;
}

std::string FinishSha256(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  return Hex(digest, n);
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Headers of the last response (a redirect's headers are dropped when the next one starts).
struct HeaderCapture {
  std::string link_next;
  std::string content_range;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* h = static_cast<HeaderCapture*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) *h = HeaderCapture{};
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  const std::string name = Lower(line.substr(0, colon));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  if (name == "content-range") h->content_range = value;
  if (name == "link") {
    // <https://host/api/...?cursor=...>; rel="next"
    const size_t rel = value.find("rel=\"next\"");
    const size_t open = value.find('<'), close = value.find('>');
    if (rel != std::string::npos && open != std::string::npos && close > open) {
      h->link_next = value.substr(open + 1, close - open - 1);
    }
  }
  return size * n;
}

CurlPtr NewHandle(const Hub& hub, const std::string& url, curl_slist** headers,
                  char* error_buffer) {
  GlobalInit();
  CurlPtr c(curl_easy_init());
  if (!c) return c;
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);  // resolve/ redirects to a CDN
  curl_easy_setopt(c.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT, 20L);
  // A stalled transfer (under 1 byte/s for a minute) fails instead of hanging forever.
  curl_easy_setopt(c.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, error_buffer);
  if (!hub.token.empty()) {
    // curl does not forward a custom Authorization header to another host on redirect.
    *headers = curl_slist_append(*headers, ("Authorization: Bearer " + hub.token).c_str());
  }
  if (*headers) curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, *headers);
  return c;
}

std::string CurlMessage(CURLcode code, const char* error_buffer) {
  return error_buffer && *error_buffer ? std::string(error_buffer) : curl_easy_strerror(code);
}

bool Unreachable(CURLcode code) {
  return code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY ||
         code == CURLE_COULDNT_CONNECT || code == CURLE_SSL_CONNECT_ERROR ||
         code == CURLE_PEER_FAILED_VERIFICATION;
}

Status NetworkError(const Hub& hub, CURLcode code, const char* error_buffer) {
  if (Unreachable(code)) {
    return Status::IoError("cannot reach " + hub.endpoint + " (" + CurlMessage(code, error_buffer) +
                           "): check the network connection, or set INFERNO_HF_ENDPOINT");
  }
  return Status::IoError("transfer from " + hub.endpoint +
                         " failed: " + CurlMessage(code, error_buffer));
}

Status HttpError(const Hub& hub, long status, const std::string& what, const std::string& repo) {
  if (status == 401 || status == 403) {
    return Status::NotFound(
        hub.token.empty()
            ? repo +
                  " was not found, or it is private or gated: check the name; for a gated "
                  "or private repo set HF_TOKEN to an access token that may read it"
            : "access to " + repo + " was refused with the HF_TOKEN given (HTTP " +
                  std::to_string(status) + "); check that the token may read it");
  }
  if (status == 404)
    return Status::NotFound(what + " not found on " + hub.endpoint + " (HTTP 404)");
  return Status::IoError(hub.endpoint + " answered HTTP " + std::to_string(status) + " for " +
                         what);
}

size_t AppendToString(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string EscapePath(CURL* c, const std::string& path) {
  std::string out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    char* e = curl_easy_escape(c, path.data() + pos, int(slash - pos));
    out += e ? e : "";
    curl_free(e);
    if (slash < path.size()) out += '/';
    pos = slash + 1;
  }
  return out;
}

// One download attempt's state, shared with curl's callbacks.
struct Transfer {
  int fd = -1;
  EVP_MD_CTX* sha = nullptr;
  CURL* curl = nullptr;
  HeaderCapture* headers = nullptr;
  uint64_t offset = 0;      // bytes in the .part file
  uint64_t requested = 0;   // the Range start we asked for
  uint64_t downloaded = 0;  // body bytes written by this attempt
  bool first_write = true;
  int write_errno = 0;
  std::string protocol_error;
  const DownloadRequest* request = nullptr;
  uint64_t resumed_from = 0;
  uint64_t total = 0;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t->first_write) {
    t->first_write = false;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 206) {
      // "bytes START-END/TOTAL": START must be where our file ends.
      const std::string& cr = t->headers->content_range;
      const size_t sp = cr.find(' ');
      if (sp == std::string::npos || std::strtoull(cr.c_str() + sp + 1, nullptr, 10) != t->offset) {
        t->protocol_error = "the server resumed at the wrong offset (Content-Range: '" + cr + "')";
        return 0;
      }
    } else if (t->offset > 0) {
      // The server ignored the Range request and sends the whole file: start over.
      if (ftruncate(t->fd, 0) != 0) {
        t->write_errno = errno;
        return 0;
      }
      EVP_DigestInit_ex(t->sha, EVP_sha256(), nullptr);
      t->offset = 0;
      t->resumed_from = 0;
    }
    if (t->request->expected_size == 0) {
      curl_off_t length = -1;
      curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      if (length >= 0) t->total = t->offset + uint64_t(length);
    }
  }
  size_t written = 0;
  while (written < bytes) {
    const ssize_t w = write(t->fd, data + written, bytes - written);
    if (w < 0) {
      if (errno == EINTR) continue;
      t->write_errno = errno;
      return 0;  // curl stops with CURLE_WRITE_ERROR
    }
    written += size_t(w);
  }
  EVP_DigestUpdate(t->sha, data, bytes);
  t->offset += bytes;
  t->downloaded += bytes;
  if (t->request->progress) {
    t->request->progress(DownloadProgress{t->offset, t->total, t->resumed_from});
  }
  return bytes;
}

bool Transient(CURLcode code, long status) {
  if (code == CURLE_HTTP_RETURNED_ERROR) return status >= 500 || status == 429;
  return code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
         code == CURLE_OPERATION_TIMEDOUT || code == CURLE_GOT_NOTHING ||
         code == CURLE_HTTP2_STREAM || code == CURLE_HTTP2;
}

// Hashes what is already in the .part file.
Status HashExisting(int fd, uint64_t size, EVP_MD_CTX* sha, const std::string& path) {
  std::vector<char> buf(1 << 20);
  uint64_t done = 0;
  while (done < size) {
    const ssize_t r =
        pread(fd, buf.data(), std::min<uint64_t>(buf.size(), size - done), off_t(done));
    if (r <= 0) return Status::IoError(path + ": cannot read: " + std::strerror(errno));
    EVP_DigestUpdate(sha, buf.data(), size_t(r));
    done += uint64_t(r);
  }
  return Status::Ok();
}

}  // namespace

Hub HubFromEnvironment() {
  Hub hub;
  const char* endpoint = std::getenv("INFERNO_HF_ENDPOINT");
  hub.endpoint = endpoint && *endpoint ? endpoint : kDefaultEndpoint;
  while (!hub.endpoint.empty() && hub.endpoint.back() == '/') hub.endpoint.pop_back();
  if (const char* token = std::getenv("HF_TOKEN"); token && *token) hub.token = token;
  return hub;
}

Result<std::vector<HubFile>> ListRepoFiles(const Hub& hub, const std::string& repo,
                                           const std::string& revision) {
  std::vector<HubFile> files;
  std::string url = hub.endpoint + "/api/models/" + repo + "/tree/" + revision + "?recursive=true";
  for (int page = 0; !url.empty(); ++page) {
    if (page >= 100) return Status::IoError("the file list of " + repo + " has too many pages");
    char error_buffer[CURL_ERROR_SIZE] = "";
    curl_slist* raw_headers = nullptr;
    CurlPtr c = NewHandle(hub, url, &raw_headers, error_buffer);
    SlistPtr headers(raw_headers);
    if (!c) return Status::IoError("cannot start libcurl");
    std::string body;
    HeaderCapture captured;
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, AppendToString);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &captured);
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 120L);
    const CURLcode code = curl_easy_perform(c.get());
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_HTTP_RETURNED_ERROR) {
      return HttpError(hub, status, "repository " + repo + " (revision " + revision + ")", repo);
    }
    if (code != CURLE_OK) return NetworkError(hub, code, error_buffer);
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_array()) {
      return Status::IoError("unexpected file list from " + hub.endpoint + " for " + repo +
                             " (not a JSON array)");
    }
    for (const json::value& item : v.as_array()) {
      if (!item.is_object()) continue;
      const json::object& o = item.as_object();
      const json::value* type = o.if_contains("type");
      const json::value* path = o.if_contains("path");
      if (!type || !type->is_string() || type->as_string() != "file" || !path ||
          !path->is_string()) {
        continue;
      }
      HubFile f;
      f.path = std::string(path->as_string());
      if (const json::value* size = o.if_contains("size"); size && size->is_number()) {
        f.size = size->to_number<uint64_t>();
      }
      if (const json::value* lfs = o.if_contains("lfs"); lfs && lfs->is_object()) {
        const json::value* oid = lfs->as_object().if_contains("oid");
        if (!oid) oid = lfs->as_object().if_contains("sha256");
        if (oid && oid->is_string()) f.sha256 = Lower(std::string(oid->as_string()));
        if (const json::value* size = lfs->as_object().if_contains("size");
            size && size->is_number()) {
          f.size = size->to_number<uint64_t>();
        }
      }
      files.push_back(std::move(f));
    }
    url = captured.link_next;
  }
  return files;
}

std::string ResolveUrl(const Hub& hub, const std::string& repo, const std::string& revision,
                       const std::string& path) {
  GlobalInit();
  CurlPtr c(curl_easy_init());
  return hub.endpoint + "/" + repo + "/resolve/" + EscapePath(c.get(), revision) + "/" +
         EscapePath(c.get(), path);
}

Result<std::string> FileSha256(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  struct stat st {};
  fstat(fd, &st);
  MdPtr sha = NewSha256();
  Status s = HashExisting(fd, uint64_t(st.st_size), sha.get(), path);
  close(fd);
  if (!s.ok()) return s;
  return FinishSha256(sha.get());
}

namespace {

// Refuses a download that cannot fit: the rest of the file against the free space of its dir.
Status CheckDiskSpace(const DownloadRequest& req, uint64_t have) {
  if (req.expected_size <= have) return Status::Ok();
  struct statvfs vfs {};
  const std::string dir = fs::path(req.dest).parent_path().string();
  if (statvfs(dir.empty() ? "." : dir.c_str(), &vfs) != 0) return Status::Ok();
  const uint64_t free_bytes = uint64_t(vfs.f_bavail) * vfs.f_frsize;
  const uint64_t need = req.expected_size - have;
  if (free_bytes >= need) return Status::Ok();
  return Status::IoError("not enough disk space in " + dir + ": the download needs " +
                         std::to_string(need) + " more bytes, " + std::to_string(free_bytes) +
                         " are free");
}

// Appends the file from t.offset to its end to `part`, each attempt resuming with a Range
// where the last stopped; transient failures are retried (req.retries, waiting longer each
// time), anything else ends it with the error and what is kept for a resume.
Status FetchRest(const Hub& hub, const DownloadRequest& req, const std::string& part, Transfer& t) {
  const int attempts = 1 + std::max(0, req.retries);
  for (int attempt = 1;; ++attempt) {
    if (req.expected_size > 0 && t.offset == req.expected_size) return Status::Ok();
    char error_buffer[CURL_ERROR_SIZE] = "";
    curl_slist* raw_headers = nullptr;
    CurlPtr c = NewHandle(hub, req.url, &raw_headers, error_buffer);
    SlistPtr headers(raw_headers);
    if (!c) return Status::IoError("cannot start libcurl");
    HeaderCapture captured;
    t.curl = c.get();
    t.headers = &captured;
    t.first_write = true;
    t.requested = t.offset;
    t.protocol_error.clear();
    t.write_errno = 0;
    if (t.offset > 0) {
      curl_easy_setopt(c.get(), CURLOPT_RANGE, (std::to_string(t.offset) + "-").c_str());
    }
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &captured);
    if (req.progress) req.progress(DownloadProgress{t.offset, t.total, t.resumed_from});
    const CURLcode code = curl_easy_perform(c.get());
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK) return Status::Ok();
    if (t.write_errno != 0) {
      const int e = t.write_errno;
      return Status::IoError(
          (e == ENOSPC || e == EDQUOT ? "disk full while writing " : "cannot write ") + part +
          " (" + std::strerror(e) + ") after " + std::to_string(t.offset) +
          " bytes; free some space and run the same command again to resume");
    }
    if (!t.protocol_error.empty()) return Status::IoError(req.url + ": " + t.protocol_error);
    if (code == CURLE_HTTP_RETURNED_ERROR && status == 416 && t.offset > 0) {
      // Our range starts at or past the end: the .part is complete or not a prefix of this
      // file. With a known size we know which; the checksum decides otherwise.
      if (req.expected_size == 0 || t.offset == req.expected_size) return Status::Ok();
      if (ftruncate(t.fd, 0) != 0) return Status::IoError(part + ": " + std::strerror(errno));
      EVP_DigestInit_ex(t.sha, EVP_sha256(), nullptr);
      t.offset = 0;
      t.resumed_from = 0;
      if (attempt < attempts) continue;
    }
    if (code == CURLE_HTTP_RETURNED_ERROR && !Transient(code, status)) {
      return HttpError(hub, status, "file " + req.url, req.url);
    }
    if (Unreachable(code) || !Transient(code, status) || attempt >= attempts) {
      Status net = code == CURLE_HTTP_RETURNED_ERROR
                       ? HttpError(hub, status, "file " + req.url, req.url)
                       : NetworkError(hub, code, error_buffer);
      return Status::IoError(net.message() + "; " + std::to_string(t.offset) +
                             " bytes are kept in " + part +
                             ": run the same command again to resume");
    }
    std::this_thread::sleep_for(std::chrono::seconds(attempt));
  }
}

// The whole file in `part` checked (size, checksum) and renamed to req.dest durably.
Status Finish(const DownloadRequest& req, const std::string& part, const DownloadResult& result) {
  if (req.expected_size > 0 && result.bytes != req.expected_size) {
    return Status::IoError(part + " has " + std::to_string(result.bytes) + " bytes but " +
                           std::to_string(req.expected_size) +
                           " were expected; run the same command again to resume");
  }
  if (!req.expected_sha256.empty() && result.sha256 != Lower(req.expected_sha256)) {
    fs::remove(part);
    return Status::Corruption("checksum mismatch for " + req.dest + ": expected SHA-256 " +
                              req.expected_sha256 + ", got " + result.sha256 +
                              "; the partial file was removed, run the command again");
  }
  std::error_code ec;
  fs::rename(part, req.dest, ec);  // same directory: atomic
  if (ec) return Status::IoError("cannot rename " + part + " to " + req.dest + ": " + ec.message());
  const std::string dir = fs::path(req.dest).parent_path().string();
  if (const int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dfd >= 0) {
    fsync(dfd);  // make the rename itself durable
    close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<DownloadResult> DownloadFile(const Hub& hub, const DownloadRequest& req) {
  const std::string part = req.dest + ".part";
  const int fd = open(part.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(part + ": cannot open for writing: " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return Status::IoError("another inferno pull is downloading " + part);
  }
  struct stat st {};
  fstat(fd, &st);
  uint64_t have = uint64_t(st.st_size);
  if (req.expected_size > 0 && have > req.expected_size) {
    // Longer than the file can be: not a prefix of it.
    if (ftruncate(fd, 0) != 0) return Status::IoError(part + ": " + std::strerror(errno));
    have = 0;
  }
  INFERNO_RETURN_IF_ERROR(CheckDiskSpace(req, have));
  MdPtr sha = NewSha256();
  if (!sha) return Status::IoError("cannot start SHA-256 (OpenSSL)");
  INFERNO_RETURN_IF_ERROR(HashExisting(fd, have, sha.get(), part));

  Transfer t;
  t.fd = fd;
  t.sha = sha.get();
  t.offset = have;
  t.request = &req;
  t.resumed_from = have;
  t.total = req.expected_size;
  INFERNO_RETURN_IF_ERROR(FetchRest(hub, req, part, t));
  if (fsync(fd) != 0) return Status::IoError(part + ": fsync: " + std::strerror(errno));
  DownloadResult result;
  result.resumed_from = have;
  result.downloaded = t.downloaded;
  result.bytes = t.offset;
  result.sha256 = FinishSha256(sha.get());
  INFERNO_RETURN_IF_ERROR(Finish(req, part, result));
  return result;
}

}  // namespace inferno::hub
