// Names of GGUF's general.file_type values (llama.cpp's llama_ftype): what quantizers and
// model cards call a file ("Q4_K_M"), which the largest tensor type alone cannot tell (a
// Q4_0 file keeps its embeddings in Q6_K, and in a tiny model those dominate).
#pragma once

#include <cstdint>

namespace inferno::gguf {

// "Q4_K_M" for 15, ...; nullptr for values that are unknown or retired.
const char* FileTypeName(uint64_t file_type);

}  // namespace inferno::gguf
