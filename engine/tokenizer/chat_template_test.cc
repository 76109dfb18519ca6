#include "engine/tokenizer/chat_template.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

const std::vector<ChatMessage> kConversation = {
    {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}, {"user", "2+2?"}};

struct Case {
  const char* template_snippet;
  ChatTemplateKind kind;
  const char* rendered;
};

TEST(ChatTemplate, DetectsAndRendersEachFamily) {
  const Case cases[] = {
      {"{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}",
       ChatTemplateKind::kChatML,
       "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
       "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n"
       "<|im_start|>assistant\n"},
      {"{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}",
       ChatTemplateKind::kLlama3,
       "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
       "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
       "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
       "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
       "<|start_header_id|>assistant<|end_header_id|>\n\n"},
      {"{{ bos_token + '[INST] ' + '<<SYS>>\\n' + content }}", ChatTemplateKind::kLlama2,
       "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] 2+2? [/INST]"},
      {"{{ '[INST] ' + message['content'] + ' [/INST]' }}", ChatTemplateKind::kMistral,
       "[INST] Be brief.\n\nHi [/INST]Hello!</s>[INST] 2+2? [/INST]"},
      {"{{ '<start_of_turn>' + role + '\n' }}", ChatTemplateKind::kGemma,
       "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!"
       "<end_of_turn>\n<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n"},
      {"{{ '<|user|>' + content + '<|end|>' + '<|assistant|>' }}", ChatTemplateKind::kPhi3,
       "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
       "<|user|>\n2+2?<|end|>\n<|assistant|>\n"},
      {"{{'<｜User｜>' + content + '<｜Assistant｜>'}}", ChatTemplateKind::kDeepSeekR1,
       "Be brief.<｜User｜>Hi<｜Assistant｜>Hello!<｜end▁of▁sentence｜><｜User｜>2+2?"
       "<｜Assistant｜>"},
  };
  for (const Case& c : cases) {
    const ChatTemplate t = ChatTemplate::Detect(c.template_snippet);
    EXPECT_EQ(t.kind, c.kind) << c.template_snippet;
    EXPECT_TRUE(t.warning.empty());
    EXPECT_EQ(t.Apply(kConversation, true, "<s>", "</s>"), c.rendered) << t.Name();
  }
}

TEST(ChatTemplate, UnknownFallsBackToChatMLWithWarning) {
  const ChatTemplate t = ChatTemplate::Detect("{{ something_else }}");
  EXPECT_EQ(t.kind, ChatTemplateKind::kChatML);
  EXPECT_FALSE(t.warning.empty());
  EXPECT_FALSE(ChatTemplate::Detect("").warning.empty());
  EXPECT_EQ(t.StopStrings(), std::vector<std::string>{"<|im_end|>"});
}

}  // namespace
}  // namespace inferno
