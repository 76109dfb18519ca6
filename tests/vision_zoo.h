// Where the vision tests find the zoo's mmproj fixtures and mtmd oracles (tools/zoo/vision.sh),
// and the language model each mmproj is paired with.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "tests/subprocess.h"

namespace inferno::vision_zoo {

inline const std::filesystem::path kZoo = std::filesystem::path(INFERNO_ZOO_DIR);
inline const std::filesystem::path kOracles = kZoo / "zoo-oracle" / "vision";

inline std::string Mmproj(const std::string& name) {
  return (kZoo / "zoo" / ("mmproj-" + name + ".gguf")).string();
}

inline bool IsQwen(const std::string& mmproj) { return mmproj.rfind("qwen", 0) == 0; }

inline std::string LanguageModel(const std::string& mmproj) {
  if (IsQwen(mmproj)) return (kZoo / "zoo" / "qwen2vl-tiny-F16.gguf").string();
  return testing::SharedDir() + "/fixtures/models/" +
         (mmproj == "gemma3-tiny" ? "gemma3-tiny-Q8_0.gguf" : "llama-tiny-F16.gguf");
}

// <mmproj>.<image stem>.json: mtmd's chunks, embeddings and greedy decoding.
inline boost::json::object Oracle(const std::string& mmproj, const std::string& image_stem) {
  return boost::json::parse(testing::ReadAll(kOracles / (mmproj + "." + image_stem + ".json")))
      .as_object();
}

}  // namespace inferno::vision_zoo
