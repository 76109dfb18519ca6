// A tiny but complete llama-architecture GGUF (F32 weights, a 259-token SentencePiece
// vocabulary of byte tokens plus <unk>/<s>/</s>), built with our writer. Tests corrupt it
// field by field; the fuzzer uses it as a seed.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/gguf/gguf_writer.h"

namespace inferno::testing {

struct TinyModelOptions {
  int n_embd = 32;
  int n_ff = 64;
  int n_layer = 1;
  bool include_ffn_down = true;
  int ffn_down_rows = 32;  // != n_embd makes a shape mismatch
  const char* architecture = "llama";
};

gguf::Writer TinyLlamaWriter(const TinyModelOptions& options = {});

}  // namespace inferno::testing
