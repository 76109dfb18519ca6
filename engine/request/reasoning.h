// The reasoning splitters (engine/runtime/reasoning.h) and the choice of one for a model and a
// request. A model's syntax is read from its tokenizer's vocabulary and its chat template:
//   think tags  `<think>` and `</think>` (Qwen3, DeepSeek-R1 and its distills, QwQ...)
//   harmony     `<|channel|>` and `<|message|>` tokens (gpt-oss; its splitter is harmony.h's)
// A thought opens only at the start of the output (after whitespace), as llama.cpp and Ollama
// read it: a model that mentions "<think>" in its answer is not thinking. When the prompt
// already ends with `<think>` (templates that open the thought in the generation prompt, as
// DeepSeek-R1's does) the output starts inside the thought and only `</think>` appears.
// Whitespace around the reasoning (after `<think>`, before and after `</think>`) is dropped.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/model/model.h"
#include "engine/runtime/reasoning.h"
#include "engine/runtime/sequence.h"

namespace inferno::request {

enum class ReasoningSyntax { kNone, kThinkTags, kHarmony };

ReasoningSyntax DetectReasoningSyntax(const Tokenizer& tok, std::string_view chat_template);

// The `<think>...</think>` splitter. `open`: the output starts inside the thought.
class ThinkTagSplitter : public ReasoningSplitter {
 public:
  explicit ThinkTagSplitter(bool open = false);
  void Push(std::string_view text, SplitText* out) override;
  void Finish(SplitText* out) override;
  // Inside the thought, or in the whitespace after it before any answer: the tokens there
  // are the thought's, so logprobs of the answer's tokens spell the answer.
  bool reasoning() const override {
    return state_ == State::kReasoning || (state_ == State::kContent && trim_);
  }

 private:
  enum class State { kStart, kReasoning, kContent };
  void StepStart(bool* more);
  void StepReasoning(SplitText* out, bool* more);

  State state_;
  bool trim_ = false;    // drop the whitespace that comes next (after a tag)
  std::string pending_;  // text not sorted yet: a possible tag, whitespace that may be dropped
};

// A splitter over a parser of whole text that also reads prefixes of it (the harmony parser,
// harmony.h, is one): each piece re-parses the text so far and what grew is sent. O(n²) over a
// generation, which for a chat reply of a few thousand tokens is a few milliseconds in all.
struct PrefixSplit {
  std::string content;
  std::string reasoning;
  bool in_reasoning = false;  // the text ends inside the reasoning
};
using PrefixParser = std::function<PrefixSplit(std::string_view text)>;

class PrefixParserSplitter : public ReasoningSplitter {
 public:
  // `prefix`: output the prompt already ends with (a forced tool call's opening); it is
  // parsed with the text but not sent.
  explicit PrefixParserSplitter(PrefixParser parse, std::string prefix = "");
  void Push(std::string_view text, SplitText* out) override;
  // The parser held back at most a marker's beginning, which the generation never finished.
  void Finish(SplitText*) override {}
  bool reasoning() const override { return in_reasoning_; }

 private:
  PrefixParser parse_;
  std::string text_;
  size_t sent_content_ = 0;
  size_t sent_reasoning_ = 0;
  bool in_reasoning_ = false;
};

// gpt-oss's harmony channels: analysis -> reasoning, final -> content (harmony.h).
std::unique_ptr<ReasoningSplitter> MakeHarmonySplitter(std::string prefix = "");

// Whether the prompt's text ends inside an open thought (`<think>` and whitespace).
bool PromptOpensThought(const Tokenizer& tok, std::span<const int32_t> prompt);

// The splitter for `req` on `model` (req.prompt_tokens set): empty when the request asks for
// none or the model writes no reasoning this splitter knows.
ReasoningSplitterFactory ChooseSplitter(const Model& model, const GenerateRequest& req);

// "auto" | "deepseek" | "none" (llama.cpp's names; deepseek is auto for think-tag models).
Status ParseReasoningFormat(std::string_view name, ReasoningFormat* out);
const char* ReasoningFormatName(ReasoningFormat f);

}  // namespace inferno::request
