// A ResponseWriter that passes everything on to another one: the base of the filters that
// change one thing on the way (Api's CORS headers and status record, the Messages API's and
// Ollama's error shapes), so each overrides only what it changes.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "server/http_types.h"

namespace inferno::server {

class ForwardingWriter : public ResponseWriter {
 public:
  explicit ForwardingWriter(ResponseWriter& inner) : inner_(inner) {}
  void Send(Response r) override { inner_.Send(std::move(r)); }
  bool StartStream(int status, std::string content_type, Headers headers) override {
    return inner_.StartStream(status, std::move(content_type), std::move(headers));
  }
  bool Write(std::string_view data) override { return inner_.Write(data); }
  void EndStream() override { inner_.EndStream(); }
  bool started() const override { return inner_.started(); }

 private:
  ResponseWriter& inner_;
};

}  // namespace inferno::server
