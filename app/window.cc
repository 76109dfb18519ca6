#include "app/window.h"

#include <glib-unix.h>
#include <gtk/gtk.h>
#include <signal.h>
#include <webkit2/webkit2.h>

#include <cstdio>
#include <string>

namespace inferno::app {
namespace {

struct Window {
  WindowOptions options;
  std::string origin;  // "http://127.0.0.1:PORT/": what is ours, everything else is not
  GtkWidget* window = nullptr;
  WebKitWebView* view = nullptr;
  std::string pending_open_model;  // the test hook's file, until sent
  bool screenshot_taken = false;
  bool polling = false;  // one check in flight at a time
  int polls = 0;
  int exit_code = 0;
};

// "http://host:port/path" -> "http://host:port/".
std::string OriginOf(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = scheme == std::string::npos ? url.npos : url.find('/', scheme + 3);
  return slash == std::string::npos ? url + "/" : url.substr(0, slash + 1);
}

// The UI reads its key from localStorage 'inferno.apiKey' (web/src/api/auth.ts) as JSON. The
// web context is ephemeral, so the key never reaches the disk; the script runs only in pages of
// our origin, before the UI's own scripts. The key is hex (checked by the caller): no quoting.
void InjectKey(WebKitUserContentManager* content, const Window& w) {
  // WebKit's URL patterns have no port: the script checks the whole origin itself.
  std::string origin = w.origin.substr(0, w.origin.size() - 1);
  const std::string source = "if (location.origin === '" + origin +
                             "') { try { localStorage.setItem('inferno.apiKey', JSON.stringify('" +
                             w.options.key + "')); } catch (e) {} }";
  const std::string pattern = "http://127.0.0.1/*";
  const char* allow[] = {pattern.c_str(), nullptr};
  WebKitUserScript* script =
      webkit_user_script_new(source.c_str(), WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                             WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START, allow, nullptr);
  webkit_user_content_manager_add_script(content, script);
  webkit_user_script_unref(script);
}

// Links to other sites open in the user's browser: the window shows only our UI, and a page
// from elsewhere must not run where the app's script handler can hear it.
void OpenInBrowser(const char* uri) {
  const gchar* argv[] = {"xdg-open", uri, nullptr};
  GError* error = nullptr;
  if (!g_spawn_async(nullptr, const_cast<gchar**>(argv), nullptr, G_SPAWN_SEARCH_PATH, nullptr,
                     nullptr, nullptr, &error)) {
    std::fprintf(stderr, "inferno-window: cannot open %s: %s\n", uri, error->message);
    g_error_free(error);
  }
}

gboolean OnDecidePolicy(WebKitWebView*, WebKitPolicyDecision* decision,
                        WebKitPolicyDecisionType type, gpointer data) {
  auto* w = static_cast<Window*>(data);
  if (type != WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
      type != WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION) {
    return FALSE;  // responses: WebKit's default
  }
  WebKitNavigationAction* action = webkit_navigation_policy_decision_get_navigation_action(
      WEBKIT_NAVIGATION_POLICY_DECISION(decision));
  const std::string uri = webkit_uri_request_get_uri(webkit_navigation_action_get_request(action));
  const bool ours = uri.rfind(w->origin, 0) == 0 || uri == "about:blank";
  if (ours && type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION) {
    webkit_policy_decision_use(decision);
    return TRUE;
  }
  if (ours) {
    webkit_web_view_load_uri(w->view, uri.c_str());  // a new tab of our UI: this window
  } else if (uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0 ||
             uri.rfind("mailto:", 0) == 0) {
    OpenInBrowser(uri.c_str());
  }
  webkit_policy_decision_ignore(decision);
  return TRUE;
}

// The chosen file goes back to the page as a DOM event, its path URI-escaped so that no
// character of a file name can end the script's string.
void SendModelFile(Window* w, const char* path) {
  gchar* escaped = g_uri_escape_string(path, nullptr, FALSE);
  const std::string script =
      "window.dispatchEvent(new CustomEvent('inferno:model-file', {detail: "
      "decodeURIComponent('" +
      std::string(escaped) + "')}));";
  g_free(escaped);
  webkit_web_view_evaluate_javascript(w->view, script.c_str(), -1, nullptr, nullptr, nullptr,
                                      nullptr, nullptr);
}

void OpenModelDialog(Window* w) {
  GtkFileChooserNative* dialog = gtk_file_chooser_native_new(
      "Open a model", GTK_WINDOW(w->window), GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  GtkFileFilter* filter = gtk_file_filter_new();
  gtk_file_filter_set_name(filter, "GGUF models (*.gguf)");
  gtk_file_filter_add_pattern(filter, "*.gguf");
  gtk_file_filter_add_pattern(filter, "*.GGUF");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
  if (gtk_native_dialog_run(GTK_NATIVE_DIALOG(dialog)) == GTK_RESPONSE_ACCEPT) {
    gchar* path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(dialog));
    if (path != nullptr) SendModelFile(w, path);
    g_free(path);
  }
  g_object_unref(dialog);
}

// window.webkit.messageHandlers.inferno.postMessage(...) from the UI: 'open-model' asks for
// the dialog; 'listening' says the UI now hears chosen files (the test hook's file goes then).
void OnScriptMessage(WebKitUserContentManager*, WebKitJavascriptResult* result, gpointer data) {
  auto* w = static_cast<Window*>(data);
  JSCValue* value = webkit_javascript_result_get_js_value(result);
  if (!jsc_value_is_string(value)) return;
  gchar* message = jsc_value_to_string(value);
  if (g_strcmp0(message, "open-model") == 0) {
    OpenModelDialog(w);
  } else if (g_strcmp0(message, "listening") == 0 && !w->pending_open_model.empty()) {
    SendModelFile(w, w->pending_open_model.c_str());
    w->pending_open_model.clear();
  }
  g_free(message);
}

gboolean OnStopSignal(gpointer data) {
  gtk_window_close(GTK_WINDOW(static_cast<Window*>(data)->window));
  return G_SOURCE_CONTINUE;
}

void OnSnapshot(GObject* view, GAsyncResult* result, gpointer data) {
  auto* w = static_cast<Window*>(data);
  GError* error = nullptr;
  cairo_surface_t* surface =
      webkit_web_view_get_snapshot_finish(WEBKIT_WEB_VIEW(view), result, &error);
  if (surface == nullptr) {
    std::fprintf(stderr, "inferno-window: snapshot failed: %s\n", error->message);
    g_error_free(error);
    w->exit_code = 4;
  } else {
    if (cairo_surface_write_to_png(surface, w->options.screenshot_file.c_str()) !=
        CAIRO_STATUS_SUCCESS) {
      std::fprintf(stderr, "inferno-window: cannot write %s\n", w->options.screenshot_file.c_str());
      w->exit_code = 4;
    }
    cairo_surface_destroy(surface);
  }
  gtk_window_close(GTK_WINDOW(w->window));  // as the user closing it
}

void OnPageText(GObject* view, GAsyncResult* result, gpointer data) {
  auto* w = static_cast<Window*>(data);
  JSCValue* value =
      webkit_web_view_evaluate_javascript_finish(WEBKIT_WEB_VIEW(view), result, nullptr);
  const bool ready = value != nullptr && jsc_value_to_boolean(value);
  w->polling = false;
  if (value != nullptr) g_object_unref(value);
  if (ready && !w->screenshot_taken) {
    w->screenshot_taken = true;
    webkit_web_view_get_snapshot(w->view, WEBKIT_SNAPSHOT_REGION_VISIBLE,
                                 WEBKIT_SNAPSHOT_OPTIONS_NONE, nullptr, OnSnapshot, w);
  }
}

// Polls the page for the awaited text (the UI fills in after its API calls). Gives up after a
// minute so that a broken page ends the test instead of hanging it.
gboolean PollForScreenshot(gpointer data) {
  auto* w = static_cast<Window*>(data);
  if (w->screenshot_taken) return G_SOURCE_REMOVE;
  if (w->polling) return G_SOURCE_CONTINUE;
  if (++w->polls > 240) {
    std::fprintf(stderr, "inferno-window: the page never showed '%s'\n",
                 w->options.screenshot_when.c_str());
    w->exit_code = 4;
    gtk_window_close(GTK_WINDOW(w->window));
    return G_SOURCE_REMOVE;
  }
  gchar* quoted = g_uri_escape_string(w->options.screenshot_when.c_str(), nullptr, FALSE);
  const std::string script =
      "document.body !== null && document.body.innerText.includes("
      "decodeURIComponent('" +
      std::string(quoted) + "'))";
  g_free(quoted);
  w->polling = true;
  webkit_web_view_evaluate_javascript(w->view, script.c_str(), -1, nullptr, nullptr, nullptr,
                                      OnPageText, w);
  return G_SOURCE_CONTINUE;
}

// A sane first size: 1280x840, never more than 90% of the monitor's work area; centered.
void SizeWindow(GtkWindow* window) {
  int width = 1280, height = 840;
  GdkDisplay* display = gdk_display_get_default();
  GdkMonitor* monitor = display ? gdk_display_get_primary_monitor(display) : nullptr;
  if (monitor == nullptr && display != nullptr) monitor = gdk_display_get_monitor(display, 0);
  if (monitor != nullptr) {
    GdkRectangle area;
    gdk_monitor_get_workarea(monitor, &area);
    width = std::min(width, area.width * 9 / 10);
    height = std::min(height, area.height * 9 / 10);
  }
  gtk_window_set_default_size(window, width, height);
  gtk_window_set_position(window, GTK_WIN_POS_CENTER);
}

WebKitWebView* MakeView(Window* w) {
  WebKitUserContentManager* content = webkit_user_content_manager_new();
  InjectKey(content, *w);
  g_signal_connect(content, "script-message-received::inferno", G_CALLBACK(OnScriptMessage), w);
  webkit_user_content_manager_register_script_message_handler(content, "inferno");
  // Ephemeral: nothing of this session (the key in localStorage above, caches) is written to
  // disk; the UI's data lives in the server's store.
  WebKitWebContext* context = webkit_web_context_new_ephemeral();
  auto* view = WEBKIT_WEB_VIEW(g_object_new(WEBKIT_TYPE_WEB_VIEW, "web-context", context,
                                            "user-content-manager", content, nullptr));
  g_object_unref(context);
  g_object_unref(content);
  g_signal_connect(view, "decide-policy", G_CALLBACK(OnDecidePolicy), w);
  return view;
}

}  // namespace

int RunWindow(const WindowOptions& options) {
  Window w;
  w.options = options;
  w.origin = OriginOf(options.url);
  w.pending_open_model = options.open_model;
  w.window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title(GTK_WINDOW(w.window), "Inferno");
  gtk_window_set_icon_name(GTK_WINDOW(w.window), "inferno");
  SizeWindow(GTK_WINDOW(w.window));
  w.view = MakeView(&w);
  gtk_container_add(GTK_CONTAINER(w.window), GTK_WIDGET(w.view));
  g_signal_connect(w.window, "destroy", G_CALLBACK(gtk_main_quit), nullptr);
  // `inferno app` forwards its SIGINT/SIGTERM here: they close the window like its close button.
  g_unix_signal_add(SIGINT, OnStopSignal, &w);
  g_unix_signal_add(SIGTERM, OnStopSignal, &w);
  sigset_t stop_signals;  // blocked by main() until now
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
  if (!options.screenshot_file.empty()) g_timeout_add(250, PollForScreenshot, &w);
  webkit_web_view_load_uri(w.view, options.url.c_str());
  gtk_widget_show_all(w.window);
  gtk_main();
  return w.exit_code;
}

}  // namespace inferno::app
