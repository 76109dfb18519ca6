// The models directory: GGUF files under it, named by their path relative to it without
// ".gguf" ("family/qwen3-4b-Q4_K_M"). Names from requests never resolve outside it: absolute
// paths, "." and ".." parts, and symlinks that lead out of the dir are refused. Used by the
// server's registry, the benchmark routes and `inferno models`, so all three agree on what a
// name means.
#pragma once

#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno {

struct ModelFile {
  std::string id;    // relative path without ".gguf"
  std::string path;  // canonical path of the file (inside the dir)
};

// Every *.gguf up to four directories deep, sorted by id; a missing dir has none.
std::vector<ModelFile> FindModelFiles(const std::string& models_dir);

// The id of `path`: relative to models_dir when inside it, else the file's stem.
std::string ModelIdFor(const std::string& models_dir, const std::string& path);

// Maps a request's model name (with or without ".gguf") to a file inside models_dir.
// NotFound, with a message naming the model, for anything else.
Result<std::string> ResolveModelName(const std::string& models_dir, const std::string& name);

}  // namespace inferno
