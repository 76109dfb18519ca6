#include "engine/tokenizer/chat_template.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

// Whitespace at the ends of turns and a <think> block make the families' differences
// (trim, strip, reasoning removal) visible in the output.
const std::vector<ChatMessage> kWithSystem = {{"system", "You are terse."},
                                              {"user", " Hi there\n"},
                                              {"assistant", "<think>hmm</think>  Hello!  "},
                                              {"user", "What is 2+2?"}};

struct Case {
  const char* name;
  const char* template_snippet;  // the distinguishing literals of the real template
  ChatTemplateKind kind;
  const char* with_system;  // the real template's output (jinja2, BOS "<s>", EOS "</s>"),
  const char* no_system;    // with the leading BOS removed: the tokenizer adds that one
};

// Expected strings were rendered from the models' published templates with jinja2
// (trim_blocks, lstrip_blocks, as transformers does), strftime_now = "24 Nov 2025".
const Case kCases[] = {
    {"qwen25",
     R"T({%- else %}{{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }})T",
     ChatTemplateKind::kChatML,
     "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n Hi "
     "there\n<|im_end|>\n<|im_start|>assistant\n<think>hmm</think>  Hello!  "
     "<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
     "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
     "assistant.<|im_end|>\n<|im_start|>user\n Hi "
     "there\n<|im_end|>\n<|im_start|>assistant\n<think>hmm</think>  Hello!  "
     "<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"},
    {"llama32",
     R"T({%- set date_string = strftime_now("%d %b %Y") %}{{- "Cutting Knowledge Date: December 2023\n" }}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }})T",
     ChatTemplateKind::kLlama3,
     "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday "
     "Date: 24 Nov 2025\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi "
     "there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<think>hmm</think>  "
     "Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is "
     "2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
     "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday "
     "Date: 24 Nov 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi "
     "there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<think>hmm</think>  "
     "Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is "
     "2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"llama30",
     R"T({% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %})T",
     ChatTemplateKind::kLlama3,
     "<|start_header_id|>system<|end_header_id|>\n\nYou are "
     "terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi "
     "there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<think>hmm</think>  "
     "Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is "
     "2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
     "<|start_header_id|>user<|end_header_id|>\n\nHi "
     "there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<think>hmm</think>  "
     "Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is "
     "2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"llama2",
     R"T({% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }})T",
     ChatTemplateKind::kLlama2,
     "[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\n Hi there [/INST] <think>hmm</think>  Hello! "
     "</s><s>[INST] What is 2+2? [/INST]",
     "[INST] Hi there [/INST] <think>hmm</think>  Hello! </s><s>[INST] What is 2+2? [/INST]"},
    {"mistral_v1",
     R"T({{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}{{- ' ' + message['content'] + eos_token}})T",
     ChatTemplateKind::kMistral,
     " [INST] You are terse.\n\n Hi there\n [/INST] <think>hmm</think>  Hello!  </s> [INST] What "
     "is 2+2? [/INST]",
     " [INST]  Hi there\n [/INST] <think>hmm</think>  Hello!  </s> [INST] What is 2+2? [/INST]"},
    // The real template raises on a system message; we fold it in as later versions do.
    {"mistral_legacy",
     R"T({{ '[INST] ' + message['content'] + ' [/INST]' }}{{ message['content'] + eos_token}})T",
     ChatTemplateKind::kMistral,
     "[INST] You are terse.\n\n Hi there\n [/INST]<think>hmm</think>  Hello!  </s>[INST] What is "
     "2+2? [/INST]",
     "[INST]  Hi there\n [/INST]<think>hmm</think>  Hello!  </s>[INST] What is 2+2? [/INST]"},
    {"mistral_v3",
     R"T({{- "[INST] " + message["content"] + "[/INST]" }}{{- " " + message["content"]|trim + eos_token}})T",
     ChatTemplateKind::kMistral,
     "[INST]  Hi there\n[/INST] <think>hmm</think>  Hello!</s>[INST] You are terse.\n\nWhat is "
     "2+2?[/INST]",
     "[INST]  Hi there\n[/INST] <think>hmm</think>  Hello!</s>[INST] What is 2+2?[/INST]"},
    {"mistral_tekken",
     R"T({{- "[INST]" + message["content"] + "[/INST]" }}{{- message["content"] + eos_token}})T",
     ChatTemplateKind::kMistral,
     "[INST] Hi there\n[/INST]<think>hmm</think>  Hello!  </s>[INST]You are terse.\n\nWhat is "
     "2+2?[/INST]",
     "[INST] Hi there\n[/INST]<think>hmm</think>  Hello!  </s>[INST]What is 2+2?[/INST]"},
    {"mistral_v7",
     R"T({{ '[INST] ' + message['content'] + '[/INST]' }}{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }})T",
     ChatTemplateKind::kMistral,
     "[SYSTEM_PROMPT] You are terse.[/SYSTEM_PROMPT][INST]  Hi there\n[/INST] <think>hmm</think>  "
     "Hello!  </s>[INST] What is 2+2?[/INST]",
     "[INST]  Hi there\n[/INST] <think>hmm</think>  Hello!  </s>[INST] What is 2+2?[/INST]"},
    {"gemma3",
     R"T({{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }})T",
     ChatTemplateKind::kGemma,
     "<start_of_turn>user\nYou are terse.\n\nHi "
     "there<end_of_turn>\n<start_of_turn>model\n<think>hmm</think>  "
     "Hello!<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n",
     "<start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\n<think>hmm</think>  "
     "Hello!<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"},
    {"phi35", R"T({{'<|user|>\n' + message['content'] + '<|end|>\n'}}{{ '<|assistant|>\n' }})T",
     ChatTemplateKind::kPhi3,
     "<|system|>\nYou are terse.<|end|>\n<|user|>\n Hi "
     "there\n<|end|>\n<|assistant|>\n<think>hmm</think>  Hello!  <|end|>\n<|user|>\nWhat is "
     "2+2?<|end|>\n<|assistant|>\n",
     "<|user|>\n Hi there\n<|end|>\n<|assistant|>\n<think>hmm</think>  Hello!  "
     "<|end|>\n<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n"},
    {"r1", R"T({{'<｜User｜>' + message['content']}}{{'<｜Assistant｜><think>\n'}})T",
     ChatTemplateKind::kDeepSeekR1,
     "You are terse.<｜User｜> Hi there\n<｜Assistant｜>  Hello!  "
     "<｜end▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n",
     "<｜User｜> Hi there\n<｜Assistant｜>  Hello!  <｜end▁of▁sentence｜><｜User｜>What is "
     "2+2?<｜Assistant｜><think>\n"},
    {"deepseek", R"T({{ 'User: ' + message['content'] + '\n\n' }}{{ 'Assistant:' }})T",
     ChatTemplateKind::kDeepSeek,
     "You are terse.\n\nUser:  Hi there\n\n\nAssistant: <think>hmm</think>  Hello!  </s>User: What "
     "is 2+2?\n\nAssistant:",
     "User:  Hi there\n\n\nAssistant: <think>hmm</think>  Hello!  </s>User: What is "
     "2+2?\n\nAssistant:"},
};

TEST(ChatTemplate, MatchesRealTemplatesByteForByte) {
  const std::vector<ChatMessage> no_system(kWithSystem.begin() + 1, kWithSystem.end());
  for (const Case& c : kCases) {
    ChatTemplate t = ChatTemplate::Detect(c.template_snippet);
    EXPECT_EQ(t.kind, c.kind) << c.name;
    EXPECT_TRUE(t.warning.empty()) << c.name;
    if (!t.date_string.empty()) t.date_string = "24 Nov 2025";  // pin "today"
    EXPECT_EQ(t.Apply(kWithSystem, true, "<s>", "</s>"), c.with_system) << c.name;
    EXPECT_EQ(t.Apply(no_system, true, "<s>", "</s>"), c.no_system) << c.name;
  }
}

TEST(ChatTemplate, DetectsFamilyDetails) {
  EXPECT_EQ(ChatTemplate::Detect(kCases[0].template_snippet).default_system,
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
  // Qwen3 and plain ChatML write no default system turn.
  EXPECT_EQ(ChatTemplate::Detect("{{'<|im_start|>' + message['role'] + '\\n'}}").default_system,
            "");
  // Llama 3.1 pins its date; 3.2+ asks for today's, whose format is "24 Nov 2025".
  EXPECT_EQ(ChatTemplate::Detect("{{- \"Cutting Knowledge Date: December 2023\\n\" }}"
                                 "<|start_header_id|><|end_header_id|>")
                .date_string,
            "26 Jul 2024");
  EXPECT_EQ(ChatTemplate::Detect(kCases[1].template_snippet).date_string.size(), 11u);
  EXPECT_EQ(ChatTemplate::Detect(kCases[2].template_snippet).date_string, "");
  EXPECT_EQ(ChatTemplate::Detect("{{'[SYSTEM_PROMPT]' + s + '[/SYSTEM_PROMPT]'}}[INST]").mistral,
            MistralStyle::kV7Tekken);
  EXPECT_FALSE(ChatTemplate::Detect("{{'<｜User｜>'}}{{'<｜Assistant｜>'}}").think_prompt);
}

TEST(ChatTemplate, GenerationPromptIsOptional) {
  const ChatTemplate chatml = ChatTemplate::Detect("<|im_start|>");
  EXPECT_EQ(chatml.Apply(std::vector<ChatMessage>{{"user", "Hi"}}, false),
            "<|im_start|>user\nHi<|im_end|>\n");
  // Phi-3 ends a finished conversation with EOS instead of opening an assistant turn.
  const ChatTemplate phi = ChatTemplate::Detect("<|user|><|assistant|><|end|>");
  EXPECT_EQ(phi.Apply(std::vector<ChatMessage>{{"user", "Hi"}}, false, "<s>", "<|endoftext|>"),
            "<|user|>\nHi<|end|>\n<|endoftext|>");
}

TEST(ChatTemplate, UnknownFallsBackToChatMLWithWarning) {
  const ChatTemplate t = ChatTemplate::Detect("{{ something_else }}");
  EXPECT_EQ(t.kind, ChatTemplateKind::kChatML);
  EXPECT_FALSE(t.warning.empty());
  EXPECT_EQ(t.Name(), "chatml");
  EXPECT_FALSE(ChatTemplate::Detect("").warning.empty());
  EXPECT_EQ(t.StopStrings(), std::vector<std::string>{"<|im_end|>"});
  EXPECT_EQ(t.Apply(std::vector<ChatMessage>{{"user", "Hi"}}, true),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(NormalizeChatRole, AcceptsTheThreeRolesAndDeveloperAsSystem) {
  for (const char* ok : {"system", "user", "assistant"}) {
    std::string role = ok;
    EXPECT_TRUE(NormalizeChatRole(&role).ok()) << ok;
    EXPECT_EQ(role, ok);
  }
  std::string developer = "developer";
  EXPECT_TRUE(NormalizeChatRole(&developer).ok());
  EXPECT_EQ(developer, "system");
  for (const char* bad : {"tool", "evil", "", "User"}) {
    std::string role = bad;
    const Status st = NormalizeChatRole(&role);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(st.message(),
              "unsupported role '" + std::string(bad) + "' (system, user, assistant)");
  }
}

}  // namespace
}  // namespace inferno
