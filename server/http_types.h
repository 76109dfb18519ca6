// Plain HTTP request/response types shared by the routes and the transport. Only
// server/http_server.cc sees Boost.Beast; everything else is written and tested against
// these, which keeps the build lean and the routes testable without sockets.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inferno::server {

// Header names are stored lower-case.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::string path;    // target without the query, percent-decoded
  std::map<std::string, std::string> query;
  Headers headers;
  std::string body;
  std::string remote;  // peer address, for logs

  // First header with this (lower-case) name, or "".
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;
  std::string body;
};

// How a route answers: one whole response, or a stream (SSE). Write() returns false once
// the client is gone, which is how a generation learns to stop.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void Send(Response response) = 0;
  virtual bool StartStream(int status, std::string content_type, Headers headers) = 0;
  virtual bool Write(std::string_view data) = 0;
  virtual void EndStream() = 0;
  // True when a response (whole or streamed) has been started.
  virtual bool started() const = 0;
};

// A ResponseWriter that hands everything on to another; subclasses override what they change.
class ForwardingWriter : public ResponseWriter {
 public:
  explicit ForwardingWriter(ResponseWriter& inner) : inner_(inner) {}
  void Send(Response response) override { inner_.Send(std::move(response)); }
  bool StartStream(int status, std::string content_type, Headers headers) override {
    return inner_.StartStream(status, std::move(content_type), std::move(headers));
  }
  bool Write(std::string_view data) override { return inner_.Write(data); }
  void EndStream() override { inner_.EndStream(); }
  bool started() const override { return inner_.started(); }

 protected:
  ResponseWriter& inner_;
};

// Splits "a=1&b=x%20y" into a map, percent-decoding names and values.
std::map<std::string, std::string> ParseQuery(std::string_view query);
// Percent-decodes; '+' stays '+' in paths. Returns false on malformed escapes.
bool PercentDecode(std::string_view in, std::string* out);
// Fills path and query from target.
bool SplitTarget(Request& request);

const char* StatusText(int status);

}  // namespace inferno::server
