// Visualization plugins for the Debugger (docs/plugins.md): folders with an
// inferno-plugin.json, found in the user's plugins dir (--plugins-dir, else <data-dir>/plugins)
// and in the examples shipped with Inferno. Routes:
//   GET /api/plugins                       every plugin found, a broken one with its error
//   GET /plugins/{id}/frame                the page the UI loads in a sandboxed iframe
//   GET /plugins/{id}/files/{path...}      a file of the plugin's folder
// The folder name is the plugin's id and must equal its manifest's name; a user plugin hides a
// shipped one of the same id. Plugin pages run with an opaque origin (the iframe's sandbox
// and the CSP 'sandbox' directive), so the files answer with Access-Control-Allow-Origin: *
// (a module script from an opaque origin is a CORS fetch): they are public like the UI's own.
// Nothing outside a plugin's folder is served: '..', hidden names and symlinks leading out are
// refused. The folders are read on every request, so a plugin being written shows its changes
// on reload.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "server/http_types.h"
#include "server/plugin_manifest.h"
#include "server/router.h"

namespace inferno::server {

struct PluginRoot {
  std::string dir;
  std::string source;  // "user" or "shipped", as /api/plugins reports it
};

// One folder of a plugins dir: loaded (manifest set) or broken (error set).
struct PluginEntry {
  std::string id;  // the folder's name
  std::string source;
  std::filesystem::path dir;  // canonical
  std::optional<PluginManifest> manifest;
  std::string error;
};

// The plugin in folder `id` of `root` (its manifest checked, its entry present inside it).
PluginEntry LoadPlugin(const PluginRoot& root, const std::string& id);

// Every plugin folder of the roots, sorted by id; the first root that has an id wins.
std::vector<PluginEntry> ScanPlugins(const std::vector<PluginRoot>& roots);

// Headers every plugin response carries: a strict CSP whose 'sandbox' keeps even a plugin
// page opened on its own off this origin, nosniff, no referrer.
Headers PluginHeaders();

class PluginCatalog {
 public:
  explicit PluginCatalog(std::vector<PluginRoot> roots) : roots_(std::move(roots)) {}

  // Adds the routes above; the catalog must outlive the table.
  void AddTo(Router& routes) const;

  Response List() const;
  Response Frame(const std::string& id) const;
  Response File(const Request& r, const std::string& id, const std::string& rel) const;

 private:
  // The loaded plugin `id` or null (a missing or broken one).
  std::optional<PluginEntry> Find(const std::string& id) const;

  std::vector<PluginRoot> roots_;
};

}  // namespace inferno::server
