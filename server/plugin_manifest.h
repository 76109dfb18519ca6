// A visualization plugin's manifest, inferno-plugin.json (docs/plugins.md): what the plugin is
// (name, version, title), the ES module the Debugger loads in its sandboxed frame, the
// debugger event kinds it is sent and the postMessage API version it speaks. Parsed strictly:
// an unknown key, a wrong type or an entry path that could leave the plugin's folder is an
// error naming the field, so a plugin author sees what to fix instead of a panel that stays
// blank.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno::server {

// The postMessage API version this server's UI speaks to plugin frames.
inline constexpr int kPluginApiVersion = 1;

struct PluginManifest {
  std::string name;                 // [a-z0-9][a-z0-9._-]*, at most 64 characters
  std::string version;              // MAJOR.MINOR.PATCH with an optional -suffix
  std::string title;                // shown on the panel; the name when absent
  std::string description;          // optional
  std::string entry;                // relative path of the ES module, .js or .mjs
  std::vector<std::string> events;  // kinds from PluginEventKinds(), no repeats
  int api = kPluginApiVersion;
  int height = 240;  // the panel's first height in CSS pixels (the plugin may ask for another)
};

// The debugger event kinds a manifest may ask for (docs/plugins.md, "Event kinds").
const std::vector<std::string_view>& PluginEventKinds();

// Whether `rel` is a path a plugin may name inside its folder: relative, '/'-separated, no
// empty, "." or ".." segment, no segment starting with '.', no backslash or control character.
bool SafeRelativePath(std::string_view rel);

// The manifest in `text` (JSON), or an error naming the field that is wrong.
Result<PluginManifest> ParsePluginManifest(std::string_view text);

}  // namespace inferno::server
