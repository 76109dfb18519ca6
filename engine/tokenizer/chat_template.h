// Chat templates: the model's tokenizer.chat_template (a Jinja program in the GGUF file) is
// rendered by the Jinja interpreter in engine/template, as Hugging Face renders it. A model
// without a template, or with one that does not parse, falls back to ChatML with a warning.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/template.h"
#include "engine/util/status.h"

namespace inferno {

// A call an assistant message made (OpenAI's tool_calls[i]).
struct ChatToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as OpenAI sends it
};

struct ChatMessage {
  ChatMessage() = default;
  ChatMessage(std::string r, std::string c) : role(std::move(r)), content(std::move(c)) {}

  std::string role;  // "system", "user", "assistant" or "tool" (see NormalizeChatRole)
  std::string content;
  std::vector<ChatToolCall> tool_calls;  // assistant: the calls it made
  std::string tool_call_id;              // tool: the call this is the result of
  std::string name;                      // tool: the function's name ("" when not known)
};

// Checks the role of a message from a request, for every front end alike. OpenAI's
// "developer" (its newer name for system) becomes "system"; any other role is refused with a
// message naming the accepted ones. `tool`: the front end reads tool results (role "tool",
// engine/request/chat_messages.h); the debugger's prompts have none.
Status NormalizeChatRole(std::string* role, bool tool = false);

// The family a template belongs to, recognised by the markers it writes. Rendering does not
// depend on it (the template itself is run); it names the format and its stop strings.
enum class ChatTemplateKind {
  kChatML,      // <|im_start|>role\n...<|im_end|>\n (Qwen, Hermes, ...)
  kLlama3,      // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
  kLlama2,      // <s>[INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] ... </s>
  kMistral,     // [INST] ... [/INST]
  kGemma,       // <start_of_turn>user|model\n...<end_of_turn>\n
  kPhi3,        // <|user|>\n...<|end|>\n<|assistant|>\n
  kDeepSeekR1,  // <｜User｜>...<｜Assistant｜>... (full-width bars)
  kDeepSeek,    // User: ...\n\nAssistant: ...
  kOther,       // a template of none of these families, rendered all the same
};

struct ChatTemplate {
  ChatTemplateKind kind = ChatTemplateKind::kChatML;
  std::string warning;                      // non-empty when the model's own template is not used
  std::shared_ptr<const Template> program;  // what Apply runs (the model's, or ChatML)

  static ChatTemplate Detect(std::string_view template_text);

  // Renders the conversation with the template's variables as transformers sets them
  // (messages, add_generation_prompt, bos_token, eos_token, tools, documents none). A call's
  // arguments reach the template as the object they spell (templates write them with tojson
  // or iterate them, as Hugging Face's examples pass them); text that is no JSON object stays
  // a string. `tools`: OpenAI's tool list, null when absent. `options`: the renderer's limits
  // and clock (tests fix strftime_now's date).
  // The leading BOS a template writes is dropped: the tokenizer adds it as the model's
  // metadata asks. Fails with the template's message when it refuses the conversation
  // (raise_exception, e.g. a system message the model does not support).
  // `extra`: further variables for the template, as transformers' apply_chat_template takes
  // them (enable_thinking, reasoning_effort, ...); one that names a variable set above is refused.
  Result<std::string> Apply(std::span<const ChatMessage> messages, bool add_generation_prompt,
                            std::string_view bos_text = "", std::string_view eos_text = "",
                            const boost::json::object* extra = nullptr,
                            const boost::json::array* tools = nullptr,
                            const RenderOptions& options = {}) const;

  std::string_view Name() const;
  // Texts that end an assistant turn in this format.
  std::vector<std::string> StopStrings() const;
};

}  // namespace inferno
