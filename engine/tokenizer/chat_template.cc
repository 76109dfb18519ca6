#include "engine/tokenizer/chat_template.h"

#include <boost/json.hpp>
#include <initializer_list>

namespace inferno {
namespace {

// Plain ChatML, for models that carry no template (or one that does not parse).
constexpr std::string_view kChatMLSource =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

bool Has(std::string_view text, std::string_view marker) {
  return text.find(marker) != std::string_view::npos;
}

bool HasAny(std::string_view text, std::initializer_list<std::string_view> markers) {
  for (std::string_view m : markers) {
    if (Has(text, m)) return true;
  }
  return false;
}

ChatTemplateKind DetectKind(std::string_view t) {
  if (Has(t, "<|im_start|>")) return ChatTemplateKind::kChatML;
  if (Has(t, "<|start_header_id|>") && Has(t, "<|end_header_id|>"))
    return ChatTemplateKind::kLlama3;
  if (Has(t, "[INST]"))
    return Has(t, "<<SYS>>") ? ChatTemplateKind::kLlama2 : ChatTemplateKind::kMistral;
  if (Has(t, "<start_of_turn>")) return ChatTemplateKind::kGemma;
  if (Has(t, "<|assistant|>") && Has(t, "<|end|>")) return ChatTemplateKind::kPhi3;
  if (Has(t, "<｜User｜>") && Has(t, "<｜Assistant｜>")) return ChatTemplateKind::kDeepSeekR1;
  if (HasAny(t, {"'User: '", "\"User: \""}) && Has(t, "Assistant:"))
    return ChatTemplateKind::kDeepSeek;
  return ChatTemplateKind::kOther;
}

// A call's arguments as the template sees them: the object the JSON text spells, or the text.
boost::json::value ArgumentsValue(const std::string& text) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return boost::json::string(text);
  return v;
}

// A message as transformers passes it (keys in the order OpenAI's clients send them).
boost::json::object MessageJson(const ChatMessage& m) {
  boost::json::object o{{"role", m.role}};
  if (m.role == "tool") {
    o["tool_call_id"] = m.tool_call_id;
    if (!m.name.empty()) o["name"] = m.name;
  }
  o["content"] = m.content;
  if (!m.tool_calls.empty()) {
    boost::json::array calls;
    for (const ChatToolCall& c : m.tool_calls) {
      calls.push_back(boost::json::object{
          {"id", c.id},
          {"type", "function"},
          {"function",
           boost::json::object{{"name", c.name}, {"arguments", ArgumentsValue(c.arguments)}}}});
    }
    o["tool_calls"] = std::move(calls);
  }
  return o;
}

std::shared_ptr<const Template> ChatMLProgram() {
  static const std::shared_ptr<const Template> program =
      std::make_shared<const Template>(std::move(Template::Parse(kChatMLSource)).value());
  return program;
}

}  // namespace

ChatTemplate ChatTemplate::Detect(std::string_view t) {
  ChatTemplate c;
  if (t.empty()) {
    c.program = ChatMLProgram();
    c.warning = "the model has no chat template; using ChatML";
    return c;
  }
  Result<Template> parsed = Template::Parse(t);
  if (!parsed.ok()) {
    c.program = ChatMLProgram();
    c.warning = "the model's chat template does not parse (" + parsed.status().message() +
                "); using ChatML";
    return c;
  }
  c.kind = DetectKind(t);
  c.program = std::make_shared<const Template>(std::move(parsed).value());
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
    case ChatTemplateKind::kOther:
      return "jinja";
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
    case ChatTemplateKind::kOther:
      return {};
  }
  return {};
}

Result<std::string> ChatTemplate::Apply(std::span<const ChatMessage> messages, bool gen,
                                        std::string_view bos, std::string_view eos,
                                        const boost::json::object* extra,
                                        const boost::json::array* tools,
                                        const RenderOptions& options) const {
  boost::json::array msgs;
  for (const ChatMessage& m : messages) msgs.push_back(MessageJson(m));
  boost::json::object context{
      {"messages", std::move(msgs)},
      {"add_generation_prompt", gen},
      {"bos_token", bos},
      {"eos_token", eos},
      {"tools", tools != nullptr && !tools->empty() ? boost::json::value(*tools)
                                                    : boost::json::value(nullptr)},
      {"documents", nullptr}};
  if (extra != nullptr) {
    for (const auto& [key, value] : *extra) {
      if (context.contains(key)) {
        return Status::InvalidArgument("chat_template_kwargs: '" + std::string(key) +
                                       "' is set from the request itself");
      }
      context[key] = value;
    }
  }
  const std::shared_ptr<const Template> program = this->program ? this->program : ChatMLProgram();
  Result<std::string> out = program->Render(context, options);
  if (!out.ok()) return Status::InvalidArgument("chat template: " + out.status().message());
  std::string text = std::move(out).value();
  if (!bos.empty() && text.starts_with(bos)) text.erase(0, bos.size());
  return text;
}

Status NormalizeChatRole(std::string* role, bool tool) {
  if (*role == "developer") *role = "system";
  if (*role == "system" || *role == "user" || *role == "assistant") return Status::Ok();
  if (tool && *role == "tool") return Status::Ok();
  return Status::InvalidArgument("unsupported role '" + *role + "' (system, user, assistant" +
                                 (tool ? ", tool)" : ")"));
}

}  // namespace inferno
