#include "tests/mcp_test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

extern char** environ;

namespace inferno::testing {

std::string McpTestServerScript() {
  return std::string(INFERNO_SOURCE_DIR) + "/tests/node/mcp_test_server.mjs";
}

std::vector<std::string> McpStdioCommand() { return {"node", McpTestServerScript(), "--stdio"}; }

McpHttpTestServer::McpHttpTestServer(const std::vector<std::string>& flags) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  std::vector<std::string> argv = {"node", McpTestServerScript(), "--http"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<char*> cargs;
  for (const std::string& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
  cargs.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  const int rc = posix_spawnp(&pid_, "node", &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    pid_ = -1;
    close(out[0]);
    return;
  }
  // The script prints "listening <port>" once it accepts connections.
  std::string text;
  char buf[256];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    text.append(buf, size_t(n));
    const size_t at = text.find("listening ");
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = std::atoi(text.c_str() + at + 10);
    }
  }
  close(out[0]);
}

McpHttpTestServer::~McpHttpTestServer() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

}  // namespace inferno::testing
