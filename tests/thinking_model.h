// Tiny llama-architecture GGUFs whose weights make greedy (or any temperature's) decoding
// recite a fixed script, through the real forward pass. Every layer's attention output and FFN
// down-projection are zero, so the hidden state at a position is its own token's embedding;
// each script token's embedding is a one-hot direction and the output matrix maps that
// direction to the next script token. The model is a bigram table over the script, which is
// why no token may appear in it twice.
//
// The thinking model: "\n" -> <think> -> "Hmm" -> "..." -> </think> -> "Hello" -> "!" -> </s>
// A chat prompt (ChatML, the fallback template) ends with "\n", so the reply is
// "<think>Hmm...</think>Hello!". With open_in_prompt the chat template is DeepSeek-R1's
// (its generation prompt ends "<think>\n") and "\n" leads to "Hmm": the reply starts inside
// the thought and only </think> appears. tests/e2e/thinking_model.mjs writes the same model.
//
// The tool model (ToolModelWriter): Qwen2.5's real chat template, and a reply that is a
// Hermes-style call, "Let me check.<tool_call>\n{"name": "get_weather", ...}\n</tool_call>".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/gguf/gguf_writer.h"

namespace inferno::testing {

struct ScriptedModel {
  std::string name;
  std::vector<std::string> words;   // whole-word tokens (user-defined) after the byte tokens
  std::vector<std::string> script;  // words or single bytes, then </s> is appended
  std::string chat_template;        // "" for none (ChatML fallback)
  // Control tokens (type 3) after the words, and bigrams outside the script (from, to: words or
  // control words), each on a direction of its own.
  std::vector<std::string> control_words;
  std::vector<std::pair<std::string, std::string>> extra_bigrams;
  int context_length = 256;
};

gguf::Writer ScriptedModelWriter(const ScriptedModel& model);

struct ThinkingModelOptions {
  bool open_in_prompt = false;
  // Adds the fill-in-the-middle tokens <|fim_prefix|> <|fim_suffix|> <|fim_middle|>, and
  // <|fim_middle|> -> "Hello": a FIM prompt's middle is "Hello!".
  bool fim = false;
};

gguf::Writer ThinkingModelWriter(const ThinkingModelOptions& options = {});

// The tool model's reply, word by word (tests/e2e/thinking_model.mjs has the same words).
extern const std::vector<std::string> kToolModelReply;
// `chat_template`: the text of Qwen2.5's template (shared fixtures).
gguf::Writer ToolModelWriter(const std::string& chat_template);

}  // namespace inferno::testing
