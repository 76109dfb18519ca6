#include "engine/request/json_fields.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "engine/request/structured_output.h"

namespace inferno::request {
namespace {

namespace json = boost::json;

// A JSON integer, or a double with an exact integer value (JSON has one number type).
bool IntegerOf(const json::value& v, int64_t* out) {
  if (v.is_int64()) {
    *out = v.as_int64();
    return true;
  }
  if (v.is_uint64()) {
    // Above int64 it is no integer any field takes (the seed's range is int64's, so clamping
    // would silently change a seed).
    if (v.as_uint64() > uint64_t(INT64_MAX)) return false;
    *out = int64_t(v.as_uint64());
    return true;
  }
  if (v.is_double()) {
    const double d = v.as_double();
    if (std::floor(d) != d || !(std::fabs(d) < 9.2e18)) return false;
    *out = int64_t(d);
    return true;
  }
  return false;
}

// OpenAI's logit_bias: {"<token id>": number, ...}.
bool BiasesOf(const json::value& v, std::vector<std::pair<int32_t, float>>* out) {
  if (!v.is_object()) return false;
  for (const auto& [key, bias] : v.as_object()) {
    int32_t id = 0;
    const char* end = key.data() + key.size();
    if (key.empty() || std::from_chars(key.data(), end, id).ptr != end || !bias.is_number()) {
      return false;
    }
    out->push_back({id, float(bias.to_number<double>())});
  }
  return true;
}

// The value of `v` as field f's type; false when it has another JSON type.
bool ValueOf(const Field& f, const json::value& v, Value* out) {
  switch (f.type) {
    case FieldType::kNumber:
      if (!v.is_number()) return false;
      out->number = v.to_number<double>();
      return true;
    case FieldType::kInteger:
      return IntegerOf(v, &out->integer);
    case FieldType::kBool:
      if (!v.is_bool()) return false;
      out->boolean = v.as_bool();
      return true;
    case FieldType::kStrings:
      // One string, or an array of them.
      if (v.is_string()) {
        out->strings.emplace_back(v.as_string());
        return true;
      }
      if (!v.is_array()) return false;
      for (const json::value& s : v.as_array()) {
        if (!s.is_string()) return false;
        out->strings.emplace_back(s.as_string());
      }
      return true;
    case FieldType::kChoice:
      if (!v.is_string()) return false;
      out->strings.emplace_back(v.as_string());
      return true;
    case FieldType::kTokenBias:
      return BiasesOf(v, &out->biases);
  }
  return false;
}

// The double whose shortest text is the float's ("0.8", not "0.800000011920929"): the
// request's members are floats.
double ShortFloat(float x) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf) - 1, x);
  *r.ptr = '\0';
  return std::strtod(buf, nullptr);
}

json::value JsonOf(const Field& f, const Value& v) {
  switch (f.type) {
    case FieldType::kNumber:
      return ShortFloat(float(v.number));
    case FieldType::kInteger:
      return v.integer;
    case FieldType::kBool:
      return v.boolean;
    case FieldType::kStrings:
      return json::value_from(v.strings);
    case FieldType::kChoice:
      return v.strings.empty() ? json::value(nullptr) : json::value(v.strings[0]);
    case FieldType::kTokenBias: {
      json::object biases;
      for (const auto& [id, bias] : v.biases) biases[std::to_string(id)] = ShortFloat(bias);
      return biases;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<RequestError> ReadJsonField(const json::object& o, const Field& f,
                                          GenerateRequest* req, std::string_view key,
                                          std::string_view param) {
  if (key.empty()) key = f.name;
  if (param.empty()) param = key;
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  Value value;
  if (!ValueOf(f, *v, &value)) {
    return RequestError{ErrorCode::kInvalidField, std::string(param), TypeMessage(f)};
  }
  if (Status st = SetChecked(f, value, req); !st.ok()) {
    return RequestError{ErrorCode::kInvalidField, std::string(param), st.message()};
  }
  return std::nullopt;
}

std::optional<RequestError> ReadJsonGroup(const json::object& o, Group group, GenerateRequest* req,
                                          std::string_view prefix) {
  for (const Field& f : Fields()) {
    if (f.group != group) continue;
    const std::string param = std::string(prefix) + std::string(f.name);
    if (auto err = ReadJsonField(o, f, req, f.name, param)) return err;
  }
  return std::nullopt;
}

std::optional<RequestError> ReadFlatJson(const json::object& o, GenerateRequest* req) {
  if (auto err = ReadJsonGroup(o, Group::kTop, req)) return err;
  if (auto err = ReadJsonGroup(o, Group::kSampling, req)) return err;
  return ReadStructuredOutput(o, req);
}

json::object ToNestedJson(const GenerateRequest& req) {
  json::object top, sampling, probes;
  for (const Field& f : Fields()) {
    if (f.group == Group::kLogitLens) continue;  // only with the lens, below
    json::object& into = f.group == Group::kTop        ? top
                         : f.group == Group::kSampling ? sampling
                                                       : probes;
    into[f.name] = JsonOf(f, f.get(req));
  }
  if (req.probes.logit_lens) {
    json::object lens;
    for (const Field& f : Fields()) {
      if (f.group == Group::kLogitLens) lens[f.name] = JsonOf(f, f.get(req));
    }
    probes["logit_lens"] = std::move(lens);
  }
  top["sampling"] = std::move(sampling);
  top["probes"] = std::move(probes);
  return top;
}

}  // namespace inferno::request
