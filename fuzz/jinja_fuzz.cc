// libFuzzer target for the chat template interpreter (engine/template): the input is a
// template source, optionally followed by a NUL byte and a JSON context that replaces the
// default one. The template is parsed and, when it parses, rendered with small limits, so an
// input that loops or grows its output stops quickly at the step budget or the output cap.
//
// Oracle besides the sanitizers: a successful rendering stays within the output cap, and a
// template that parsed once parses again (the parser keeps no state between calls).
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/template/template.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kDefaultContext = R"({
  "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true,
  "enable_thinking": false, "documents": null,
  "tools": [{"type": "function", "function": {"name": "get_weather",
             "description": "Weather.", "parameters": {"type": "object",
             "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "Hi \u00e9 {{ x }}"}]},
    {"role": "assistant", "content": "", "reasoning_content": "think",
     "tool_calls": [{"id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    {"role": "user", "content": "Thanks"}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view source = input;
  boost::json::value context = boost::json::parse(kDefaultContext);
  if (const size_t nul = input.find('\0'); nul != std::string_view::npos) {
    source = input.substr(0, nul);
    boost::system::error_code ec;
    boost::json::value given = boost::json::parse(input.substr(nul + 1), ec);
    if (!ec && given.is_object()) context = std::move(given);
  }
  inferno::Result<inferno::Template> tmpl = inferno::Template::Parse(source);
  if (!tmpl.ok()) return 0;
  Check(inferno::Template::Parse(source).ok());
  inferno::RenderOptions options;
  options.max_steps = 200000;
  options.max_output_bytes = 1u << 20;
  options.now = std::tm{};
  inferno::Result<std::string> out = tmpl->Render(context, options);
  if (out.ok()) Check(out->size() <= options.max_output_bytes);
  return 0;
}
