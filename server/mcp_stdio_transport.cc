// stdio (MCP specification, "Transports"): the server is a child process; each message is one
// line of JSON on its stdin (ours) or stdout (its). Its stderr is read by a thread into a
// bounded tail that error messages quote (a crashed server usually says why there). The child
// runs in its own process group, so that the shell or launcher it may be (npx, uv) goes with
// everything it started: SIGTERM first, SIGKILL if it is still there after a moment.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "engine/util/thread_annotations.h"
#include "server/mcp_protocol.h"
#include "server/mcp_transport.h"

extern char** environ;

namespace inferno::server::mcp {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxLineBytes = 16u << 20;
constexpr size_t kStderrTailBytes = 4096;

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  bool Open() { return pipe2(fd, O_CLOEXEC) == 0; }
  int Take(int end) { return std::exchange(fd[end], -1); }
};

std::string Quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=:@%+,") == std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class StdioTransport : public Transport {
 public:
  StdioTransport(pid_t pid, int in, int out, int err, std::string name)
      : pid_(pid), in_(in), out_(out), name_(std::move(name)) {
    stderr_reader_ = std::thread([this, err] { ReadStderr(err); });
  }

  ~StdioTransport() override {
    close(in_);  // a well-behaved server exits when its input ends
    Stop();
    stopping_ = true;
    stderr_reader_.join();  // the pipe closes when the process group is gone
    close(out_);
  }

  Result<json::value> Exchange(const std::string& request, int64_t id, int timeout_ms) override {
    MutexLock lock(&mu_);
    INFERNO_RETURN_IF_ERROR(WriteLine(request));
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      Result<std::string> line = ReadLine(deadline);
      if (!line.ok()) return line.status();
      if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
      Result<json::value> m = ParseMessage(*line);
      if (!m.ok()) return m.status();
      if (IsResponseTo(*m, id)) return m;
      if (std::optional<std::string> answer = AnswerServerRequest(*m)) {
        INFERNO_RETURN_IF_ERROR(WriteLine(*answer));
      }
    }
  }

  Status Notify(const std::string& notification, int) override {
    MutexLock lock(&mu_);
    return WriteLine(notification);
  }

 private:
  Status Exited(const std::string& what) {
    return Status::IoError("MCP server '" + name_ + "' " + what + StderrTail());
  }

  // Waits a moment for the stderr reader to reach the end (the process is gone or going, so
  // its last words are what explains why).
  std::string StderrTail() {
    MutexLock lock(&err_mu_);
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(1);
    while (!stderr_eof_ && err_cv_.WaitUntil(&err_mu_, deadline)) {
    }
    if (stderr_tail_.empty()) return "";
    return "; its stderr ends with: " + stderr_tail_;
  }

  Status WriteLine(const std::string& message) REQUIRES(mu_) {
    std::string line = message + "\n";
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = write(in_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Exited("stopped reading its input (" + std::string(strerror(errno)) + ")");
      done += size_t(n);
    }
    return Status::Ok();
  }

  Result<std::string> ReadLine(Clock::time_point deadline) REQUIRES(mu_) {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (buffer_.size() > kMaxLineBytes) {
        return Status::OutOfRange("MCP server '" + name_ + "' wrote a line over 16 MiB");
      }
      INFERNO_RETURN_IF_ERROR(Fill(deadline));
    }
  }

  Status Fill(Clock::time_point deadline) REQUIRES(mu_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Status::Cancelled("MCP server '" + name_ + "' did not answer in time");
    pollfd p{out_, POLLIN, 0};
    const int r = poll(&p, 1, int(std::min<int64_t>(left, 1000)));
    if (r < 0 && errno != EINTR)
      return Exited("could not be read (" + std::string(strerror(errno)) + ")");
    if (r <= 0) return Status::Ok();
    char chunk[65536];
    const ssize_t n = read(out_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) return Status::Ok();
    if (n <= 0) return Exited("exited or closed its output");
    buffer_.append(chunk, size_t(n));
    return Status::Ok();
  }

  void ReadStderr(int fd) {
    char chunk[4096];
    // Polls so that a descendant which left the process group holding the pipe open cannot
    // keep the destructor waiting.
    while (!stopping_.load()) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      const ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      MutexLock lock(&err_mu_);
      stderr_tail_.append(chunk, size_t(n));
      if (stderr_tail_.size() > kStderrTailBytes) {
        stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
      }
    }
    close(fd);
    MutexLock lock(&err_mu_);
    stderr_eof_ = true;
    err_cv_.SignalAll();
  }

  // SIGTERM to the group, then SIGKILL if the child has not exited within 2 s.
  void Stop() {
    kill(-pid_, SIGTERM);
    for (int i = 0; i < 40; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        kill(-pid_, SIGKILL);  // stragglers of the group
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  const pid_t pid_;
  const int in_, out_;
  const std::string name_;
  Mutex mu_;
  std::string buffer_ GUARDED_BY(mu_);  // stdout read but not yet a whole line
  Mutex err_mu_;
  std::string stderr_tail_ GUARDED_BY(err_mu_);
  bool stderr_eof_ GUARDED_BY(err_mu_) = false;
  CondVar err_cv_;
  std::atomic<bool> stopping_{false};
  std::thread stderr_reader_;
};

}  // namespace

std::string CommandLine(const Command& command) {
  std::string out = Quote(command.program);
  for (const std::string& a : command.args) {
    out += ' ';
    out += Quote(a);  // not `" " + Quote(a)`: GCC 12 warns falsely (-Wrestrict) on that form
  }
  return out;
}

Result<std::unique_ptr<Transport>> StartStdioTransport(const Command& command) {
  if (command.program.empty()) return Status::InvalidArgument("the command is empty");
  // A child that dies must not kill the server with SIGPIPE on our next write; `serve`
  // ignores it already, tests and other hosts may not.
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
  Pipe in, out, err;
  if (!in.Open() || !out.Open() || !err.Open()) {
    return Status::IoError(std::string("could not create pipes: ") + strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(command.program.c_str()));
  for (const std::string& a : command.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Status::NotFound("could not start '" + command.program.substr(0, 200) +
                            "': " + strerror(rc));
  }
  return std::unique_ptr<Transport>(new StdioTransport(pid, in.Take(1), out.Take(0), err.Take(0),
                                                       command.program.substr(0, 200)));
}

}  // namespace inferno::server::mcp
