#include "engine/request/tool_calls.h"

#include <algorithm>
#include <boost/json.hpp>
#include <random>

#include "engine/grammar/json_schema.h"
#include "engine/request/tool_json.h"

namespace inferno::request {
namespace {

bool Has(std::string_view text, std::string_view marker) {
  return text.find(marker) != std::string_view::npos;
}

// The generic format's instructions, in the system message (or the first user message, for
// templates that refuse a system message), as llama.cpp's generic format words them.
std::string ToolInstructions(const boost::json::array& tools) {
  return "You can call these tools, described as JSON schemas:\n" + boost::json::serialize(tools) +
         "\n\nTo call tools, reply with only a JSON object: {\"tool_calls\": [{\"name\": "
         "\"<tool name>\", \"arguments\": {<arguments>}}]}. Otherwise answer as usual.";
}

void DescribeTools(GenerateRequest& req) {
  const std::string text = ToolInstructions(req.tools);
  for (ChatMessage& m : req.messages) {
    if (m.role == "system" || m.role == "user") {
      m.content = m.role == "system" ? m.content + "\n\n" + text : text + "\n\n" + m.content;
      return;
    }
  }
}

// A forced call in a family's syntax: the prompt ends with `opening`; then come the name, in
// `head`'s form, the arguments under the function's parameter schema (a JSON object, or Qwen's
// XML parameters), and `close`, up to where the family's parser has the call whole (a wrapper's
// closing tag may follow). Checked against the real templates' renderings of a call in
// ../shared/fixtures/templates/expected/*/tool-roundtrip.txt: Qwen2.5 (Hermes), Qwen3.5 and
// Qwen3-Coder (XML), Devstral-Small-2507 ([TOOL_CALLS]NAME[ARGS]), DeepSeek V3.1 (NAME
// <｜tool▁sep｜>{...}) and R1-Distill (function<｜tool▁sep｜>NAME\n```json ... ```),
// gpt-oss-120b (to=functions.NAME ... <|message|>{...}<|call|>; the model writes the recipient
// after the channel, as OpenAI's harmony guide shows, which the parser reads either way).
struct CallSyntax {
  std::string opening;
  bool quoted_name = false;  // the name as a JSON string
  std::string after_name;
  std::string close;
  grammar::ValueForm form = grammar::ValueForm::kJson;

  std::string Head(std::string_view name) const {
    return (quoted_name ? JsonQuote(name) : std::string(name)) + after_name;
  }
};

CallSyntax JsonObjectCall(std::string opening, std::string_view args_key, std::string close) {
  return {std::move(opening), true, ", \"" + std::string(args_key) + "\": ", std::move(close)};
}

CallSyntax SyntaxOf(ToolFormat format, std::string_view t) {
  switch (format) {
    case ToolFormat::kHermes:
      return JsonObjectCall("<tool_call>\n{\"name\": ", "arguments", "}");
    case ToolFormat::kQwenXml:
      return {"<tool_call>\n<function=", false, ">\n", "</function>\n</tool_call>",
              grammar::ValueForm::kXmlParameters};
    case ToolFormat::kLlama3:
      return JsonObjectCall("{\"name\": ", "parameters", "}");
    case ToolFormat::kMistral:
      if (Has(t, "[ARGS]")) return {"[TOOL_CALLS]", false, "[ARGS]", ""};
      return JsonObjectCall("[TOOL_CALLS][{\"name\": ", "arguments", "}]");
    case ToolFormat::kHarmony:
      return {"<|channel|>commentary to=functions.", false, " <|constrain|>json<|message|>", ""};
    case ToolFormat::kDeepSeek:
      if (Has(t, "```json")) {
        return {"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>", false,
                "\n```json\n", "\n```"};
      }
      return {"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>", false, "<｜tool▁sep｜>", ""};
    case ToolFormat::kGeneric:
      return JsonObjectCall("{\"tool_call\": {\"name\": ", "arguments", "}}");
  }
  return JsonObjectCall("", "arguments", "}");
}

// A syntax's text as the grammar spells it: the markers that are control tokens of this
// vocabulary (gpt-oss' <|message|>, Mistral's [ARGS]) become grammar::kControlByte and their
// text, so the grammar lets the model write the token itself and not its letters.
std::string SpellForGrammar(const Tokenizer& tok, std::string text) {
  for (std::string_view marker :
       {"<|constrain|>", "<|message|>", "[ARGS]", "<｜tool▁sep｜>", "</tool_call>"}) {
    const std::optional<int32_t> id = tok.FindToken(marker);
    if (!id || tok.type(*id) != TokenType::kControl) continue;
    const std::string spelled = char(grammar::kControlByte) + std::string(marker);
    for (size_t at = text.find(marker); at != std::string::npos;
         at = text.find(marker, at + spelled.size())) {
      text.replace(at, marker.size(), spelled);
    }
  }
  return text;
}

// The named tool's `parameters` schema; an object of any keys when it has none.
boost::json::value ParametersSchema(const boost::json::array& tools, std::string_view name) {
  for (const boost::json::value& t : tools) {
    const boost::json::value* f = t.is_object() ? t.as_object().if_contains("function") : nullptr;
    if (f == nullptr || !f->is_object()) continue;
    const boost::json::value* n = f->as_object().if_contains("name");
    if (n == nullptr || !n->is_string() || n->as_string() != name) continue;
    const boost::json::value* p = f->as_object().if_contains("parameters");
    if (p != nullptr && p->is_object() && !p->as_object().empty()) return *p;
  }
  return boost::json::object{{"type", "object"}};
}

// The grammar of the calls `names` allow (one: a named choice, whose name the prompt already
// holds; all the tools: "required"), each with its parameter schema. A schema beyond the grammar
// makes the arguments any object rather than failing a request OpenAI would accept.
std::shared_ptr<const grammar::Grammar> CallGrammar(const Tokenizer& tok, const CallSyntax& syntax,
                                                    const GenerateRequest& req,
                                                    const std::vector<std::string>& names,
                                                    bool named) {
  std::vector<grammar::FramedSchema> calls;
  for (const std::string& name : names) {
    calls.push_back({SpellForGrammar(tok, named ? "" : syntax.Head(name)),
                     ParametersSchema(req.tools, name), SpellForGrammar(tok, syntax.close),
                     syntax.form});
  }
  Result<grammar::Grammar> g = grammar::FramedSchemaGrammar(calls);
  if (!g.ok()) {
    for (grammar::FramedSchema& c : calls) c.schema = boost::json::object{{"type", "object"}};
    g = grammar::FramedSchemaGrammar(calls);
  }
  if (!g.ok()) return nullptr;
  return std::make_shared<const grammar::Grammar>(std::move(*g));
}

// A forced call (tool_choice "required" or a named function): the prompt ends with the call's
// opening in the model's syntax (and the name, when named), so the model can only go on with a
// call, and the call is decoded under the grammar of the tools' parameter schemas, so it parses
// and validates whatever the model.
void ForceCall(const Tokenizer& tok, ToolFormat format, std::string_view chat_template,
               GenerateRequest& req, ToolParserOptions* options) {
  const bool named = req.tool_choice.mode == ToolChoiceMode::kNamed;
  const CallSyntax syntax = SyntaxOf(format, chat_template);
  std::vector<std::string> names;
  if (named) {
    names.push_back(req.tool_choice.name);
  } else {
    for (const boost::json::value& t : req.tools) {
      names.emplace_back(t.at("function").at("name").as_string());
    }
  }
  req.prompt_suffix = syntax.opening + (named ? syntax.Head(names[0]) : "");
  req.grammar = CallGrammar(tok, syntax, req, names, named);
  options->prefix = req.prompt_suffix;
}

}  // namespace

bool TemplateWritesTools(std::string_view chat_template) { return Has(chat_template, "tools"); }

ToolFormat DetectToolFormat(const Tokenizer& tok, std::string_view t) {
  if ((tok.FindToken("<|channel|>") && tok.FindToken("<|message|>")) || Has(t, "<|channel|>")) {
    return ToolFormat::kHarmony;
  }
  if (Has(t, "<｜tool▁call▁begin｜>")) return ToolFormat::kDeepSeek;
  if (Has(t, "[TOOL_CALLS]")) return ToolFormat::kMistral;
  if (Has(t, "<tool_call>")) {
    return Has(t, "<function=") ? ToolFormat::kQwenXml : ToolFormat::kHermes;
  }
  if (Has(t, "<|python_tag|>") || (Has(t, "<|start_header_id|>") && TemplateWritesTools(t))) {
    return ToolFormat::kLlama3;
  }
  return ToolFormat::kGeneric;
}

const char* ToolFormatName(ToolFormat f) {
  switch (f) {
    case ToolFormat::kHermes:
      return "hermes";
    case ToolFormat::kQwenXml:
      return "qwen-xml";
    case ToolFormat::kLlama3:
      return "llama3";
    case ToolFormat::kMistral:
      return "mistral";
    case ToolFormat::kHarmony:
      return "harmony";
    case ToolFormat::kDeepSeek:
      return "deepseek";
    case ToolFormat::kGeneric:
      return "generic";
  }
  return "generic";
}

ToolParse ParseToolCalls(ToolFormat format, const ToolParseInput& in) {
  switch (format) {
    case ToolFormat::kHermes:
      return ParseHermes(in);
    case ToolFormat::kQwenXml:
      return ParseQwenXml(in);
    case ToolFormat::kLlama3:
      return ParseLlama3(in);
    case ToolFormat::kMistral:
      return ParseMistral(in);
    case ToolFormat::kHarmony:
      return ParseHarmonyCalls(in);
    case ToolFormat::kDeepSeek:
      return ParseDeepSeek(in);
    case ToolFormat::kGeneric:
      return ParseGenericJson(in);
  }
  return ParseGenericJson(in);
}

PrefixToolCallParser::PrefixToolCallParser(ToolParserOptions options)
    : options_(std::move(options)) {
  // The forced call's opening is the output's start. Harmony reads calls in the raw text and
  // passes the answer through, so there it is no answer text.
  raw_ = options_.prefix;
  if (options_.format != ToolFormat::kHarmony) content_ = options_.prefix;
}

void PrefixToolCallParser::Push(std::string_view raw, std::string_view content,
                                ToolCallOutput* out) {
  raw_ += raw;
  content_ += content;
  Emit(/*final=*/false, out);
}

void PrefixToolCallParser::Finish(ToolCallOutput* out) { Emit(/*final=*/true, out); }

void PrefixToolCallParser::Emit(bool final, ToolCallOutput* out) {
  const ToolParse p = ParseToolCalls(options_.format, {raw_, content_, final, &options_.tools});
  // Each part only grows as the text does; what was sent stays sent.
  if (p.content.size() > sent_content_) {
    out->content.append(p.content, sent_content_);
    sent_content_ = p.content.size();
  }
  const size_t n = options_.parallel ? p.calls.size() : std::min<size_t>(p.calls.size(), 1);
  for (size_t i = 0; i < n && p.calls[i].name_done; ++i) {
    const ParsedCall& c = p.calls[i];
    ToolCallDelta d;
    d.index = int(i);
    if (i == calls_.size()) {
      calls_.push_back({NewToolCallId(options_.mistral_ids), 0});
      d.id = calls_.back().id;
      d.name = c.name;
    }
    Sent& sent = calls_[i];
    if (c.arguments.size() > sent.arguments) {
      d.arguments = c.arguments.substr(sent.arguments);
      sent.arguments = c.arguments.size();
    }
    if (!d.id.empty() || !d.arguments.empty()) out->calls.push_back(std::move(d));
  }
}

void AddToolCallDeltas(const std::vector<ToolCallDelta>& deltas, std::vector<ChatToolCall>* calls) {
  for (const ToolCallDelta& d : deltas) {
    if (d.index >= int(calls->size())) calls->resize(size_t(d.index) + 1);
    ChatToolCall& c = (*calls)[size_t(d.index)];
    if (!d.id.empty()) c.id = d.id;
    if (!d.name.empty()) c.name = d.name;
    c.arguments += d.arguments;
  }
}

std::string NewToolCallId(bool mistral) {
  static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  // Ids need to be unique, not secret; each thread seeds its own generator once.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(0, sizeof(kAlnum) - 2);
  std::string id = mistral ? "" : "call_";
  for (int i = 0; i < (mistral ? 9 : 24); ++i) id += kAlnum[pick(rng)];
  return id;
}

std::string ForcedCallPrefix(ToolFormat format, std::string_view t, std::string_view name) {
  const CallSyntax syntax = SyntaxOf(format, t);
  return syntax.opening + (name.empty() ? "" : syntax.Head(name));
}

std::optional<RequestError> SetUpTools(const Model& model, GenerateRequest& req) {
  if (req.tools.empty() || req.tool_choice.mode == ToolChoiceMode::kNone) return std::nullopt;
  const std::string_view tmpl = model.chat_template();
  if (req.messages.empty()) {
    return RequestError{ErrorCode::kInvalidField, "tools", "'tools' needs a chat (messages)"};
  }
  const ToolFormat format = DetectToolFormat(model.tokenizer(), tmpl);
  if (!TemplateWritesTools(tmpl)) DescribeTools(req);
  ToolParserOptions options;
  options.format = format;
  options.parallel = req.parallel_tool_calls;
  options.mistral_ids = format == ToolFormat::kMistral;
  options.tools = req.tools;
  if (req.tool_choice.mode == ToolChoiceMode::kRequired ||
      req.tool_choice.mode == ToolChoiceMode::kNamed) {
    ForceCall(model.tokenizer(), format, tmpl, req, &options);
  }
  // gpt-oss ends a call with <|call|>, which is not an end-of-generation token of its vocabulary.
  if (format == ToolFormat::kHarmony &&
      std::find(req.stop.begin(), req.stop.end(), "<|call|>") == req.stop.end()) {
    req.stop.push_back("<|call|>");
  }
  req.tool_calls = [options] { return std::make_unique<PrefixToolCallParser>(options); };
  return std::nullopt;
}

}  // namespace inferno::request
