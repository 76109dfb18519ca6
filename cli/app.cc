// `inferno app`: the server of `inferno serve` in this process, on a random loopback port and
// reachable only with a key made for this launch, shown in a native window (inferno-window,
// app/window.h). The key (256 bits from the OS) goes to the window on a pipe, never on a
// command line or in a log; the window puts it into the UI's storage, so that the UI works as
// with `serve --api-key`, while pages the user opens in a browser get 401 from every API route
// and the WebSocket. Closing the window stops the server; SIGINT/SIGTERM close the window.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/bench_suite.h"
#include "cli/commands.h"
#include "cli/serve.h"
#include "engine/util/thread_annotations.h"
#include "server/app_routes.h"
#include "server/secure_random.h"

extern char** environ;

namespace inferno::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kWindowNoDisplay = 3;  // inferno-window's exit code (app/window_main.cc)

struct AppOptions {
  ServeOptions serve;
  std::string screenshot, screenshot_when, open_model;  // test hooks, passed to the window
};

bool HasDisplay() {
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return true;
  }
  return false;
}

void PrintNoWindow(const std::string& why) {
  fmt::print(stderr,
             "inferno app: {}.\nRun `inferno serve` instead and open http://127.0.0.1:8080/ in a "
             "browser.\n",
             why);
}

// Beside this binary (the build tree), else ../libexec/inferno/ (the package).
std::string FindWindowProgram() {
  const fs::path self = fs::path(SelfBinaryPath()).parent_path();
  for (const fs::path& p : {self / "inferno-window", self / "../libexec/inferno/inferno-window"}) {
    if (access(p.c_str(), X_OK) == 0) return p.lexically_normal().string();
  }
  return "";
}

// The window process. Its pid is killed only while it has not been reaped, so that a signal
// never reaches a process that got the pid later.
class WindowProcess {
 public:
  // Starts `argv` with the key on its stdin (the server ignores SIGPIPE: the window gets the
  // default back).
  Status Start(const std::vector<std::string>& argv, const std::string& key) EXCLUDES(mu_);
  // The exit code, once it exits (-1 when a signal killed it).
  int Wait() EXCLUDES(mu_);
  // Asks it to close, as its close button does; before Start(), as soon as it starts.
  void Close() EXCLUDES(mu_);

 private:
  Mutex mu_;
  pid_t pid_ GUARDED_BY(mu_) = -1;
  bool reaped_ GUARDED_BY(mu_) = false;
  bool closing_ GUARDED_BY(mu_) = false;  // Close() was called, maybe before Start()
};

Status WindowProcess::Start(const std::vector<std::string>& argv, const std::string& key) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IoError("pipe: " + std::string(strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // SIGINT/SIGTERM stay blocked, pending, until the window can handle them (it unblocks them);
  // SIGPIPE back to its default.
  sigset_t stop_signals, defaults;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &stop_signals);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int err = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[0]);
  if (err != 0) {
    close(fds[1]);
    return Status::IoError("cannot start " + argv[0] + ": " + strerror(err));
  }
  const std::string line = key + "\n";  // a pipe holds 64 KiB: no wait for the reader
  const bool sent = write(fds[1], line.data(), line.size()) == ssize_t(line.size());
  close(fds[1]);
  MutexLock lock(&mu_);
  pid_ = pid;
  if (closing_) kill(pid_, SIGTERM);  // a signal came while the server started
  return sent ? Status::Ok() : Status::IoError("cannot pass the key to the window");
}

int WindowProcess::Wait() {
  pid_t pid;
  {
    MutexLock lock(&mu_);
    pid = pid_;
  }
  siginfo_t info{};
  // Wait without reaping, mark it reaped, then reap: Close() never signals a reused pid.
  while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  {
    MutexLock lock(&mu_);
    reaped_ = true;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void WindowProcess::Close() {
  MutexLock lock(&mu_);
  closing_ = true;
  if (pid_ > 0 && !reaped_) kill(pid_, SIGTERM);
}

std::vector<std::string> WindowArgs(const std::string& program, int port, const AppOptions& o) {
  std::vector<std::string> argv = {program, fmt::format("http://127.0.0.1:{}/", port)};
  if (!o.screenshot.empty()) {
    argv.insert(argv.end(), {"--screenshot", o.screenshot, "--screenshot-when", o.screenshot_when});
  }
  if (!o.open_model.empty()) argv.insert(argv.end(), {"--open-model", o.open_model});
  return argv;
}

int RunApp(AppOptions o) {
  if (!HasDisplay()) {
    PrintNoWindow("no display to open a window on ($DISPLAY and $WAYLAND_DISPLAY are unset)");
    return 1;
  }
  const std::string program = FindWindowProgram();
  if (program.empty()) {
    PrintNoWindow("the window program (inferno-window) is not installed");
    return 1;
  }
  o.serve.host = "127.0.0.1";
  o.serve.port = 0;
  o.serve.api_key = server::RandomHex128() + server::RandomHex128();
  WindowProcess window;
  std::thread reaper;
  int window_code = -1;
  ServeHooks hooks;
  hooks.add_routes = server::AddAppRoutes;
  hooks.on_listening = [&](int port, std::function<void()> stop) {
    // The port is no secret: without the key it answers nothing but the UI's files.
    fmt::print("inferno app: serving on 127.0.0.1:{}\n", port);
    std::fflush(stdout);
    if (Status st = window.Start(WindowArgs(program, port, o), o.serve.api_key); !st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      return false;
    }
    reaper = std::thread([&window, &window_code, stop] {
      window_code = window.Wait();
      stop();
    });
    return true;
  };
  hooks.on_signal = [&window] { window.Close(); };
  hooks.after_run = [&] {
    window.Close();
    if (reaper.joinable()) reaper.join();
  };
  const int code = RunServe(o.serve, hooks);
  if (code != 0) return code;
  if (window_code == kWindowNoDisplay) {
    PrintNoWindow("cannot open a window on this display");
    return 1;
  }
  if (window_code != 0) {
    fmt::print(stderr, "inferno app: the window ended with exit code {}\n", window_code);
    return 1;
  }
  return 0;
}

}  // namespace

void AddAppCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<AppOptions>();
  CLI::App* cmd = root.add_subcommand(
      "app", "Open the web UI in a window of its own, served on a private loopback port");
  AddServeOptions(cmd, &o->serve, ServeFlags::kNoAddressOrKey);
  // Tests: the window writes a PNG of itself once its text contains TEXT, then closes; before,
  // it may hand the UI a model file as its file dialog would.
  cmd->add_option("--screenshot", o->screenshot)->group("");
  cmd->add_option("--screenshot-when", o->screenshot_when)->group("");
  cmd->add_option("--open-model", o->open_model)->group("");
  cmd->callback([o, exit_code] {
    *exit_code = CheckServeUsage(o->serve);
    if (*exit_code == 0 && (o->screenshot.empty() != o->screenshot_when.empty() ||
                            (!o->open_model.empty() && o->screenshot.empty()))) {
      fmt::print(
          stderr,
          "error: --screenshot and --screenshot-when go together (and --open-model with them)\n");
      *exit_code = 2;
    }
    if (*exit_code == 0) *exit_code = RunApp(*o);
  });
}

}  // namespace inferno::cli
