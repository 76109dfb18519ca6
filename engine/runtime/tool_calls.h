// Tool calls told apart from the answer in a generation's text. A model offered tools (OpenAI's
// `tools`) answers a call in its family's own syntax (`<tool_call>{...}</tool_call>`,
// `[TOOL_CALLS]...`, harmony's commentary channel, ...). A ToolCallParser reads the generated
// text as it is released and turns the calls into deltas shaped as OpenAI streams them: the
// first delta of a call carries its id and name, the later ones fragments of its arguments
// (a JSON text). The parsers and the choice of one per model live in engine/request
// (tool_calls.h); the Sequence only runs the one the request carries, after the reasoning
// splitter, so every front end gets the same calls in its events.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace inferno {

// One piece of one call. `id` and `name` are set on the call's first delta only; `arguments`
// is the next fragment of the arguments' JSON text (maybe empty).
struct ToolCallDelta {
  int index = 0;  // 0, 1, ... in the order the model wrote the calls
  std::string id;
  std::string name;
  std::string arguments;
};

// What the client allowed (OpenAI's tool_choice): kNone keeps calls out of the prompt and the
// parse, kRequired and kNamed force a call (see engine/request/tool_calls.h).
enum class ToolChoiceMode { kAuto, kNone, kRequired, kNamed };

struct ToolChoice {
  ToolChoiceMode mode = ToolChoiceMode::kAuto;
  std::string name;  // kNamed: the function
};

struct ToolCallOutput {
  std::string content;  // answer text outside any call
  std::vector<ToolCallDelta> calls;
};

class ToolCallParser {
 public:
  virtual ~ToolCallParser() = default;
  // Feeds the next released text: `raw` as generated, `content` the part the reasoning
  // splitter left as answer (== raw without a splitter). What is certain goes to *out; a
  // possible call marker's beginning is held back until the next pieces decide it.
  virtual void Push(std::string_view raw, std::string_view content, ToolCallOutput* out) = 0;
  // The generation ended: releases what was held back (a call cut short ends where it was).
  virtual void Finish(ToolCallOutput* out) = 0;
  // Calls started so far.
  virtual int calls() const = 0;
};

using ToolCallParserFactory = std::function<std::unique_ptr<ToolCallParser>()>;

}  // namespace inferno
