// The window of `inferno app`: a GTK window titled "Inferno" holding a WebKitGTK view of the
// UI served by the parent `inferno app` on a loopback port. It owns what the page may do
// beyond a browser tab: the API key is put into the page's storage by a user script (never in
// a URL or on a command line), the page may ask for a native file dialog through the
// `inferno` script message handler, and links to other sites go to the user's browser.
#pragma once

#include <string>

namespace inferno::app {

struct WindowOptions {
  std::string url;  // http://127.0.0.1:PORT/ : the UI, the only origin the window shows
  std::string key;  // the per-launch API key (hex), injected into that origin's storage
  // Test hook: once the page's text contains screenshot_when, write the visible view to
  // screenshot_file as PNG, then close the window as the user would.
  std::string screenshot_file;
  std::string screenshot_when;
  // Test hook: a model file "chosen" as the file dialog would return it, once the UI listens.
  std::string open_model;
};

// Opens the window and runs GTK's main loop until it is closed (by the user, SIGINT/SIGTERM or
// the test hook). gtk_init must have succeeded. Returns the process exit code.
int RunWindow(const WindowOptions& options);

}  // namespace inferno::app
