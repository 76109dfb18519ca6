// What the route fuzz targets share: a scratch directory for their stores and model dirs, and
// the fixture model that routes needing a tokenizer load. Header-only, since every
// fuzz/*_fuzz.cc is its own program (and its own object in the replay binary).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace inferno::fuzz {

// A directory under /dev/shm (the stores write there at memory speed), else the system temp
// dir; removed when the process exits normally.
inline const std::string& ScratchDir() {
  // Never destroyed: the exit handler that removes it runs after static destructors.
  static const std::string* dir = [] {
    namespace fs = std::filesystem;
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "inferno-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(ScratchDir(), ec);
    });
    return new std::string(pattern);
  }();
  return *dir;
}

// The tiny fixture model (INFERNO_FUZZ_MODEL overrides it); "" when it is not there, in which
// case the routes that need a loaded model are fuzzed only up to the model lookup.
inline std::string FixtureModel() {
  if (const char* env = std::getenv("INFERNO_FUZZ_MODEL")) return env;
#ifdef INFERNO_SHARED_DIR
  const std::string path =
      std::string(INFERNO_SHARED_DIR) + "/fixtures/models/llama-tiny-Q8_0.gguf";
  if (std::filesystem::is_regular_file(path)) return path;
#endif
  return "";
}

}  // namespace inferno::fuzz
