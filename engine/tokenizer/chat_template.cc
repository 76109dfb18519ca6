#include "engine/tokenizer/chat_template.h"

namespace inferno {
namespace {

bool Has(std::string_view text, std::string_view marker) {
  return text.find(marker) != std::string_view::npos;
}

// Gemma, Mistral and DeepSeek-R1 have no system role: the system text joins the first user
// message the way their templates do it.
std::vector<ChatMessage> FoldSystem(std::span<const ChatMessage> messages, std::string_view sep) {
  std::vector<ChatMessage> out;
  std::string system;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      system += m.content;
      continue;
    }
    out.push_back(m);
    if (!system.empty() && m.role == "user") {
      out.back().content = system + std::string(sep) + m.content;
      system.clear();
    }
  }
  return out;
}

}  // namespace

ChatTemplate ChatTemplate::Detect(std::string_view t) {
  ChatTemplate c;
  if (Has(t, "<|im_start|>")) {
    c.kind = ChatTemplateKind::kChatML;
  } else if (Has(t, "<|start_header_id|>") && Has(t, "<|end_header_id|>")) {
    c.kind = ChatTemplateKind::kLlama3;
  } else if (Has(t, "[INST]")) {
    c.kind = Has(t, "<<SYS>>") ? ChatTemplateKind::kLlama2 : ChatTemplateKind::kMistral;
  } else if (Has(t, "<start_of_turn>")) {
    c.kind = ChatTemplateKind::kGemma;
  } else if (Has(t, "<|assistant|>") && Has(t, "<|end|>")) {
    c.kind = ChatTemplateKind::kPhi3;
  } else if (Has(t, "<｜User｜>") && Has(t, "<｜Assistant｜>")) {
    c.kind = ChatTemplateKind::kDeepSeekR1;
  } else if (Has(t, "'User: '") || (Has(t, "User: ") && Has(t, "Assistant:"))) {
    c.kind = ChatTemplateKind::kDeepSeek;
  } else {
    c.kind = ChatTemplateKind::kChatML;
    c.warning = t.empty() ? "the model has no chat template; using ChatML"
                          : "the model's chat template is not recognised; using ChatML";
  }
  return c;
}

std::string_view ChatTemplate::Name() const {
  switch (kind) {
    case ChatTemplateKind::kChatML:
      return "chatml";
    case ChatTemplateKind::kLlama3:
      return "llama3";
    case ChatTemplateKind::kLlama2:
      return "llama2";
    case ChatTemplateKind::kMistral:
      return "mistral";
    case ChatTemplateKind::kGemma:
      return "gemma";
    case ChatTemplateKind::kPhi3:
      return "phi3";
    case ChatTemplateKind::kDeepSeekR1:
      return "deepseek-r1";
    case ChatTemplateKind::kDeepSeek:
      return "deepseek";
  }
  return "chatml";
}

std::vector<std::string> ChatTemplate::StopStrings() const {
  switch (kind) {
    case ChatTemplateKind::kChatML:
      return {"<|im_end|>"};
    case ChatTemplateKind::kLlama3:
      return {"<|eot_id|>"};
    case ChatTemplateKind::kLlama2:
    case ChatTemplateKind::kMistral:
      return {"[INST]"};
    case ChatTemplateKind::kGemma:
      return {"<end_of_turn>"};
    case ChatTemplateKind::kPhi3:
      return {"<|end|>"};
    case ChatTemplateKind::kDeepSeekR1:
      return {"<｜end▁of▁sentence｜>"};
    case ChatTemplateKind::kDeepSeek:
      return {"<｜end▁of▁sentence｜>", "User:"};
  }
  return {};
}

std::string ChatTemplate::Apply(std::span<const ChatMessage> messages, bool gen,
                                std::string_view bos, std::string_view eos) const {
  std::string out;
  switch (kind) {
    case ChatTemplateKind::kChatML:
      for (const ChatMessage& m : messages) {
        out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      }
      if (gen) out += "<|im_start|>assistant\n";
      break;
    case ChatTemplateKind::kLlama3:
      for (const ChatMessage& m : messages) {
        out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + m.content + "<|eot_id|>";
      }
      if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      break;
    case ChatTemplateKind::kLlama2: {
      // [INST] <<SYS>>\nsys\n<</SYS>>\n\nuser [/INST] answer </s><s>[INST] user [/INST]
      std::string system;
      for (const ChatMessage& m : messages) {
        if (m.role == "system") system += m.content;
      }
      bool first = true;
      for (const ChatMessage& m : messages) {
        if (m.role == "system") continue;
        if (m.role == "user") {
          if (!first) out += std::string(bos);
          out += "[INST] ";
          if (first && !system.empty()) out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
          out += m.content + " [/INST]";
          first = false;
        } else {
          out += " " + m.content + " " + std::string(eos);
        }
      }
      break;
    }
    case ChatTemplateKind::kMistral:
      for (const ChatMessage& m : FoldSystem(messages, "\n\n")) {
        if (m.role == "user") {
          out += "[INST] " + m.content + " [/INST]";
        } else {
          out += m.content + std::string(eos);
        }
      }
      break;
    case ChatTemplateKind::kGemma:
      for (const ChatMessage& m : FoldSystem(messages, "\n\n")) {
        const std::string role = m.role == "assistant" ? "model" : m.role;
        out += "<start_of_turn>" + role + "\n" + m.content + "<end_of_turn>\n";
      }
      if (gen) out += "<start_of_turn>model\n";
      break;
    case ChatTemplateKind::kPhi3:
      for (const ChatMessage& m : messages) {
        out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
      }
      if (gen) out += "<|assistant|>\n";
      break;
    case ChatTemplateKind::kDeepSeekR1:
      for (const ChatMessage& m : messages) {
        if (m.role == "system") out += m.content;
      }
      for (const ChatMessage& m : messages) {
        if (m.role == "user") out += "<｜User｜>" + m.content;
        if (m.role == "assistant") out += "<｜Assistant｜>" + m.content + "<｜end▁of▁sentence｜>";
      }
      if (gen) out += "<｜Assistant｜>";
      break;
    case ChatTemplateKind::kDeepSeek:
      for (const ChatMessage& m : messages) {
        if (m.role == "system") out += m.content + "\n\n";
        if (m.role == "user") out += "User: " + m.content + "\n\n";
        if (m.role == "assistant") out += "Assistant: " + m.content + "<｜end▁of▁sentence｜>";
      }
      if (gen) out += "Assistant:";
      break;
  }
  return out;
}

}  // namespace inferno
