// llama.cpp's llama-server (the peer build, ~/.cache/inferno-peer/build/bin) serving a fixture
// model on a loopback port, for the remote endpoint tests: started in the constructor, ready
// once /health answers 200, stopped (SIGTERM) in the destructor.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/fake_openai.h"
#include "tests/server_process.h"

extern char** environ;

namespace inferno::testing {

inline std::string PeerServerBinary() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/inferno-peer/build/bin/llama-server";
}

// llama.cpp's server on a fixture model, under the alias `alias`; `extra` are further flags
// (--parallel N).
class LlamaServer {
 public:
  LlamaServer(const std::string& model, const std::string& alias,
              const std::vector<std::string>& extra = {}) {
    port_ = RefusingPort();
    const std::vector<std::string> argv = {
        PeerServerBinary(),    "-m", model,  "--alias", alias, "--host",    "127.0.0.1", "--port",
        std::to_string(port_), "-c", "1024", "-t",      "2",   "--no-webui"};
    std::vector<std::string> args = argv;
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> cargs;
    for (const std::string& a : args) cargs.push_back(const_cast<char*>(a.c_str()));
    cargs.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, cargs[0], &actions, nullptr, cargs.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    // Ready when /health answers 200 (503 while the model loads).
    for (int i = 0; pid_ > 0 && i < 600; ++i) {
      if (HttpRequest(port_, "GET", "/health").status == 200) {
        ready_ = true;
        break;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~LlamaServer() { Stop(); }
  // Stops the server now (a remote that dies); its port then refuses connections. SIGKILL, as
  // a crash: on SIGTERM llama-server waits for the request in flight, which a client of ours
  // keeps open until its 120 s stall timeout.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool ready_ = false;
};

}  // namespace inferno::testing
