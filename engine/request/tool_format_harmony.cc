// gpt-oss (harmony): a call is a message to a recipient "functions.NAME", usually on the
// commentary channel, its body the arguments as JSON, ended by <|call|>:
//   <|start|>assistant<|channel|>commentary to=functions.get_weather
//   <|constrain|>json<|message|>{...}<|call|>
// The headers are in the raw output (the reasoning splitter keeps the answer apart and leaves
// such messages out of both parts), so the calls are read there and the answer is the
// splitter's.
#include "engine/request/harmony.h"
#include "engine/request/tool_format_util.h"

namespace inferno::request {

ToolParse ParseHarmonyCalls(const ToolParseInput& in) {
  ToolParse p;
  p.content = std::string(in.content);
  constexpr std::string_view kFunctions = "functions.";
  const HarmonyParse parse = ParseHarmony(in.raw);
  for (const HarmonyMessage& m : parse.messages) {
    if (!m.recipient.starts_with(kFunctions)) continue;
    ParsedCall call;
    call.name = m.recipient.substr(kFunctions.size());
    call.name_done = true;
    call.arguments = m.text;
    call.arguments_done = m.complete || in.final;
    p.calls.push_back(std::move(call));
  }
  return p;
}

}  // namespace inferno::request
