#include "server/http_types.h"

namespace inferno::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    *out += char(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string raw_key(pair.substr(0, eq));
    std::string raw_value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    for (std::string* s : {&raw_key, &raw_value}) {
      for (char& c : *s) {
        if (c == '+') c = ' ';  // form encoding in queries
      }
    }
    std::string key, value;
    if (!PercentDecode(raw_key, &key) || !PercentDecode(raw_value, &value)) continue;
    out[key] = value;
  }
  return out;
}

bool SplitTarget(Request& request) {
  const std::string_view target = request.target;
  const size_t q = target.find('?');
  if (!PercentDecode(target.substr(0, q), &request.path)) return false;
  if (request.path.empty() || request.path[0] != '/') return false;
  request.query = q == std::string_view::npos ? std::map<std::string, std::string>()
                                              : ParseQuery(target.substr(q + 1));
  return true;
}

const char* StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

}  // namespace inferno::server
