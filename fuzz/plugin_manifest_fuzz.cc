// libFuzzer target for a plugin's inferno-plugin.json (server/plugin_manifest.h): the input is
// the manifest's text. Oracle besides the sanitizers: a parse either fails with a message, or
// gives a manifest whose every field keeps the rules the serving code relies on (an entry that
// cannot leave the plugin's folder, a URL-safe name, known event kinds, our API version).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/plugin_manifest.h"

using namespace inferno::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  inferno::Result<PluginManifest> m = ParsePluginManifest(text);
  if (!m.ok()) {
    if (m.status().message().empty()) std::abort();
    return 0;
  }
  if (!SafeRelativePath(m->entry) || !SafeRelativePath(m->name)) std::abort();
  if (m->name.find('/') != std::string::npos || m->events.empty()) std::abort();
  if (m->api != kPluginApiVersion || m->height < 60 || m->height > 1000) std::abort();
  const auto& kinds = PluginEventKinds();
  for (const std::string& e : m->events) {
    if (std::find(kinds.begin(), kinds.end(), e) == kinds.end()) std::abort();
  }
  return 0;
}
