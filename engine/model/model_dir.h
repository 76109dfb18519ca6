// The models directory: GGUF files under it, named by their path relative to it without
// ".gguf" ("family/qwen3-4b-Q4_K_M"). Names from requests never resolve outside it: absolute
// paths, "." and ".." parts, and symlinks that lead out of the dir are refused. Used by the
// server's registry, the benchmark routes and `inferno models`, so all three agree on what a
// name means.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno {

struct ModelFile {
  std::string id;    // relative path without ".gguf"
  std::string path;  // canonical path of the file (inside the dir)
};

// Every *.gguf up to four directories deep, sorted by id; a missing dir has none. Vision
// encoders (IsMmprojName) are not models of their own: they go with one (FindMmprojFor).
std::vector<ModelFile> FindModelFiles(const std::string& models_dir);

// Whether a file name is a vision encoder's, by llama.cpp's convention that every published
// one follows: "mmproj" in the name ("mmproj-model-f16.gguf", "mmproj-gemma-3-4b-it-F16.gguf",
// "llava-v1.6-mistral-7b-mmproj-f16.gguf"), in any case.
bool IsMmprojName(std::string_view file_name);

// The mmproj beside a model file: the only one in its directory, else the one whose name
// (without "mmproj" and separators) shares the longest start with the model's, at least four
// characters; "" when there is none or no clear choice.
std::string FindMmprojFor(const std::string& model_path);

// The id of `path`: relative to models_dir when inside it, else the file's stem.
std::string ModelIdFor(const std::string& models_dir, const std::string& path);

// Maps a request's model name (with or without ".gguf") to a file inside models_dir.
// NotFound, with a message naming the model, for anything else.
// `extension` is the file type a name without it gets (".gguf"; ".bin" for whisper.cpp models).
Result<std::string> ResolveModelName(const std::string& models_dir, const std::string& name,
                                     std::string_view extension = ".gguf");

}  // namespace inferno
