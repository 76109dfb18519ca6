#include "bench/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace inferno::bench {

Result<ChildResult> RunChild(const std::vector<std::string>& argv,
                             const std::function<void(const std::string&)>& on_line,
                             const std::atomic<bool>* cancel) {
  if (argv.empty()) return Status::InvalidArgument("RunChild: empty argv");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::IoError(std::strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Status::IoError(std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, pipe_default;
  sigemptyset(&none);
  sigemptyset(&pipe_default);
  sigaddset(&pipe_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe_default);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Status::IoError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }

  ChildResult result;
  std::string pending;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  bool killed = false;
  while (open_fds > 0) {
    if (cancel != nullptr && !killed && cancel->load()) {
      kill(pid, SIGKILL);  // the pipes then close and the loop ends
      killed = true;
    }
    const int ready = poll(fds, 2, cancel != nullptr ? 100 : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 1) {
        result.err.append(buf, size_t(n));
        continue;
      }
      pending.append(buf, size_t(n));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        on_line(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
    }
  }
  if (!pending.empty()) on_line(pending);

  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) return Status::IoError(std::string("wait4: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.peak_rss_bytes = double(usage.ru_maxrss) * 1024.0;
  result.cpu_seconds = double(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec / 1e6 +
                       double(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec / 1e6;
  return result;
}

}  // namespace inferno::bench
