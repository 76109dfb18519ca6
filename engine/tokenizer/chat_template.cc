#include "engine/tokenizer/chat_template.h"

#include <ctime>
#include <initializer_list>

namespace inferno {
namespace {

using Messages = std::span<const ChatMessage>;

bool Has(std::string_view text, std::string_view marker) {
  return text.find(marker) != std::string_view::npos;
}

bool HasAny(std::string_view text, std::initializer_list<std::string_view> markers) {
  for (std::string_view m : markers) {
    if (Has(text, m)) return true;
  }
  return false;
}

// Jinja's `trim` filter and Python's str.strip(), for the ASCII whitespace chat text holds.
std::string Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return "";
  return std::string(s.substr(begin, s.find_last_not_of(kSpace) - begin + 1));
}

bool LeadingSystem(Messages m) { return !m.empty() && m[0].role == "system"; }

// Qwen 2/2.5 templates write a fixed system turn when the conversation has none. It appears as
// a string literal '<|im_start|>system\n<text><|im_end|>' with no expression inside.
std::string DefaultChatMLSystem(std::string_view t) {
  constexpr std::string_view kOpen = "<|im_start|>system";
  for (size_t pos = t.find(kOpen); pos != std::string_view::npos; pos = t.find(kOpen, pos + 1)) {
    std::string_view rest = t.substr(pos + kOpen.size());
    if (rest.starts_with("\\n")) {
      rest.remove_prefix(2);
    } else if (rest.starts_with("\n")) {
      rest.remove_prefix(1);
    } else {
      continue;
    }
    const size_t end = rest.find("<|im_end|>");
    if (end == std::string_view::npos) continue;
    const std::string_view text = rest.substr(0, end);
    if (text.empty() || text.find_first_of("'\"{}+") != std::string_view::npos) continue;
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
        out += '\n';
        ++i;
      } else {
        out += text[i];
      }
    }
    return out;
  }
  return "";
}

// Llama 3.2+ templates date the system header with strftime_now("%d %b %Y") (today, as
// transformers and llama.cpp render it); Llama 3.1 pins "26 Jul 2024".
std::string LlamaDate(std::string_view t) {
  if (!Has(t, "Cutting Knowledge Date")) return "";
  if (!Has(t, "strftime_now")) return "26 Jul 2024";
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof(buf), "%d %b %Y", &tm);
  return std::string(buf, n);
}

MistralStyle DetectMistral(std::string_view t) {
  if (Has(t, "[SYSTEM_PROMPT]")) {
    return HasAny(t, {"[SYSTEM_PROMPT] '", "[SYSTEM_PROMPT] \""}) ? MistralStyle::kV7
                                                                  : MistralStyle::kV7Tekken;
  }
  if (HasAny(t, {"' [INST] '", "\" [INST] \""})) return MistralStyle::kV1;
  if (HasAny(t, {"' [/INST]'", "\" [/INST]\""})) return MistralStyle::kLegacy;
  if (HasAny(t, {"[INST] '", "[INST] \""})) return MistralStyle::kV3;
  return MistralStyle::kTekken;
}

void RenderChatML(const ChatTemplate& t, Messages msgs, bool gen, std::string& out) {
  if (!LeadingSystem(msgs) && !t.default_system.empty()) {
    out += "<|im_start|>system\n" + t.default_system + "<|im_end|>\n";
  }
  for (const ChatMessage& m : msgs) {
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  }
  if (gen) out += "<|im_start|>assistant\n";
}

void RenderLlama3(const ChatTemplate& t, Messages msgs, bool gen, std::string& out) {
  auto turn = [&](std::string_view role, std::string_view content) {
    out += "<|start_header_id|>";
    out += role;
    out += "<|end_header_id|>\n\n" + Trim(content) + "<|eot_id|>";
  };
  if (!t.date_string.empty()) {
    // 3.1+: a system header is always written, carrying the knowledge cutoff and the date.
    std::string system =
        "Cutting Knowledge Date: December 2023\nToday Date: " + t.date_string + "\n\n";
    if (LeadingSystem(msgs)) {
      system += Trim(msgs[0].content);
      msgs = msgs.subspan(1);
    }
    out += "<|start_header_id|>system<|end_header_id|>\n\n" + system + "<|eot_id|>";
  }
  for (const ChatMessage& m : msgs) turn(m.role, m.content);
  if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

void RenderLlama2(Messages msgs, std::string_view bos, std::string_view eos, std::string& out) {
  std::string system;
  const bool has_system = LeadingSystem(msgs);
  if (has_system) {
    system = "<<SYS>>\n" + msgs[0].content + "\n<</SYS>>\n\n";
    msgs = msgs.subspan(1);
  }
  for (size_t i = 0; i < msgs.size(); ++i) {
    const ChatMessage& m = msgs[i];
    // The system block is glued to the first turn before stripping, as the template does.
    const std::string content = Trim((i == 0 && has_system ? system : "") + m.content);
    if (m.role == "user") {
      if (i > 0) out += bos;  // the first BOS comes from the tokenizer
      out += "[INST] " + content + " [/INST]";
    } else if (m.role == "system") {
      out += "<<SYS>>\n" + content + "\n<</SYS>>\n\n";
    } else if (m.role == "assistant") {
      out += " " + content + " ";
      out += eos;
    }
  }
}

void RenderMistral(MistralStyle style, Messages msgs, std::string_view eos, std::string& out) {
  if (style == MistralStyle::kV7 || style == MistralStyle::kV7Tekken) {
    const bool spaced = style == MistralStyle::kV7;
    const std::string sp = spaced ? " " : "";
    for (const ChatMessage& m : msgs) {
      if (m.role == "system") out += "[SYSTEM_PROMPT]" + sp + m.content + "[/SYSTEM_PROMPT]";
      if (m.role == "user") out += "[INST]" + sp + m.content + "[/INST]";
      if (m.role == "assistant") out += sp + m.content + std::string(eos);
    }
    return;
  }
  // Other versions have no system role: the leading system text joins a user turn, the
  // first one (v1, legacy) or the last message when it is a user turn (v3, tekken).
  std::string system;
  const bool has_system = LeadingSystem(msgs);
  if (has_system) {
    system = msgs[0].content + "\n\n";
    msgs = msgs.subspan(1);
  }
  for (size_t i = 0; i < msgs.size(); ++i) {
    const ChatMessage& m = msgs[i];
    const bool joins = has_system && (style == MistralStyle::kV1 || style == MistralStyle::kLegacy
                                          ? i == 0
                                          : i + 1 == msgs.size());
    if (m.role == "user") {
      // Where each version puts spaces around the [INST] markers.
      const bool v1 = style == MistralStyle::kV1;
      const bool spaced_open = v1 || style == MistralStyle::kLegacy || style == MistralStyle::kV3;
      const bool spaced_close = v1 || style == MistralStyle::kLegacy;
      out += v1 ? " [INST]" : "[INST]";
      if (spaced_open) out += ' ';
      if (joins) out += system;
      out += m.content;
      out += spaced_close ? " [/INST]" : "[/INST]";
    } else if (m.role == "assistant") {
      if (style == MistralStyle::kV1) {
        out += ' ';
        out += m.content;
      } else if (style == MistralStyle::kV3) {
        out += ' ';
        out += Trim(m.content);
      } else {
        out += m.content;
      }
      out += eos;
    }
  }
}

void RenderGemma(Messages msgs, bool gen, std::string& out) {
  // Gemma has no system role: its text (untrimmed) plus a blank line opens the first turn.
  std::string prefix;
  if (LeadingSystem(msgs)) {
    prefix = msgs[0].content + "\n\n";
    msgs = msgs.subspan(1);
  }
  for (size_t i = 0; i < msgs.size(); ++i) {
    const ChatMessage& m = msgs[i];
    out += "<start_of_turn>" + (m.role == "assistant" ? std::string("model") : m.role) + "\n";
    if (i == 0) out += prefix;
    out += Trim(m.content) + "<end_of_turn>\n";
  }
  if (gen) out += "<start_of_turn>model\n";
}

void RenderPhi3(Messages msgs, bool gen, std::string_view eos, std::string& out) {
  for (const ChatMessage& m : msgs) {
    if (m.role == "system" && m.content.empty()) continue;  // Phi-3.5 skips empty system
    if (m.role != "system" && m.role != "user" && m.role != "assistant") continue;
    out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
  }
  if (gen) {
    out += "<|assistant|>\n";
  } else {
    out += eos;
  }
}

void RenderDeepSeekR1(const ChatTemplate& t, Messages msgs, bool gen, std::string& out) {
  // The last system message wins and goes first, with no markup.
  for (const ChatMessage& m : msgs) {
    if (m.role == "system") out.assign(m.content);
  }
  for (const ChatMessage& m : msgs) {
    if (m.role == "user") out += "<｜User｜>" + m.content;
    if (m.role == "assistant") {
      // Earlier reasoning is dropped from the history: only the text after </think> stays.
      std::string_view content = m.content;
      const size_t think = content.rfind("</think>");
      if (think != std::string_view::npos) content.remove_prefix(think + 8);
      out += "<｜Assistant｜>";
      out += content;
      out += "<｜end▁of▁sentence｜>";
    }
  }
  if (gen) out += t.think_prompt ? "<｜Assistant｜><think>\n" : "<｜Assistant｜>";
}

void RenderDeepSeek(Messages msgs, bool gen, std::string_view eos, std::string& out) {
  for (const ChatMessage& m : msgs) {
    if (m.role == "system") out += m.content + "\n\n";
    if (m.role == "user") out += "User: " + m.content + "\n\n";
    if (m.role == "assistant") out += "Assistant: " + m.content + std::string(eos);
  }
  if (gen) out += "Assistant:";
}

}  // namespace

ChatTemplate ChatTemplate::Detect(std::string_view t) {
  ChatTemplate c;
  if (Has(t, "<|im_start|>")) {
    c.kind = ChatTemplateKind::kChatML;
    c.default_system = DefaultChatMLSystem(t);
  } else if (Has(t, "<|start_header_id|>") && Has(t, "<|end_header_id|>")) {
    c.kind = ChatTemplateKind::kLlama3;
    c.date_string = LlamaDate(t);
  } else if (Has(t, "[INST]")) {
    c.kind = Has(t, "<<SYS>>") ? ChatTemplateKind::kLlama2 : ChatTemplateKind::kMistral;
    if (c.kind == ChatTemplateKind::kMistral) c.mistral = DetectMistral(t);
  } else if (Has(t, "<start_of_turn>")) {
    c.kind = ChatTemplateKind::kGemma;
  } else if (Has(t, "<|assistant|>") && Has(t, "<|end|>")) {
    c.kind = ChatTemplateKind::kPhi3;
  } else if (Has(t, "<｜User｜>") && Has(t, "<｜Assistant｜>")) {
    c.kind = ChatTemplateKind::kDeepSeekR1;
    c.think_prompt = Has(t, "<｜Assistant｜><think>");
  } else if (HasAny(t, {"'User: '", "\"User: \""}) && Has(t, "Assistant:")) {
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
      return {"<|eot_id|>", "<|eom_id|>"};
    case ChatTemplateKind::kLlama2:
    case ChatTemplateKind::kMistral:
      return {"</s>", "[INST]"};
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
      RenderChatML(*this, messages, gen, out);
      break;
    case ChatTemplateKind::kLlama3:
      RenderLlama3(*this, messages, gen, out);
      break;
    case ChatTemplateKind::kLlama2:
      RenderLlama2(messages, bos, eos, out);
      break;
    case ChatTemplateKind::kMistral:
      RenderMistral(mistral, messages, eos, out);
      break;
    case ChatTemplateKind::kGemma:
      RenderGemma(messages, gen, out);
      break;
    case ChatTemplateKind::kPhi3:
      RenderPhi3(messages, gen, eos, out);
      break;
    case ChatTemplateKind::kDeepSeekR1:
      RenderDeepSeekR1(*this, messages, gen, out);
      break;
    case ChatTemplateKind::kDeepSeek:
      RenderDeepSeek(messages, gen, eos, out);
      break;
  }
  return out;
}

Status NormalizeChatRole(std::string* role) {
  if (*role == "developer") *role = "system";
  if (*role == "system" || *role == "user" || *role == "assistant") return Status::Ok();
  return Status::InvalidArgument("unsupported role '" + *role + "' (system, user, assistant)");
}

}  // namespace inferno
