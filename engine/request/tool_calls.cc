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

// What closes a named call after its arguments, in the format's syntax, up to where the call is
// whole (the wrapper's closing tag, if any, may follow: parsers take a call once its JSON is
// complete). Null where the arguments are not one JSON object (Qwen XML parameters).
std::optional<std::string> NamedCallClose(ToolFormat format, std::string_view t) {
  switch (format) {
    case ToolFormat::kHermes:
    case ToolFormat::kLlama3:
      return "}";
    case ToolFormat::kMistral:
      return Has(t, "[ARGS]") ? "" : "}]";
    case ToolFormat::kHarmony:
      return "";
    case ToolFormat::kDeepSeek:
      return Has(t, "```json") ? "\n```" : "";
    case ToolFormat::kGeneric:
      return "}}";
    case ToolFormat::kQwenXml:
      return std::nullopt;
  }
  return std::nullopt;
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

// For "required" in the formats whose calls are JSON objects {"name": ..., <args>: {...}}: the
// prompt's opening stops before the object, and the grammar lets the model write one of the
// tools' calls, each with its own name and parameter schema. Null for the other formats.
struct JsonCallShape {
  std::string opening;   // what the prompt ends with
  std::string args_key;  // "arguments", or Llama 3's "parameters"
  bool array = false;    // Mistral: [TOOL_CALLS][{...}, ...]
  bool wrapped = false;  // the generic format: {"tool_call": {...}}
};

std::optional<JsonCallShape> RequiredCallShape(ToolFormat format, std::string_view t) {
  switch (format) {
    case ToolFormat::kHermes:
      return JsonCallShape{"<tool_call>\n", "arguments"};
    case ToolFormat::kLlama3:
      return JsonCallShape{"", "parameters"};
    case ToolFormat::kMistral:
      if (Has(t, "[ARGS]")) return std::nullopt;
      return JsonCallShape{"[TOOL_CALLS]", "arguments", /*array=*/true};
    case ToolFormat::kGeneric:
      return JsonCallShape{"", "arguments", false, /*wrapped=*/true};
    default:
      return std::nullopt;
  }
}

// `any_arguments`: every tool's arguments as any object (when a schema is beyond the grammar).
boost::json::value RequiredCallSchema(const JsonCallShape& shape, const GenerateRequest& req,
                                      bool any_arguments) {
  namespace json = boost::json;
  json::array calls;
  for (const json::value& t : req.tools) {
    const json::string& name = t.at("function").at("name").as_string();
    json::object properties{{"name", json::object{{"const", name}}}};
    properties[shape.args_key] =
        any_arguments ? json::object{{"type", "object"}} : ParametersSchema(req.tools, name);
    calls.push_back(json::object{{"type", "object"},
                                 {"properties", std::move(properties)},
                                 {"required", json::array{"name", json::string(shape.args_key)}}});
  }
  json::value call = json::object{{"anyOf", std::move(calls)}};
  if (shape.array) {
    json::object list{{"type", "array"}, {"items", std::move(call)}, {"minItems", 1}};
    if (!req.parallel_tool_calls) list["maxItems"] = 1;
    return list;
  }
  if (shape.wrapped) {
    return json::object{{"type", "object"},
                        {"properties", json::object{{"tool_call", std::move(call)}}},
                        {"required", json::array{"tool_call"}}};
  }
  return call;
}

// The grammar of `schema`, or of `fallback` when the grammar cannot express it: a request OpenAI
// would accept is not failed over a schema keyword, its arguments are then any JSON object.
std::shared_ptr<const grammar::Grammar> GrammarOr(const boost::json::value& schema,
                                                  const boost::json::value& fallback,
                                                  const grammar::SchemaGrammarOptions& around) {
  Result<grammar::Grammar> g = grammar::JsonSchemaGrammar(schema, around);
  if (!g.ok()) g = grammar::JsonSchemaGrammar(fallback, around);
  if (!g.ok()) return nullptr;
  return std::make_shared<const grammar::Grammar>(std::move(*g));
}

// A forced call (tool_choice "required" or a named function): the prompt ends with the call's
// opening in the model's syntax, so the model can only go on with a call, and the call is
// decoded under a grammar (engine/grammar) of the tools' parameter schemas, so it parses and
// validates whatever the model. Where the format's arguments are not JSON (Qwen XML) or a
// required call is not a JSON object (harmony, DeepSeek, Mistral's [ARGS]), only the opening
// forces it.
void ForceCall(ToolFormat format, std::string_view chat_template, GenerateRequest& req,
               ToolParserOptions* options) {
  const bool named = req.tool_choice.mode == ToolChoiceMode::kNamed;
  // Not `named ? name : ""`: that makes a temporary std::string for the view to dangle on.
  std::string_view name;
  if (named) name = req.tool_choice.name;
  req.prompt_suffix = ForcedCallPrefix(format, chat_template, name);
  const boost::json::object any_object{{"type", "object"}};
  if (named) {
    if (const std::optional<std::string> close = NamedCallClose(format, chat_template)) {
      grammar::SchemaGrammarOptions around;
      around.suffix = *close;
      req.grammar = GrammarOr(ParametersSchema(req.tools, name), any_object, around);
    }
  } else if (const std::optional<JsonCallShape> shape = RequiredCallShape(format, chat_template)) {
    req.prompt_suffix = shape->opening;
    req.grammar = GrammarOr(RequiredCallSchema(*shape, req, false),
                            RequiredCallSchema(*shape, req, true), {});
  }
  options->prefix = req.prompt_suffix;
}

std::string Named(std::string_view name) { return JsonQuote(name); }

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
  const bool any = name.empty();
  switch (format) {
    case ToolFormat::kHermes:
      return any ? "<tool_call>\n{\"name\": \""
                 : "<tool_call>\n{\"name\": " + Named(name) + ", \"arguments\": ";
    case ToolFormat::kQwenXml:
      return "<tool_call>\n<function=" + (any ? "" : std::string(name) + ">\n");
    case ToolFormat::kLlama3:
      return any ? "{\"name\": \"" : "{\"name\": " + Named(name) + ", \"parameters\": ";
    case ToolFormat::kMistral:
      if (Has(t, "[ARGS]")) return "[TOOL_CALLS]" + std::string(name) + (any ? "" : "[ARGS]");
      return any ? "[TOOL_CALLS][{\"name\": \""
                 : "[TOOL_CALLS][{\"name\": " + Named(name) + ", \"arguments\": ";
    case ToolFormat::kHarmony:
      return "<|channel|>commentary to=functions." +
             (any ? "" : std::string(name) + " <|constrain|>json<|message|>");
    case ToolFormat::kDeepSeek:
      if (Has(t, "```json")) {
        return "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>" +
               (any ? "" : std::string(name) + "\n```json\n");
      }
      return "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>" +
             (any ? "" : std::string(name) + "<｜tool▁sep｜>");
    case ToolFormat::kGeneric:
      return any ? "{\"tool_call\": {\"name\": \""
                 : "{\"tool_call\": {\"name\": " + Named(name) + ", \"arguments\": ";
  }
  return "";
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
    ForceCall(format, tmpl, req, &options);
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
