#include "engine/grammar/json_schema.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/grammar/int_range.h"
#include "engine/grammar/schema_regex.h"
#include "engine/util/utf8.h"

namespace inferno::grammar {
namespace {

namespace json = boost::json;

constexpr int kMaxDepth = 64;
constexpr int kMaxIndent = 16;

// Keywords that only describe: ignored.
const std::set<std::string, std::less<>> kAnnotations = {
    "title",   "description",      "default",        "examples", "$schema",
    "$id",     "$comment",         "deprecated",     "readOnly", "writeOnly",
    "$anchor", "contentMediaType", "contentEncoding"};
// Keywords this converter enforces.
const std::set<std::string, std::less<>> kSupported = {"type",
                                                       "properties",
                                                       "required",
                                                       "additionalProperties",
                                                       "items",
                                                       "minItems",
                                                       "maxItems",
                                                       "minLength",
                                                       "maxLength",
                                                       "pattern",
                                                       "format",
                                                       "minimum",
                                                       "maximum",
                                                       "exclusiveMinimum",
                                                       "exclusiveMaximum",
                                                       "enum",
                                                       "const",
                                                       "anyOf",
                                                       "oneOf",
                                                       "allOf",
                                                       "$ref",
                                                       "$defs",
                                                       "definitions"};

std::string Child(const std::string& path, std::string_view key) {
  return path + "/" + std::string(key);
}

// A rule name from free text: the characters GBNF names allow, others as '-'.
std::string RuleName(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '-';
  }
  return out.empty() ? "value" : out;
}

class Converter {
 public:
  Result<Grammar> Framed(const std::vector<FramedSchema>& alternatives) {
    const uint32_t root = b_.Rule("root");
    for (const FramedSchema& f : alternatives) {
      // Each schema is a document of its own: its $refs point into it.
      root_ = &f.schema;
      refs_.clear();
      Sequence body;
      if (f.form == ValueForm::kXmlParameters) {
        INFERNO_RETURN_IF_ERROR(XmlParameters(f.schema, "#", &body));
      } else {
        Element value;
        INFERNO_RETURN_IF_ERROR(Visit(f.schema, "#", 0, &value));
        body = {Ws(), value, Ws()};
      }
      b_.AddAlternative(root, Cat({Lit(f.prefix), body, Lit(f.suffix)}));
    }
    return Finish();
  }

  Result<Grammar> AnyObject() {
    b_.AddAlternative(b_.Rule("root"), {Ws(), AnyObjectRule(), Ws()});
    return Finish();
  }

 private:
  Result<Grammar> Finish() {
    Result<Grammar> g = b_.Finish("root");
    if (!g.ok()) return Status::InvalidArgument("json_schema: " + g.status().message());
    return g;
  }

  Status Fail(const std::string& path, const std::string& what) {
    return Status::InvalidArgument("json_schema: " + what + " at " + path);
  }

  // ---- shared rules -------------------------------------------------------------------------

  Element Shared(const char* name, void (Converter::*define)(uint32_t)) {
    if (!b_.Exists(name)) (this->*define)(b_.Rule(name));
    return Builder::Ref(b_.Rule(name));
  }
  Element Class(std::vector<std::pair<uint32_t, uint32_t>> r, bool negated = false) {
    return b_.Chars(CharSet(std::move(r), negated));
  }
  Sequence Lit(std::string_view text) {
    Sequence s;
    b_.AppendLiteral(text, &s);
    return s;
  }
  static Sequence Cat(std::initializer_list<Sequence> parts) {
    Sequence out;
    for (const Sequence& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  }
  Sequence Repeat(Element e, int min, int max, const char* base) {
    Sequence s;
    (void)b_.AppendRepeat(e, min, max, base, &s);  // bounds are the converter's own
    return s;
  }
  Element Alt(const char* base, std::initializer_list<Sequence> alts) {
    const uint32_t r = b_.FreshRule(base);
    for (const Sequence& s : alts) b_.AddAlternative(r, s);
    return Builder::Ref(r);
  }

  Element Ws() { return Shared("ws", &Converter::DefineWs); }
  void DefineWs(uint32_t r) {
    b_.AddAlternative(r, {});
    b_.AddAlternative(r, Lit(" "));
    b_.AddAlternative(
        r, Cat({Lit("\n"), Repeat(Class({{' ', ' '}, {'\t', '\t'}}), 0, kMaxIndent, "ws-indent")}));
  }
  Element Digit() { return Class({{'0', '9'}}); }
  Element Hex() { return Class({{'0', '9'}, {'A', 'F'}, {'a', 'f'}}); }

  // What may follow a backslash in a JSON string, \u aside.
  Element EscapeLetter() {
    return Class({{'"', '"'},
                  {'\\', '\\'},
                  {'/', '/'},
                  {'b', 'b'},
                  {'f', 'f'},
                  {'n', 'n'},
                  {'r', 'r'},
                  {'t', 't'}});
  }
  Element JsonChar() { return Shared("char", &Converter::DefineChar); }
  void DefineChar(uint32_t r) {
    b_.AddAlternative(r, {Class({{'"', '"'}, {'\\', '\\'}, {0, 0x1F}}, true)});
    b_.AddAlternative(r, Cat({Lit("\\"), {EscapeLetter()}}));
    // \uXXXX without lone surrogates, which strict JSON parsers refuse.
    const Element not_d = Class({{'0', '9'}, {'A', 'C'}, {'E', 'F'}, {'a', 'c'}, {'e', 'f'}});
    b_.AddAlternative(r, Cat({Lit("\\u"), {not_d}, Repeat(Hex(), 3, 3, "hex")}));
    b_.AddAlternative(r, Cat({Lit("\\u"),
                              {Class({{'D', 'D'}, {'d', 'd'}}), Class({{'0', '7'}})},
                              Repeat(Hex(), 2, 2, "hex")}));
  }
  Element String() { return Shared("string", &Converter::DefineString); }
  void DefineString(uint32_t r) {
    b_.AddAlternative(r, Cat({Lit("\""), Repeat(JsonChar(), 0, -1, "string-chars"), Lit("\"")}));
  }
  Element Integer() { return Shared("integer", &Converter::DefineInteger); }
  void DefineInteger(uint32_t r) {
    const Sequence minus = Repeat(b_.Char('-'), 0, 1, "sign");
    b_.AddAlternative(r, Cat({minus, {Ref(Natural())}}));
  }
  uint32_t Natural() {
    if (!b_.Exists("natural")) {
      const uint32_t r = b_.Rule("natural");
      b_.AddAlternative(r, Lit("0"));
      b_.AddAlternative(
          r, Cat({{Class({{'1', '9'}})}, Repeat(Digit(), 0, kMaxIntegerDigits - 1, "digits")}));
    }
    return b_.Rule("natural");
  }
  static Element Ref(uint32_t r) { return Builder::Ref(r); }
  // A number without its sign.
  Sequence UnsignedNumber() {
    const Element frac =
        Alt("fraction", {Cat({Lit("."), Repeat(Digit(), 1, kMaxIntegerDigits, "digits")})});
    const Element exp = Alt("exponent", {Cat({{Class({{'E', 'E'}, {'e', 'e'}})},
                                              Repeat(Class({{'+', '+'}, {'-', '-'}}), 0, 1, "sign"),
                                              Repeat(Digit(), 1, 3, "digits")})});
    return Cat({{Ref(Natural())}, Repeat(frac, 0, 1, "fraction"), Repeat(exp, 0, 1, "exponent")});
  }
  Element Number() { return Shared("number", &Converter::DefineNumber); }
  void DefineNumber(uint32_t r) {
    b_.AddAlternative(r, Cat({Repeat(b_.Char('-'), 0, 1, "sign"), UnsignedNumber()}));
  }
  Element Boolean() { return Alt("boolean", {Lit("true"), Lit("false")}); }
  Element Null() { return Alt("null", {Lit("null")}); }

  Element Any() { return Shared("value", &Converter::DefineAny); }
  void DefineAny(uint32_t r) {
    for (Element e : {AnyObjectRule(), AnyArrayRule(), String(), Number(), Boolean(), Null()}) {
      b_.AddAlternative(r, {e});
    }
  }
  Element AnyObjectRule() { return Shared("object", &Converter::DefineAnyObject); }
  void DefineAnyObject(uint32_t r) {
    const Element member = Alt("member", {Cat({{String(), Ws()}, Lit(":"), {Ws(), Any(), Ws()}})});
    const Element more = Alt("member-more", {Cat({Lit(","), {Ws(), member}})});
    b_.AddAlternative(r, Cat({Lit("{"), {Ws()}, Lit("}")}));
    b_.AddAlternative(r, Cat({Lit("{"), {Ws(), member}, Repeat(more, 0, -1, "members"), Lit("}")}));
  }
  Element AnyArrayRule() { return Shared("array", &Converter::DefineAnyArray); }
  void DefineAnyArray(uint32_t r) {
    const Element item = Alt("item", {{Any(), Ws()}});
    const Element more = Alt("item-more", {Cat({Lit(","), {Ws(), item}})});
    b_.AddAlternative(r, Cat({Lit("["), {Ws()}, Lit("]")}));
    b_.AddAlternative(r, Cat({Lit("["), {Ws(), item}, Repeat(more, 0, -1, "items"), Lit("]")}));
  }

  // ---- schemas ------------------------------------------------------------------------------

  Status Visit(const json::value& schema, const std::string& path, int depth, Element* out);
  Status VisitType(std::string_view type, const json::object& o, const std::string& path, int depth,
                   Element* out);
  Status CheckKeywords(const json::object& o, const std::string& path);
  Status Reference(const json::value& ref, const std::string& path, Element* out);
  Status Literals(const json::array& values, const std::string& path, Element* out);
  // `raw`: the string's plain text (an XML parameter's), else its JSON text.
  Status StringSchema(const json::object& o, const std::string& path, bool raw, Element* out);
  Status RawLiterals(const json::object& o, const std::string& path, Element* out);
  Status Format(std::string_view format, const std::string& path, bool quoted, Element* out);
  Status XmlParameters(const json::value& schema, const std::string& path, Sequence* out);
  Status IntegerSchema(const json::object& o, const std::string& path, Element* out);
  Status NumberSchema(const json::object& o, const std::string& path, Element* out);
  Status ArraySchema(const json::object& o, const std::string& path, int depth, Element* out);
  Status ObjectSchema(const json::object& o, const std::string& path, int depth, Element* out);
  Status ExtraMember(const json::object& o, const std::vector<std::string>& keys,
                     const std::string& path, int depth, std::optional<Element>* out);
  Element KeyExcept(const std::vector<std::string>& keys);
  Status Count(const json::object& o, std::string_view key, const std::string& path,
               std::optional<int>* out);

  const json::value* root_ = nullptr;
  Builder b_;
  std::map<std::string, uint32_t> refs_;
};

Status Converter::CheckKeywords(const json::object& o, const std::string& path) {
  for (const auto& kv : o) {
    if (kSupported.count(kv.key()) || kAnnotations.count(kv.key())) continue;
    return Fail(path, "unsupported JSON Schema keyword '" + std::string(kv.key()) + "'");
  }
  return Status::Ok();
}

Status Converter::Visit(const json::value& schema, const std::string& path, int depth,
                        Element* out) {
  if (depth > kMaxDepth) return Fail(path, "schema nested too deep");
  if (schema.is_bool()) {
    if (!schema.as_bool()) return Fail(path, "the schema 'false' matches no value");
    *out = Any();
    return Status::Ok();
  }
  if (!schema.is_object()) return Fail(path, "a schema must be an object or a boolean");
  const json::object& o = schema.as_object();
  INFERNO_RETURN_IF_ERROR(CheckKeywords(o, path));
  if (const json::value* ref = o.if_contains("$ref")) return Reference(*ref, path, out);
  if (const json::value* c = o.if_contains("const")) return Literals(json::array{*c}, path, out);
  if (const json::value* e = o.if_contains("enum")) {
    if (!e->is_array() || e->as_array().empty()) {
      return Fail(Child(path, "enum"), "'enum' must be a non-empty array");
    }
    return Literals(e->as_array(), Child(path, "enum"), out);
  }
  for (const char* key : {"anyOf", "oneOf", "allOf"}) {
    const json::value* list = o.if_contains(key);
    if (list == nullptr) continue;
    if (!list->is_array() || list->as_array().empty()) {
      return Fail(Child(path, key), std::string("'") + key + "' must be a non-empty array");
    }
    const json::array& a = list->as_array();
    if (std::string_view(key) == "allOf") {
      if (a.size() != 1) return Fail(path, "'allOf' with more than one schema is not supported");
      return Visit(a[0], Child(path, "allOf/0"), depth + 1, out);
    }
    const uint32_t r = b_.FreshRule(key);
    for (size_t i = 0; i < a.size(); ++i) {
      Element e;
      INFERNO_RETURN_IF_ERROR(
          Visit(a[i], Child(path, key) + "/" + std::to_string(i), depth + 1, &e));
      b_.AddAlternative(r, {e});
    }
    *out = Ref(r);
    return Status::Ok();
  }
  const json::value* type = o.if_contains("type");
  if (type == nullptr) {
    // No type: what the other keywords imply, or any value.
    if (o.contains("properties") || o.contains("additionalProperties") || o.contains("required")) {
      return VisitType("object", o, path, depth, out);
    }
    if (o.contains("items") || o.contains("minItems") || o.contains("maxItems")) {
      return VisitType("array", o, path, depth, out);
    }
    if (o.contains("pattern") || o.contains("format") || o.contains("minLength") ||
        o.contains("maxLength")) {
      return VisitType("string", o, path, depth, out);
    }
    if (o.contains("minimum") || o.contains("maximum")) {
      return VisitType("number", o, path, depth, out);
    }
    *out = Any();
    return Status::Ok();
  }
  if (type->is_string()) return VisitType(type->as_string(), o, path, depth, out);
  if (!type->is_array() || type->as_array().empty()) {
    return Fail(Child(path, "type"), "'type' must be a string or a non-empty array of strings");
  }
  const uint32_t r = b_.FreshRule("types");
  for (const json::value& t : type->as_array()) {
    if (!t.is_string()) return Fail(Child(path, "type"), "'type' entries must be strings");
    Element e;
    INFERNO_RETURN_IF_ERROR(VisitType(t.as_string(), o, path, depth, &e));
    b_.AddAlternative(r, {e});
  }
  *out = Ref(r);
  return Status::Ok();
}

Status Converter::VisitType(std::string_view type, const json::object& o, const std::string& path,
                            int depth, Element* out) {
  if (type == "string") return StringSchema(o, path, /*raw=*/false, out);
  if (type == "integer") return IntegerSchema(o, path, out);
  if (type == "number") return NumberSchema(o, path, out);
  if (type == "boolean") {
    *out = Boolean();
    return Status::Ok();
  }
  if (type == "null") {
    *out = Null();
    return Status::Ok();
  }
  if (type == "array") return ArraySchema(o, path, depth, out);
  if (type == "object") return ObjectSchema(o, path, depth, out);
  return Fail(Child(path, "type"), "unknown type '" + std::string(type) + "'");
}

Status Converter::Reference(const json::value& ref, const std::string& path, Element* out) {
  if (!ref.is_string()) return Fail(Child(path, "$ref"), "'$ref' must be a string");
  const std::string target(ref.as_string());
  auto known = refs_.find(target);
  if (known != refs_.end()) {
    *out = Ref(known->second);
    return Status::Ok();
  }
  if (target.empty() || target[0] != '#') {
    return Fail(Child(path, "$ref"),
                "only references inside the schema ('#/...') are supported, "
                "not '" +
                    target + "'");
  }
  json::error_code ec;
  const json::value* v = target.size() == 1 ? root_ : root_->find_pointer(target.substr(1), ec);
  if (v == nullptr || ec) return Fail(Child(path, "$ref"), "'" + target + "' points at nothing");
  // The rule exists before its body is converted, so recursive schemas refer to it.
  const uint32_t r = b_.FreshRule("ref-" + RuleName(target.substr(target.rfind('/') + 1)));
  refs_[target] = r;
  Element e;
  INFERNO_RETURN_IF_ERROR(Visit(*v, target, 0, &e));
  b_.AddAlternative(r, {e});
  *out = Ref(r);
  return Status::Ok();
}

Status Converter::Literals(const json::array& values, const std::string& path, Element* out) {
  const uint32_t r = b_.FreshRule("literal");
  for (const json::value& v : values) b_.AddAlternative(r, Lit(json::serialize(v)));
  *out = Ref(r);
  return Status::Ok();
}

Status Converter::Count(const json::object& o, std::string_view key, const std::string& path,
                        std::optional<int>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Status::Ok();
  const double d = v->is_number() ? v->to_number<double>() : -1;
  if (!v->is_number() || d < 0 || d != std::floor(d)) {
    return Fail(Child(path, key),
                std::string("'").append(key) + "' must be a non-negative integer");
  }
  if (d > Builder::kMaxRepeat) {
    return Fail(Child(path, key), "'" + std::string(key) + "' above " +
                                      std::to_string(Builder::kMaxRepeat) + " is not supported");
  }
  *out = int(d);
  return Status::Ok();
}

Status Converter::StringSchema(const json::object& o, const std::string& path, bool raw,
                               Element* out) {
  if (raw && (o.contains("enum") || o.contains("const"))) return RawLiterals(o, path, out);
  std::optional<int> min, max;
  INFERNO_RETURN_IF_ERROR(Count(o, "minLength", path, &min));
  INFERNO_RETURN_IF_ERROR(Count(o, "maxLength", path, &max));
  const json::value* pattern = o.if_contains("pattern");
  const json::value* format = o.if_contains("format");
  if ((pattern || format) && (min || max)) {
    return Fail(path,
                "'minLength'/'maxLength' together with 'pattern' or 'format' are not "
                "supported");
  }
  if (pattern && format) return Fail(path, "'pattern' together with 'format' is not supported");
  if (format) {
    if (!format->is_string()) return Fail(Child(path, "format"), "'format' must be a string");
    return Format(format->as_string(), Child(path, "format"), !raw, out);
  }
  if (pattern && raw) return Fail(path, "'pattern' in an XML parameter is not supported");
  // Plain text stops short of '<', which could begin the element's closing tag.
  const Element chr = raw ? Class({{'<', '<'}}, true) : JsonChar();
  Sequence body = raw ? Sequence{} : Lit("\"");
  if (pattern) {
    if (!pattern->is_string()) return Fail(Child(path, "pattern"), "'pattern' must be a string");
    if (Status st = AppendPattern(pattern->as_string(), JsonChar(), &b_, &body); !st.ok()) {
      return Fail(Child(path, "pattern"), st.message());
    }
  } else {
    if (min && max && *min > *max) return Fail(path, "'minLength' is above 'maxLength'");
    INFERNO_RETURN_IF_ERROR(
        b_.AppendRepeat(chr, min.value_or(0), max.value_or(-1), "string-chars", &body));
  }
  if (!raw) body.push_back(b_.Char('"'));
  *out = Alt("string", {body});
  return Status::Ok();
}

Status Converter::Format(std::string_view format, const std::string& path, bool quoted,
                         Element* out) {
  auto two = [&](char first_lo, char first_hi, char second_hi) {
    return Sequence{Class({{uint32_t(first_lo), uint32_t(first_hi)}}),
                    Class({{'0', uint32_t(second_hi)}})};
  };
  const Element month = Alt("month", {Cat({Lit("0"), {Class({{'1', '9'}})}}), two('1', '1', '2')});
  const Element day =
      Alt("day", {Cat({Lit("0"), {Class({{'1', '9'}})}}), two('1', '2', '9'), two('3', '3', '1')});
  const Element date =
      Alt("date", {Cat({Repeat(Digit(), 4, 4, "year"), Lit("-"), {month}, Lit("-"), {day}})});
  const Element hour = Alt("hour", {two('0', '1', '9'), two('2', '2', '3')});
  const Sequence minute = two('0', '5', '9');
  const Element offset =
      Alt("offset", {Lit("Z"), Cat({{Class({{'+', '+'}, {'-', '-'}}), hour}, Lit(":"), minute})});
  const Element fraction = Alt("fraction", {Cat({Lit("."), Repeat(Digit(), 1, 6, "digits")})});
  const Element time = Alt("time", {Cat({{hour},
                                         Lit(":"),
                                         minute,
                                         Lit(":"),
                                         minute,
                                         Repeat(fraction, 0, 1, "fraction"),
                                         {offset}})});
  Sequence body;
  if (format == "date") {
    body = {date};
  } else if (format == "time") {
    body = {time};
  } else if (format == "date-time") {
    body = Cat({{date}, Lit("T"), {time}});
  } else if (format == "uuid") {
    body = Cat({Repeat(Hex(), 8, 8, "hex"), Lit("-"), Repeat(Hex(), 4, 4, "hex"), Lit("-"),
                Repeat(Hex(), 4, 4, "hex"), Lit("-"), Repeat(Hex(), 4, 4, "hex"), Lit("-"),
                Repeat(Hex(), 12, 12, "hex")});
  } else {
    return Fail(path, "format '" + std::string(format) +
                          "' is not supported (supported: date, time, date-time, uuid)");
  }
  const Sequence quote = quoted ? Lit("\"") : Sequence{};
  *out = Alt(std::string(format) == "date-time" ? "date-time" : "formatted",
             {Cat({quote, body, quote})});
  return Status::Ok();
}

// An integer bound from minimum/maximum (inclusive) or their exclusive forms.
Status Bound(const json::object& o, bool lower, std::optional<int64_t>* out) {
  const char* inclusive = lower ? "minimum" : "maximum";
  const char* exclusive = lower ? "exclusiveMinimum" : "exclusiveMaximum";
  for (const char* key : {inclusive, exclusive}) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr) continue;
    if (!v->is_number()) {
      return Status::InvalidArgument(std::string("'").append(key) + "' must be a number");
    }
    const double d = std::clamp(v->to_number<double>(), -1e18, 1e18);
    int64_t b = lower ? int64_t(std::ceil(d)) : int64_t(std::floor(d));
    if (key == exclusive && double(b) == d) b += lower ? 1 : -1;
    if (!*out || (lower ? b > **out : b < **out)) *out = b;
  }
  return Status::Ok();
}

Status Converter::IntegerSchema(const json::object& o, const std::string& path, Element* out) {
  std::optional<int64_t> lo, hi;
  if (Status st = Bound(o, true, &lo); !st.ok()) return Fail(path, st.message());
  if (Status st = Bound(o, false, &hi); !st.ok()) return Fail(path, st.message());
  if (!lo && !hi) {
    *out = Integer();
    return Status::Ok();
  }
  Sequence seq;
  if (Status st = AppendIntegerRange(lo, hi, &b_, &seq); !st.ok()) return Fail(path, st.message());
  *out = seq[0];
  return Status::Ok();
}

Status Converter::NumberSchema(const json::object& o, const std::string& path, Element* out) {
  for (const char* key : {"maximum", "exclusiveMaximum", "exclusiveMinimum"}) {
    if (o.contains(key)) {
      return Fail(path, std::string("'").append(key) +
                            "' on a 'number' is not supported (use an 'integer', or 'minimum': 0)");
    }
  }
  const json::value* min = o.if_contains("minimum");
  if (min == nullptr) {
    *out = Number();
    return Status::Ok();
  }
  if (!min->is_number() || min->to_number<double>() != 0) {
    return Fail(Child(path, "minimum"), "on a 'number' only 'minimum': 0 is supported");
  }
  *out = Alt("number-nonnegative", {UnsignedNumber()});
  return Status::Ok();
}

Status Converter::ArraySchema(const json::object& o, const std::string& path, int depth,
                              Element* out) {
  std::optional<int> min, max;
  INFERNO_RETURN_IF_ERROR(Count(o, "minItems", path, &min));
  INFERNO_RETURN_IF_ERROR(Count(o, "maxItems", path, &max));
  if (min && max && *min > *max) return Fail(path, "'minItems' is above 'maxItems'");
  Element item_value;
  const json::value* items = o.if_contains("items");
  if (items && items->is_bool() && !items->as_bool()) max = 0;  // no item allowed
  if (max && *max == 0) {
    if (min.value_or(0) > 0) return Fail(path, "'minItems' above 0 with no items allowed");
    *out = Alt("array", {Cat({Lit("["), {Ws()}, Lit("]")})});
    return Status::Ok();
  }
  if (items) {
    INFERNO_RETURN_IF_ERROR(Visit(*items, Child(path, "items"), depth + 1, &item_value));
  } else {
    item_value = Any();
  }
  const Element item = Alt("item", {{item_value, Ws()}});
  const Element more = Alt("item-more", {Cat({Lit(","), {Ws(), item}})});
  const int n_min = min.value_or(0), n_max = max.value_or(-1);
  const Sequence rest = Repeat(more, std::max(n_min - 1, 0), n_max < 0 ? -1 : n_max - 1, "items");
  const Sequence filled = Cat({Lit("["), {Ws(), item}, rest, Lit("]")});
  *out = n_min > 0 ? Alt("array", {filled})
                   : Alt("array", {Cat({Lit("["), {Ws()}, Lit("]")}), filled});
  return Status::Ok();
}

Status Converter::ObjectSchema(const json::object& o, const std::string& path, int depth,
                               Element* out) {
  const json::value* props_v = o.if_contains("properties");
  if (props_v && !props_v->is_object()) {
    return Fail(Child(path, "properties"), "'properties' must be an object");
  }
  std::set<std::string> required;
  if (const json::value* r = o.if_contains("required")) {
    if (!r->is_array()) return Fail(Child(path, "required"), "'required' must be an array");
    for (const json::value& k : r->as_array()) {
      if (!k.is_string()) return Fail(Child(path, "required"), "'required' holds strings");
      required.insert(std::string(k.as_string()));
    }
  }
  struct Prop {
    std::string key;
    Element value;
    bool required;
  };
  std::vector<Prop> props;
  std::vector<std::string> keys;
  if (props_v) {
    for (const auto& kv : props_v->as_object()) {
      Prop p{std::string(kv.key()), {}, required.count(std::string(kv.key())) > 0};
      INFERNO_RETURN_IF_ERROR(
          Visit(kv.value(), Child(Child(path, "properties"), kv.key()), depth + 1, &p.value));
      keys.push_back(p.key);
      props.push_back(p);
    }
  }
  for (const std::string& k : required) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      keys.push_back(k);
      props.push_back({k, Any(), true});  // required but not described: any value
    }
  }
  std::optional<Element> extra;
  INFERNO_RETURN_IF_ERROR(ExtraMember(o, keys, path, depth, &extra));
  // rest[i][first]: the members from the i-th property on; `first` when nothing was written
  // yet (no comma before the next member). Optional properties may each be skipped.
  const size_t n = props.size();
  std::vector<std::array<uint32_t, 2>> rest(n + 1);
  for (int first = 0; first < 2; ++first) {
    const uint32_t r = b_.FreshRule("members");
    rest[n][first] = r;
    if (!extra) {
      b_.AddAlternative(r, {});
      continue;
    }
    const Element more = Alt("member-more", {Cat({Lit(","), {Ws(), *extra}})});
    const Sequence tail = Repeat(more, 0, -1, "members");
    b_.AddAlternative(r, first ? Cat({{*extra}, tail}) : tail);
    if (first) b_.AddAlternative(r, {});
  }
  for (size_t i = n; i-- > 0;) {
    std::string encoded = json::serialize(json::value(props[i].key));
    const Element member =
        Alt(("kv-" + RuleName(props[i].key)).c_str(),
            {Cat({Lit(encoded), {Ws()}, Lit(":"), {Ws(), props[i].value, Ws()}})});
    for (int first = 0; first < 2; ++first) {
      const uint32_t r = b_.FreshRule("members");
      const Sequence comma = first ? Sequence{} : Cat({Lit(","), {Ws()}});
      b_.AddAlternative(r, Cat({comma, {member, Ref(rest[i + 1][0])}}));
      if (!props[i].required) b_.AddAlternative(r, {Ref(rest[i + 1][first])});
      rest[i][first] = r;
    }
  }
  *out = Alt("object", {Cat({Lit("{"), {Ws(), Ref(rest[0][1])}, Lit("}")})});
  return Status::Ok();
}

Status Converter::ExtraMember(const json::object& o, const std::vector<std::string>& keys,
                              const std::string& path, int depth, std::optional<Element>* out) {
  const json::value* add = o.if_contains("additionalProperties");
  Element value;
  if (add == nullptr) {
    // Absent: free members only for an object that declares none (see the header).
    if (!keys.empty()) return Status::Ok();
    value = Any();
  } else if (add->is_bool()) {
    if (!add->as_bool()) return Status::Ok();
    value = Any();
  } else {
    INFERNO_RETURN_IF_ERROR(Visit(*add, Child(path, "additionalProperties"), depth + 1, &value));
  }
  *out = Alt("member", {Cat({{KeyExcept(keys), Ws()}, Lit(":"), {Ws(), value, Ws()}})});
  return Status::Ok();
}

// A JSON string that is none of `keys`: a trie of the keys' JSON text, where each node may
// close the string (unless a key ends there), continue along a child, or leave the trie with
// any other character and then go on freely.
Element Converter::KeyExcept(const std::vector<std::string>& keys) {
  if (keys.empty()) return String();
  std::map<std::string, std::set<uint32_t>> children;  // prefix -> next code points
  std::set<std::string> ends;
  for (const std::string& k : keys) {
    const std::string text = json::serialize(json::value(k));
    const std::string body = text.substr(1, text.size() - 2);
    ends.insert(body);
    for (size_t i = 0; i < body.size();) {
      const std::string prefix = body.substr(0, i);
      children[prefix].insert(NextCodepoint(body, &i));
    }
  }
  const Sequence free_tail = Cat({Repeat(JsonChar(), 0, -1, "string-chars"), Lit("\"")});
  std::map<std::string, uint32_t> rules;
  std::function<uint32_t(const std::string&)> node = [&](const std::string& prefix) -> uint32_t {
    const uint32_t r = b_.FreshRule("key");
    rules[prefix] = r;
    if (!ends.count(prefix)) b_.AddAlternative(r, Lit("\""));
    std::vector<std::pair<uint32_t, uint32_t>> taken = {{'"', '"'}, {'\\', '\\'}, {0, 0x1F}};
    for (uint32_t cp : children[prefix]) {
      std::string next = prefix;
      AppendUtf8(cp, &next);
      b_.AddAlternative(r, {b_.Char(cp), Ref(node(next))});
      taken.push_back({cp, cp});
    }
    // Leaving the trie: a character no key continues with here (escapes only when no key
    // has a backslash here, so an escape never re-enters a key).
    b_.AddAlternative(r, Cat({{Class(taken, true)}, free_tail}));
    if (!children[prefix].count('\\')) {
      b_.AddAlternative(r, Cat({Lit("\\"), {EscapeLetter()}, free_tail}));
    }
    return r;
  };
  return Alt("key", {Cat({Lit("\""), {Ref(node(""))}})});
}

// An enum or const of a string parameter written as plain text: the strings themselves.
Status Converter::RawLiterals(const json::object& o, const std::string& path, Element* out) {
  const json::value* c = o.if_contains("const");
  const json::value* e = o.if_contains("enum");
  const json::array values = c ? json::array{*c} : e->is_array() ? e->as_array() : json::array{};
  if (values.empty()) return Fail(Child(path, "enum"), "'enum' must be a non-empty array");
  const uint32_t r = b_.FreshRule("literal");
  for (const json::value& v : values) {
    if (!v.is_string() || v.as_string().find('<') != json::string::npos) {
      return Fail(path, "a string parameter's values must be strings without '<'");
    }
    b_.AddAlternative(r, Lit(v.as_string()));
  }
  *out = Ref(r);
  return Status::Ok();
}

Status Converter::XmlParameters(const json::value& schema, const std::string& path, Sequence* out) {
  if (!schema.is_object()) return Fail(path, "the parameters must be an object schema");
  const json::object& o = schema.as_object();
  INFERNO_RETURN_IF_ERROR(CheckKeywords(o, path));
  std::set<std::string, std::less<>> required;
  if (const json::value* r = o.if_contains("required"); r && r->is_array()) {
    for (const json::value& k : r->as_array()) {
      if (k.is_string()) required.insert(std::string(k.as_string()));
    }
  }
  const json::value* props = o.if_contains("properties");
  if (props == nullptr || !props->is_object()) return Status::Ok();  // no parameters
  for (const auto& kv : props->as_object()) {
    const std::string at = Child(Child(path, "properties"), kv.key());
    const json::object* p = kv.value().is_object() ? &kv.value().as_object() : nullptr;
    const json::value* type = p ? p->if_contains("type") : nullptr;
    Element value;
    if (type && type->is_string() && type->as_string() == "string") {
      INFERNO_RETURN_IF_ERROR(CheckKeywords(*p, at));
      INFERNO_RETURN_IF_ERROR(StringSchema(*p, at, /*raw=*/true, &value));
    } else {
      INFERNO_RETURN_IF_ERROR(Visit(kv.value(), at, 1, &value));
    }
    const Element param = Alt(("param-" + RuleName(kv.key())).c_str(),
                              {Cat({Lit("<parameter=" + std::string(kv.key()) + ">\n"),
                                    {value},
                                    Lit("\n</parameter>\n")})});
    if (required.count(kv.key())) {
      out->push_back(param);
    } else {
      INFERNO_RETURN_IF_ERROR(b_.AppendRepeat(param, 0, 1, "param", out));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Grammar> JsonSchemaGrammar(const json::value& schema, const SchemaGrammarOptions& options) {
  return FramedSchemaGrammar({{options.prefix, schema, options.suffix}});
}

Result<Grammar> FramedSchemaGrammar(const std::vector<FramedSchema>& alternatives) {
  return Converter().Framed(alternatives);
}

Grammar JsonObjectGrammar() {
  Result<Grammar> g = Converter().AnyObject();
  return std::move(g).value();  // fixed rules: always valid
}

}  // namespace inferno::grammar
