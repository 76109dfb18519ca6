// inferno-window: the window `inferno app` starts (app/window.h). A program of its own so that
// the `inferno` binary, and a server-only install, do not link GTK and WebKit.
//
//   inferno-window URL [--screenshot FILE --screenshot-when TEXT [--open-model PATH]] <KEY
//
// (--screenshot and --open-model are test hooks: app/window.h.)
//
// The key comes on stdin, one line, from the parent's pipe: a command line is readable by
// every process of the machine (/proc/PID/cmdline), the environment would be inherited by the
// browsers the window starts for links. Exit codes: 0 closed, 2 usage, 3 no display, 4 the
// screenshot hook failed.
#include <gtk/gtk.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "app/window.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitNoDisplay = 3;

// At least 128 bits as hex: what `inferno app` sends; anything else is not from it.
bool ValidKey(const std::string& key) {
  if (key.size() < 32 || key.size() > 256) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ParseArgs(int argc, char** argv, inferno::app::WindowOptions* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--screenshot" && i + 1 < argc) {
      o->screenshot_file = argv[++i];
    } else if (arg == "--screenshot-when" && i + 1 < argc) {
      o->screenshot_when = argv[++i];
    } else if (arg == "--open-model" && i + 1 < argc) {
      o->open_model = argv[++i];
    } else if (o->url.empty() && arg.rfind("http://", 0) == 0) {
      o->url = arg;
    } else {
      return false;
    }
  }
  return !o->url.empty() && o->screenshot_file.empty() == o->screenshot_when.empty() &&
         (o->open_model.empty() || !o->screenshot_file.empty());
}

}  // namespace

int main(int argc, char** argv) {
  // SIGINT/SIGTERM wait, pending, until the window handles them (RunWindow unblocks them):
  // `inferno app` forwards them at any time, also while GTK and WebKit start.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  inferno::app::WindowOptions options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: inferno-window URL [--screenshot FILE --screenshot-when TEXT "
                 "[--open-model PATH]] <KEY\n"
                 "(started by `inferno app`, which passes the API key on stdin)\n");
    return kExitUsage;
  }
  std::getline(std::cin, options.key);
  if (!ValidKey(options.key)) {
    std::fprintf(stderr, "inferno-window: no API key on stdin (start it with `inferno app`)\n");
    return kExitUsage;
  }
  if (!gtk_init_check(&argc, &argv)) {
    std::fprintf(stderr, "inferno-window: cannot open a display\n");
    return kExitNoDisplay;
  }
  return inferno::app::RunWindow(options);
}
