// Reasoning ("thinking") told apart from the answer in a generation's text. Models such as
// Qwen3 and DeepSeek-R1 write `<think>...</think>` before the answer; gpt-oss writes harmony
// channels. A ReasoningSplitter reads the generated text as it is released, in pieces that may
// cut a tag anywhere, and sorts it into reasoning and content. The splitters themselves and the
// choice of one per model and request live in engine/request (reasoning.h); the Sequence only
// runs the one the request carries, so every front end gets the same split in its events.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace inferno {

// How a request wants reasoning reported (OpenAI-style servers' `reasoning_format`).
enum class ReasoningFormat {
  kAuto,  // split it out when the model writes reasoning (llama.cpp's auto/deepseek)
  kNone,  // leave it in the text, tags included
};

// Text sorted by a splitter: what it could decide since the last call.
struct SplitText {
  std::string content;
  std::string reasoning;
};

class ReasoningSplitter {
 public:
  virtual ~ReasoningSplitter() = default;
  // Feeds the next piece of generated text. What is certain is appended to *out; a possible
  // tag's beginning is held back until the next pieces decide it.
  virtual void Push(std::string_view text, SplitText* out) = 0;
  // The generation ended: releases what was held back (an unclosed thought stays reasoning).
  virtual void Finish(SplitText* out) = 0;
  // Whether the text read so far ends inside the reasoning (its tags and the whitespace the
  // splitter drops around them count as reasoning).
  virtual bool reasoning() const = 0;
};

// Makes a fresh splitter for one generation; empty: the text is not split.
using ReasoningSplitterFactory = std::function<std::unique_ptr<ReasoningSplitter>()>;

}  // namespace inferno
