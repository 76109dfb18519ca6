// Test helpers for the HTTP server: start `inferno serve --port 0 ...` as a child process
// (the port is read from its first line of output) and speak HTTP/1.1 to it over loopback
// with plain sockets, so tests see exactly the bytes a client would.
#pragma once

#include <sys/types.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

namespace inferno::testing {

class ServerProcess {
 public:
  // Starts `inferno serve --port 0 -q <args...>` and waits until it listens.
  explicit ServerProcess(const std::vector<std::string>& args);
  // The same with another copy of the binary, started in directory `cwd`.
  ServerProcess(const std::vector<std::string>& args, const std::string& binary,
                const std::string& cwd);
  ~ServerProcess();  // SIGTERM, then wait
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& startup_output() const { return output_; }
  // Sends SIGTERM and returns the exit code.
  int Stop();
  // SIGKILL, as a crash or an OOM kill would end it; waits for it to be gone.
  void Kill();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  std::string output_;
};

struct HttpResponse {
  int status = 0;                              // 0: no response (connection failed or closed early)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
};

// A response body parsed as a JSON object; a test failure (and an empty object) if it is not
// JSON.
boost::json::object ParseJsonObject(const std::string& body);

// Cosine similarity of two JSON arrays of numbers of the same length (an embedding of a
// response against an oracle's).
double JsonCosine(const boost::json::array& a, const boost::json::array& b);

// A string field ("message", "param", "code", ...) of the response's OpenAI-style "error"
// object; "" when there is no error object or the field is not a string.
std::string ErrorField(const HttpResponse& r, const char* field);

// A connected loopback socket with a 60 s receive timeout (and a small receive buffer when
// asked), or -1.
int ConnectLoopback(int port, int receive_buffer = 0);

// Sends all of `data` on a socket; false when the peer is gone.
bool SendAll(int fd, const std::string& data);

// One request on a fresh connection ("Connection: close"); "Host: 127.0.0.1" unless `headers`
// name a Host.
HttpResponse HttpRequest(int port, const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::map<std::string, std::string>& headers = {});

// A request whose response is read in parts, to act while a stream is still running.
class StreamingRequest {
 public:
  StreamingRequest(int port, const std::string& method, const std::string& target,
                   const std::string& body, const std::map<std::string, std::string>& headers = {});
  ~StreamingRequest();
  StreamingRequest(const StreamingRequest&) = delete;
  StreamingRequest& operator=(const StreamingRequest&) = delete;
  bool ok() const { return fd_ >= 0 || !raw_.empty(); }
  // Reads until `needle` is among the raw bytes received; false if the response ended first.
  bool ReadUntil(const std::string& needle);
  // Reads whatever has arrived, without waiting; returns every raw byte so far.
  const std::string& ReadAvailable();
  // Reads to the end of the response and parses it.
  HttpResponse Finish();

 private:
  bool Receive(bool wait);
  int fd_ = -1;
  std::string raw_;
};

// Payloads of the "data:" lines of an SSE body, in order; `events` (optional) gets the
// "event:" name of each (or "" when none).
std::vector<std::string> SseData(const std::string& body,
                                 std::vector<std::string>* events = nullptr);

// Opens a connection, sends the request and returns the socket after reading at least
// `min_bytes` of the response (for disconnect tests); -1 on failure.
int OpenStreamAndRead(int port, const std::string& target, const std::string& body,
                      size_t min_bytes);

}  // namespace inferno::testing
