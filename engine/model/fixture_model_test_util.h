// For tests: a fixture model of ../shared/fixtures/models loaded, or a test failure naming why.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine/model/model.h"

namespace inferno::testing {

// Loads fixtures/models/<file>; on failure records it and returns null (ASSERT on the result).
inline std::unique_ptr<Model> LoadFixtureModel(const std::string& file = "llama-tiny-Q8_0.gguf") {
  Result<std::unique_ptr<Model>> m =
      Model::Load(std::string(INFERNO_SHARED_DIR) + "/fixtures/models/" + file);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m).value() : nullptr;
}

}  // namespace inferno::testing
