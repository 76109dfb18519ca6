#include "engine/gguf/file_type.h"

#include <gtest/gtest.h>

#include <string>

namespace inferno::gguf {
namespace {

// Values from llama.cpp's llama_ftype enum (the numbers are a file format: they never move).
TEST(FileType, NamesFollowLlamaFtype) {
  EXPECT_EQ(std::string(FileTypeName(0)), "F32");
  EXPECT_EQ(std::string(FileTypeName(2)), "Q4_0");
  EXPECT_EQ(std::string(FileTypeName(7)), "Q8_0");
  EXPECT_EQ(std::string(FileTypeName(15)), "Q4_K_M");
  EXPECT_EQ(std::string(FileTypeName(18)), "Q6_K");
  EXPECT_EQ(std::string(FileTypeName(32)), "BF16");
  EXPECT_EQ(FileTypeName(4), nullptr) << "retired Q4_1_SOME_F16";
  EXPECT_EQ(FileTypeName(33), nullptr);
  EXPECT_EQ(FileTypeName(~uint64_t{0}), nullptr);
}

}  // namespace
}  // namespace inferno::gguf
