#include "server/ollama_options.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "engine/request/fields.h"
#include "engine/request/json_fields.h"
#include "engine/request/structured_output.h"

namespace inferno::server {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

std::optional<ApiError> FromSchema(const std::optional<request::RequestError>& err) {
  if (!err) return std::nullopt;
  return FromRequestError(*err);
}

// Milliseconds per Go duration unit.
std::optional<double> UnitMs(std::string_view unit) {
  constexpr std::array<std::pair<std::string_view, double>, 7> kUnits = {{{"ns", 1e-6},
                                                                          {"us", 1e-3},
                                                                          {"\xC2\xB5s", 1e-3},
                                                                          {"ms", 1},
                                                                          {"s", 1e3},
                                                                          {"m", 60e3},
                                                                          {"h", 3600e3}}};
  for (const auto& [name, ms] : kUnits) {
    if (name == unit) return ms;
  }
  return std::nullopt;
}

// Go's time.ParseDuration: [-+]? then (number unit)+, or "0". The total in milliseconds.
std::optional<double> ParseGoDuration(std::string_view s) {
  double sign = 1;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s == "0") return 0.0;
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0) return std::nullopt;
    const std::string number(s.substr(0, n));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    const std::optional<double> unit = UnitMs(s.substr(0, u));
    if (!unit) return std::nullopt;
    total += value * *unit;
    s.remove_prefix(u);
  }
  return sign * total;
}

// Negative: forever (nullopt), as Ollama reads it.
KeepAlive FromMs(double ms) {
  if (ms < 0) return std::nullopt;
  return milliseconds(int64_t(std::min(ms, 1e15)));
}

// Known options that only say how the model runs: nothing to do here (see the header).
bool IsRunnerOption(std::string_view name) {
  constexpr std::array<std::string_view, 13> kRunner = {
      "num_batch", "num_gpu", "main_gpu",   "num_thread", "use_mmap",       "use_mlock", "numa",
      "low_vram",  "f16_kv",  "vocab_only", "logits_all", "embedding_only", "num_keep"};
  for (std::string_view n : kRunner) {
    if (n == name) return true;
  }
  return false;
}

// Samplers Inferno lacks: refused unless at their neutral value; mirostat's tau and eta only
// matter with mirostat on.
std::optional<ApiError> CheckMissingSampler(std::string_view name, const json::value& v) {
  auto number = [&v]() -> std::optional<double> {
    if (v.is_number()) return v.to_number<double>();
    return std::nullopt;
  };
  auto refuse = [name](const char* neutral) {
    return OllamaBadField(std::string(name), "option '" + std::string(name) +
                                                 "' is not supported by this server (only " +
                                                 neutral + " is accepted)");
  };
  if (name == "mirostat" && number() != 0.0) return refuse("0, off,");
  if ((name == "tfs_z" || name == "typical_p") && number() != 1.0) return refuse("1, off,");
  if (name == "penalize_newline" && !(v.is_bool() && v.as_bool())) return refuse("true");
  return std::nullopt;
}

bool IsMissingSampler(std::string_view name) {
  return name == "mirostat" || name == "mirostat_tau" || name == "mirostat_eta" ||
         name == "tfs_z" || name == "typical_p" || name == "penalize_newline";
}

std::optional<ApiError> ReadNumPredict(const json::object& opts, GenerateRequest* req,
                                       OllamaParams* params) {
  const json::value* n = opts.if_contains("num_predict");
  // Ollama's -1 (and -2) mean "until the context is full", which is what no limit gives here.
  const bool unlimited = n && n->is_int64() && n->as_int64() < 0;
  if (n == nullptr || n->is_null() || unlimited) return std::nullopt;
  const request::Field& max = *request::FindField("max_tokens", request::Group::kTop);
  if (auto err = FromSchema(request::ReadJsonField(opts, max, req, "num_predict"))) return err;
  params->max_tokens_given = true;
  return std::nullopt;
}

std::optional<ApiError> ReadNumCtx(const json::object& opts, OllamaParams* params) {
  const json::value* v = opts.if_contains("num_ctx");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > (1 << 24)) {
    return OllamaBadField("num_ctx", "'num_ctx' must be an integer between 1 and 16777216");
  }
  params->num_ctx = int(v->as_int64());
  return std::nullopt;
}

// Names the request schema reads from `options` (its sampling group, stop, num_predict).
bool IsSchemaOption(std::string_view name) {
  if (name == "stop" || name == "num_predict" || name == "num_ctx") return true;
  return request::FindField(name, request::Group::kSampling) != nullptr;
}

std::optional<ApiError> ReadOptions(const json::object& o, GenerateRequest* req,
                                    OllamaParams* params) {
  const json::value* v = o.if_contains("options");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_object()) return OllamaBadField("options", "'options' must be an object");
  json::object opts = v->as_object();
  // -1: the penalties look at the whole context (Ollama's meaning); the field's bound is that.
  if (json::value* last = opts.if_contains("repeat_last_n"); last && *last == -1) {
    *last = int64_t(request::FindField("repeat_last_n", request::Group::kSampling)->max);
  }
  if (auto err = FromSchema(request::ReadJsonGroup(opts, request::Group::kSampling, req))) {
    return err;
  }
  const request::Field& stop = *request::FindField("stop", request::Group::kTop);
  if (auto err = FromSchema(request::ReadJsonField(opts, stop, req))) return err;
  if (auto err = ReadNumPredict(opts, req, params)) return err;
  if (auto err = ReadNumCtx(opts, params)) return err;
  for (const auto& [key, value] : opts) {
    if (IsSchemaOption(key) || IsRunnerOption(key)) continue;
    if (IsMissingSampler(key)) {
      if (auto err = CheckMissingSampler(key, value)) return err;
      continue;
    }
    params->unknown_options.push_back(std::string(key));
  }
  return std::nullopt;
}

// `think`: true or a level ("low", "medium", "high": gpt-oss's effort) splits the reasoning
// into its own field; false leaves whatever reasoning comes in the content and asks the
// template not to think (enable_thinking false, which Qwen3's reads; templates without it
// ignore it). A level is passed as reasoning_effort, which gpt-oss's template reads.
std::optional<ApiError> ReadThink(const json::object& o, GenerateRequest* req) {
  const json::value* v = o.if_contains("think");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_bool()) {
    req->reasoning_format = v->as_bool() ? ReasoningFormat::kAuto : ReasoningFormat::kNone;
    if (!v->as_bool()) req->template_kwargs["enable_thinking"] = false;
    return std::nullopt;
  }
  if (v->is_string() &&
      (v->as_string() == "low" || v->as_string() == "medium" || v->as_string() == "high")) {
    req->reasoning_format = ReasoningFormat::kAuto;
    req->template_kwargs["reasoning_effort"] = v->as_string();
    return std::nullopt;
  }
  return OllamaBadField("think", "'think' must be true, false, \"low\", \"medium\" or \"high\"");
}

std::optional<ApiError> ReadCommonFields(const json::object& o, OllamaParams* params) {
  if (auto err = server::ReadModelAndStream(o, &params->model, &params->stream)) return err;
  if (const json::value* k = o.if_contains("keep_alive"); k && !k->is_null()) {
    KeepAlive keep;
    if (auto err = ParseKeepAlive(*k, &keep)) return err;
    params->keep_alive = keep;
  }
  return std::nullopt;
}

}  // namespace

ApiError OllamaBadField(std::string param, std::string message) {
  return ApiError{400, std::move(message), std::move(param), ""};
}

std::optional<ApiError> ParseKeepAlive(const json::value& v, KeepAlive* out) {
  if (v.is_number()) {
    // Whole seconds, as Ollama truncates them.
    *out = FromMs(std::trunc(v.to_number<double>()) * 1000);
    return std::nullopt;
  }
  if (v.is_string()) {
    const std::string s(v.as_string());
    char* end = nullptr;
    const double seconds = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) {
      *out = FromMs(std::trunc(seconds) * 1000);
      return std::nullopt;
    }
    if (std::optional<double> ms = ParseGoDuration(s)) {
      *out = FromMs(*ms);
      return std::nullopt;
    }
  }
  return OllamaBadField("keep_alive",
                        "'keep_alive' must be a number of seconds or a duration such as \"5m\", "
                        "\"1h30m\" or \"300ms\" (negative: keep the model loaded)");
}

std::optional<ApiError> ReadOllamaCommon(const json::object& o, GenerateRequest* req,
                                         OllamaParams* params) {
  if (auto err = ReadCommonFields(o, params)) return err;
  if (auto err = ReadOptions(o, req, params)) return err;
  if (auto err = FromSchema(request::ReadOllamaFormat(o, req))) return err;
  return ReadThink(o, req);
}

}  // namespace inferno::server
