// Chat templates: the model's tokenizer.chat_template (a Jinja program in the GGUF file) is
// rendered by the Jinja interpreter in engine/template, as Hugging Face renders it. A model
// without a template, or with one that does not parse, falls back to ChatML with a warning.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/template.h"
#include "engine/util/status.h"

namespace inferno {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant" (see NormalizeChatRole)
  std::string content;
};

// Checks the role of a message from a request, for every front end alike. OpenAI's
// "developer" (its newer name for system) becomes "system"; any other role is refused with a
// message naming the accepted ones.
Status NormalizeChatRole(std::string* role);

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
  // (messages, add_generation_prompt, bos_token, eos_token, tools and documents none).
  // The leading BOS a template writes is dropped: the tokenizer adds it as the model's
  // metadata asks. Fails with the template's message when it refuses the conversation
  // (raise_exception, e.g. a system message the model does not support).
  // `extra`: further variables for the template, as transformers' apply_chat_template takes
  // them (enable_thinking, reasoning_effort, ...); one that names a variable set above is refused.
  Result<std::string> Apply(std::span<const ChatMessage> messages, bool add_generation_prompt,
                            std::string_view bos_text = "", std::string_view eos_text = "",
                            const boost::json::object* extra = nullptr) const;

  std::string_view Name() const;
  // Texts that end an assistant turn in this format.
  std::vector<std::string> StopStrings() const;
};

}  // namespace inferno
