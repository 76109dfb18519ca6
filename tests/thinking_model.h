// A tiny llama-architecture GGUF that "thinks": its weights are built so that greedy (or any
// temperature's) decoding recites a fixed script, through the real forward pass. Every layer's
// attention output and FFN down-projection are zero, so the hidden state at a position is its
// own token's embedding; each script token's embedding is a one-hot direction and the output
// matrix maps that direction to the next script token. The model is a bigram table:
//
//   "\n" -> <think> -> "Hmm" -> "..." -> </think> -> "Hello" -> "!" -> </s>
//
// A chat prompt (ChatML, the fallback template) ends with "\n", so the reply is
// "<think>Hmm...</think>Hello!". With open_in_prompt the chat template is DeepSeek-R1's
// (its generation prompt ends "<think>\n") and "\n" leads to "Hmm": the reply starts inside
// the thought and only </think> appears. tests/e2e/thinking_model.mjs writes the same model.
#pragma once

#include "engine/gguf/gguf_writer.h"

namespace inferno::testing {

struct ThinkingModelOptions {
  bool open_in_prompt = false;
  // Adds the fill-in-the-middle tokens <|fim_prefix|> <|fim_suffix|> <|fim_middle|>, and
  // <|fim_middle|> -> "Hello": a FIM prompt's middle is "Hello!".
  bool fim = false;
};

gguf::Writer ThinkingModelWriter(const ThinkingModelOptions& options = {});

}  // namespace inferno::testing
