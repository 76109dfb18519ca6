// Chat templates: the model's tokenizer.chat_template (a Jinja program in the GGUF file) is
// recognised by the markers it writes and rendered by our own formatter for that family,
// byte for byte as the template would. Unknown templates fall back to ChatML with a warning.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inferno {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

enum class ChatTemplateKind {
  kChatML,
  kLlama3,
  kLlama2,
  kMistral,
  kGemma,
  kPhi3,
  kDeepSeekR1,
  kDeepSeek
};

struct ChatTemplate {
  ChatTemplateKind kind = ChatTemplateKind::kChatML;
  std::string warning;  // non-empty when the template was not recognised

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
