// Tool calling for a model and a request: which syntax the model writes calls in (read from
// its chat template and vocabulary, never guessed from its output), the parsers of those
// syntaxes, and the request's setup by Prepare(). Each format's parser is a function of the
// text generated so far (a prefix of the output) that says which calls it holds and how far
// each got; PrefixToolCallParser runs it on every piece and sends what grew as OpenAI's
// deltas, so the streamed deltas add up to exactly what one parse of the whole text gives.
//
//   kHermes    <tool_call>{"name": ..., "arguments": {...}}</tool_call>   Qwen2.5/3, Hermes
//   kQwenXml   <tool_call><function=NAME><parameter=P>V</parameter>...   Qwen3-Coder, Qwen3.5
//   kLlama3    {"name": ..., "parameters": {...}}, <|python_tag|>...      Llama 3.1-3.3
//   kMistral   [TOOL_CALLS][{...}, ...] and [TOOL_CALLS]NAME[ARGS]{...}   Mistral, Devstral
//   kHarmony   <|start|>assistant to=functions.NAME ...<|message|>{...}   gpt-oss
//   kDeepSeek  <｜tool▁call▁begin｜>...<｜tool▁sep｜>...<｜tool▁call▁end｜>   DeepSeek R1, V3.x
//   kGeneric   a JSON object {"name", "arguments"} (or {"tool_call"...}) for other templates;
//              one that does not write tools at all gets them described in the system message
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/model.h"
#include "engine/request/error.h"
#include "engine/runtime/sequence.h"
#include "engine/runtime/tool_calls.h"

namespace inferno::request {

enum class ToolFormat { kHermes, kQwenXml, kLlama3, kMistral, kHarmony, kDeepSeek, kGeneric };

ToolFormat DetectToolFormat(const Tokenizer& tok, std::string_view chat_template);
// Whether the template writes the tools it is given at all (else the model never sees them
// unless they are described in a message); the chat UI offers tools only to such models.
bool TemplateWritesTools(std::string_view chat_template);
const char* ToolFormatName(ToolFormat f);

// A call as far as a prefix of the output shows it.
struct ParsedCall {
  std::string name;
  bool name_done = false;  // the name is whole (nothing of a call is sent before)
  std::string arguments;   // JSON text so far; only grows as the output does
  bool arguments_done = false;
};

// One parse of a prefix. `content` only grows as the prefix does: a possible marker's
// beginning at its end is left out until `final`.
struct ToolParse {
  std::string content;
  std::vector<ParsedCall> calls;
};

struct ToolParseInput {
  std::string_view raw;      // the output as generated (harmony reads its headers there)
  std::string_view content;  // the answer's part of it (after the reasoning splitter)
  bool final = false;        // the output is complete: release what was held back
  const boost::json::array* tools = nullptr;  // to type the values of kQwenXml's parameters
};

ToolParse ParseToolCalls(ToolFormat format, const ToolParseInput& in);

// The per-format parsers (tool_format_*.cc).
ToolParse ParseHermes(const ToolParseInput& in);
ToolParse ParseQwenXml(const ToolParseInput& in);
ToolParse ParseLlama3(const ToolParseInput& in);
ToolParse ParseMistral(const ToolParseInput& in);
ToolParse ParseHarmonyCalls(const ToolParseInput& in);
ToolParse ParseDeepSeek(const ToolParseInput& in);
ToolParse ParseGenericJson(const ToolParseInput& in);

struct ToolParserOptions {
  ToolFormat format = ToolFormat::kGeneric;
  bool parallel = true;      // false: only the first call is reported
  bool mistral_ids = false;  // ids of 9 letters and digits, which Mistral's templates demand
  // The opening of a forced call the prompt already ends with (ForcedCallPrefix).
  std::string prefix;
  boost::json::array tools;
};

class PrefixToolCallParser : public ToolCallParser {
 public:
  explicit PrefixToolCallParser(ToolParserOptions options);
  void Push(std::string_view raw, std::string_view content, ToolCallOutput* out) override;
  void Finish(ToolCallOutput* out) override;
  int calls() const override { return int(calls_.size()); }

 private:
  void Emit(bool final, ToolCallOutput* out);

  struct Sent {
    std::string id;
    size_t arguments = 0;
  };
  ToolParserOptions options_;
  std::string raw_;
  std::string content_;
  size_t sent_content_ = 0;
  std::vector<Sent> calls_;
};

// Adds a generation's deltas to the calls they build (non-streamed responses: each call whole).
void AddToolCallDeltas(const std::vector<ToolCallDelta>& deltas, std::vector<ChatToolCall>* calls);

// "call_" and 24 random letters and digits (OpenAI's shape), or Mistral's 9.
std::string NewToolCallId(bool mistral);

// The text a forced call starts with in `format` (`name` empty: any function, for
// tool_choice "required"). The prompt ends with it, so the model can only go on with a call.
std::string ForcedCallPrefix(ToolFormat format, std::string_view chat_template,
                             std::string_view name);

// Prepare()'s part: chooses the format, describes the tools in the system message when the
// template does not write them, forces the call tool_choice asks for, and sets
// req.tool_calls. Nothing when the request offers no tools or tool_choice is "none".
std::optional<RequestError> SetUpTools(const Model& model, GenerateRequest& req);

}  // namespace inferno::request
