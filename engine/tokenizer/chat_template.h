// Chat templates: the model's tokenizer.chat_template (a Jinja program in the GGUF file) is
// recognised by the markers it writes and rendered by our own formatter for that family,
// byte for byte as the template would. Unknown templates fall back to ChatML with a warning.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace inferno {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant" (see NormalizeChatRole)
  std::string content;
};

// Checks the role of a message from a request, for every front end alike. OpenAI's
// "developer" (its newer name for system) becomes "system"; any other role is refused with a
// message naming the accepted ones: the templates know only these three, and one they do not
// know would be written into the prompt verbatim.
Status NormalizeChatRole(std::string* role);

enum class ChatTemplateKind {
  kChatML,      // <|im_start|>role\n...<|im_end|>\n (Qwen, Hermes, ...)
  kLlama3,      // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
  kLlama2,      // <s>[INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] ... </s>
  kMistral,     // [INST] ... [/INST]; spacing and system placement vary by version
  kGemma,       // <start_of_turn>user|model\n...<end_of_turn>\n
  kPhi3,        // <|user|>\n...<|end|>\n<|assistant|>\n
  kDeepSeekR1,  // <｜User｜>...<｜Assistant｜>... (full-width bars)
  kDeepSeek,    // User: ...\n\nAssistant: ...
};

// Mistral has shipped several [INST] layouts; the template's literals tell them apart.
enum class MistralStyle {
  kV1,        // " [INST] sys\n\nuser [/INST] answer</s>" (7B v0.1/v0.2 with system support)
  kLegacy,    // "[INST] user [/INST]answer</s>" (original v0.1/v0.2, no system role)
  kV3,        // "[INST] user[/INST] answer</s>", system joins the last user turn
  kTekken,    // "[INST]user[/INST]answer</s>", system joins the last user turn (Nemo)
  kV7,        // "[SYSTEM_PROMPT] sys[/SYSTEM_PROMPT][INST] user[/INST] answer</s>"
  kV7Tekken,  // "[SYSTEM_PROMPT]sys[/SYSTEM_PROMPT][INST]user[/INST]answer</s>"
};

struct ChatTemplate {
  ChatTemplateKind kind = ChatTemplateKind::kChatML;
  std::string warning;  // non-empty when the template was not recognised

  // Details within a family that Detect() reads from the template text.
  MistralStyle mistral = MistralStyle::kV1;
  std::string default_system;  // ChatML: system turn the template writes when none is given
  std::string date_string;     // Llama 3.1+: "Today Date: ..." (empty: Llama 3.0 layout)
  bool think_prompt = false;   // DeepSeek-R1: the generation prompt opens "<think>\n"

  static ChatTemplate Detect(std::string_view template_text);

  // Renders the conversation. The leading BOS is never written (the tokenizer adds it as
  // the model's metadata asks); bos_text/eos_text are written where a template separates
  // later turns with them (Llama 2, Mistral, DeepSeek), and may be empty.
  std::string Apply(std::span<const ChatMessage> messages, bool add_generation_prompt,
                    std::string_view bos_text = "", std::string_view eos_text = "") const;

  std::string_view Name() const;
  // Texts that end an assistant turn in this format.
  std::vector<std::string> StopStrings() const;
};

}  // namespace inferno
