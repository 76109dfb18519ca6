#include "engine/request/structured_output.h"

#include <string>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/json_schema.h"

namespace inferno::request {
namespace {

namespace json = boost::json;

RequestError Invalid(std::string field, std::string message) {
  return RequestError{ErrorCode::kInvalidField, std::move(field), std::move(message)};
}

std::optional<RequestError> SetGrammar(Result<grammar::Grammar> g, const std::string& field,
                                       GenerateRequest* req) {
  if (!g.ok()) return Invalid(field, "'" + field + "': " + g.status().message());
  req->grammar = std::make_shared<const grammar::Grammar>(std::move(g).value());
  return std::nullopt;
}

std::optional<RequestError> FromSchema(const json::value& schema, const std::string& field,
                                       GenerateRequest* req) {
  if (!schema.is_object() && !schema.is_bool()) {
    return Invalid(field, "'" + field + "' must be a JSON Schema (an object)");
  }
  return SetGrammar(grammar::JsonSchemaGrammar(schema), field, req);
}

// OpenAI's json_schema object: {name, schema, strict, description}.
std::optional<RequestError> ReadJsonSchemaFormat(const json::object& rf, GenerateRequest* req) {
  const std::string where = "response_format.json_schema";
  const json::value* js = rf.if_contains("json_schema");
  if (js == nullptr || !js->is_object()) {
    return Invalid(where, "'" + where + "' must be an object with a 'schema'");
  }
  const json::object& o = js->as_object();
  if (const json::value* name = o.if_contains("name"); name && !name->is_string()) {
    return Invalid(where + ".name", "'" + where + ".name' must be a string");
  }
  if (const json::value* strict = o.if_contains("strict");
      strict && !strict->is_bool() && !strict->is_null()) {
    return Invalid(where + ".strict", "'" + where + ".strict' must be true or false");
  }
  const json::value* schema = o.if_contains("schema");
  if (schema == nullptr) return Invalid(where + ".schema", "'" + where + ".schema' is required");
  return FromSchema(*schema, where + ".schema", req);
}

std::optional<RequestError> ReadResponseFormat(const json::value& v, GenerateRequest* req) {
  if (!v.is_object()) return Invalid("response_format", "'response_format' must be an object");
  const json::object& rf = v.as_object();
  const json::value* type = rf.if_contains("type");
  const std::string t = type && type->is_string() ? std::string(type->as_string()) : "";
  if (t == "text") return std::nullopt;
  if (t == "json_object") {
    // llama.cpp also takes a schema here.
    if (const json::value* schema = rf.if_contains("schema")) {
      return FromSchema(*schema, "response_format.schema", req);
    }
    req->grammar = std::make_shared<const grammar::Grammar>(grammar::JsonObjectGrammar());
    return std::nullopt;
  }
  if (t == "json_schema") return ReadJsonSchemaFormat(rf, req);
  return Invalid("response_format.type",
                 "'response_format.type' must be one of text, json_object, json_schema");
}

const json::value* Present(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

}  // namespace

std::optional<RequestError> ReadStructuredOutput(const json::object& o, GenerateRequest* req) {
  const json::value* rf = Present(o, "response_format");
  const json::value* schema = Present(o, "json_schema");
  const json::value* gbnf = Present(o, "grammar");
  if (int(rf != nullptr) + int(schema != nullptr) + int(gbnf != nullptr) > 1) {
    const bool rf_text = rf && rf->is_object() && rf->as_object().contains("type") &&
                         rf->as_object().at("type") == "text";
    if (!rf_text || (schema && gbnf)) {
      return Invalid("response_format",
                     "give only one of 'response_format', 'json_schema' and 'grammar'");
    }
  }
  if (rf) {
    if (auto err = ReadResponseFormat(*rf, req)) return err;
  }
  if (schema) return FromSchema(*schema, "json_schema", req);
  if (gbnf) {
    if (!gbnf->is_string()) return Invalid("grammar", "'grammar' must be a string (GBNF)");
    if (gbnf->as_string().empty()) return std::nullopt;  // llama.cpp: empty means none
    return SetGrammar(grammar::ParseGbnf(gbnf->as_string()), "grammar", req);
  }
  return std::nullopt;
}

std::optional<RequestError> ReadOllamaFormat(const json::object& o, GenerateRequest* req) {
  const json::value* f = Present(o, "format");
  if (f == nullptr) return std::nullopt;
  if (f->is_string()) {
    if (f->as_string().empty()) return std::nullopt;
    if (f->as_string() != "json") {
      return Invalid("format", "'format' must be \"json\" or a JSON Schema");
    }
    req->grammar = std::make_shared<const grammar::Grammar>(grammar::JsonObjectGrammar());
    return std::nullopt;
  }
  return FromSchema(*f, "format", req);
}

}  // namespace inferno::request
