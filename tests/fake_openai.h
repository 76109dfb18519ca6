// A misbehaving OpenAI-compatible endpoint on loopback, for the remote proxy's fault tests:
// it lists one model ("fake") at /v1/models and answers completions as its mode says. One
// connection at a time, each answered on the server's thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace inferno::testing {

class FakeOpenAi {
 public:
  enum class Mode {
    kGood,     // a whole answer, or a stream of three chunks and [DONE]
    kDrop,     // one chunk, then the connection closes (a whole answer is cut short)
    kGarbage,  // one chunk, then an event that is not JSON (a whole answer that is not JSON)
    kStall,    // one chunk, then silence until the client goes (a whole answer never comes)
    kTrickle,  // a chunk every 20 ms until the client goes
  };
  FakeOpenAi();
  ~FakeOpenAi();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_mode(Mode m) { mode_ = m; }
  // Completion requests whose connection the client closed while this was still sending or
  // waiting (kStall, kTrickle).
  int abandoned() const { return abandoned_; }
  // Connections accepted so far (a page must not be able to make the server open any).
  int connections() const { return connections_; }
  // The last completion request's body and Authorization header.
  std::string last_body();
  std::string last_authorization();

 private:
  void Serve();
  void Handle(int fd);
  void Stream(int fd);
  void Whole(int fd);
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<Mode> mode_{Mode::kGood};
  std::atomic<int> abandoned_{0};
  std::atomic<int> connections_{0};
  std::thread thread_;
  std::mutex mu_;
  std::string last_body_, last_auth_;
};

// A loopback port nothing listens on (bound, then closed): connections are refused.
int RefusingPort();

}  // namespace inferno::testing
