#include "server/embeddings.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>

#include "engine/util/base64.h"
#include "server/route_responses.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

ApiError Bad(std::string message, std::string param) {
  return ApiError{400, std::move(message), std::move(param), "invalid_value"};
}

// An optional string field.
std::optional<ApiError> StringField(const json::object& o, const char* name, std::string* out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) return Bad(std::string(name) + " must be a string", name);
  *out = std::string(v->as_string());
  return std::nullopt;
}

std::optional<ApiError> ParseOpenAiFields(const json::object& o, EmbeddingsCall* out) {
  std::string format = "float", user;
  if (auto err = StringField(o, "encoding_format", &format)) return err;
  if (format != "float" && format != "base64") {
    return Bad("encoding_format must be \"float\" or \"base64\"", "encoding_format");
  }
  out->base64 = format == "base64";
  if (auto err = StringField(o, "user", &user)) return err;  // accepted, as OpenAI's
  const json::value* dims = o.if_contains("dimensions");
  if (dims != nullptr && !dims->is_null()) {
    const bool positive = (dims->is_int64() && dims->as_int64() > 0) || dims->is_uint64();
    if (!positive || (dims->is_uint64() && dims->as_uint64() > (1u << 24))) {
      return Bad("dimensions must be a positive integer", "dimensions");
    }
    out->dimensions = int(dims->to_number<int64_t>());
  }
  return std::nullopt;
}

std::optional<ApiError> ParseOllamaFields(const json::object& o, EmbeddingsCall* out) {
  const json::value* truncate = o.if_contains("truncate");
  out->truncate = true;  // Ollama's default
  if (truncate != nullptr && !truncate->is_null()) {
    if (!truncate->is_bool()) return Bad("truncate must be a boolean", "truncate");
    out->truncate = truncate->as_bool();
  }
  const json::value* options = o.if_contains("options");
  if (options != nullptr && !options->is_null() && !options->is_object()) {
    return Bad("options must be an object", "options");
  }
  return std::nullopt;  // keep_alive: accepted; models stay loaded as the registry decides
}

// A text input. An empty one is refused as OpenAI refuses it, although llama.cpp would embed
// its BOS alone.
std::optional<ApiError> TextTokens(std::string_view text, const Tokenizer& tokenizer,
                                   const std::string& param, std::vector<int32_t>* out) {
  if (text.empty()) return Bad(param + " holds an empty string", param);
  *out = EmbeddingTokens(tokenizer, text);
  return std::nullopt;
}

// One input of the array: a string, or (OpenAI) an array of token ids.
std::optional<ApiError> ArrayItemTokens(const json::value& v, const Tokenizer& tokenizer,
                                        bool ids_allowed, std::vector<int32_t>* out) {
  if (v.is_string()) return TextTokens(v.as_string(), tokenizer, "input", out);
  if (ids_allowed && v.is_array()) {
    for (const json::value& id : v.as_array()) {
      if (!id.is_int64() && !id.is_uint64()) {
        return Bad("input token arrays must hold integers", "input");
      }
      // Out-of-range ids (negative or huge) stay out of range for CheckEmbedRequest.
      const int64_t n = id.is_int64() ? id.as_int64() : int64_t(1) << 40;
      out->push_back(n < INT32_MIN || n > INT32_MAX ? -1 : int32_t(n));
    }
    return std::nullopt;
  }
  return Bad(ids_allowed ? "input must be a string, an array of strings, an array of token ids "
                           "or an array of token-id arrays"
                         : "input must be a string or an array of strings",
             "input");
}

bool AllIntegers(const json::array& a) {
  for (const json::value& v : a) {
    if (!v.is_int64() && !v.is_uint64()) return false;
  }
  return !a.empty();
}

}  // namespace

std::optional<ApiError> ParseEmbeddingsCall(std::string_view body, EmbedDialect dialect,
                                            EmbeddingsCall* out) {
  json::value root;
  if (auto err = ParseBodyObject(body, &root)) return err;
  const json::object& o = root.as_object();
  out->dialect = dialect;
  if (auto err = StringField(o, "model", &out->model)) return err;
  const char* input = dialect == EmbedDialect::kOllamaLegacy ? "prompt" : "input";
  const json::value* v = o.if_contains(input);
  if (v == nullptr || v->is_null()) return Bad(std::string(input) + " is required", input);
  out->input = *v;
  if (dialect == EmbedDialect::kOllamaLegacy && !v->is_string()) {
    return Bad("prompt must be a string", "prompt");
  }
  return dialect == EmbedDialect::kOpenAi ? ParseOpenAiFields(o, out) : ParseOllamaFields(o, out);
}

std::optional<ApiError> InputTokens(const EmbeddingsCall& call, const Tokenizer& tokenizer,
                                    int n_ctx, std::vector<std::vector<int32_t>>* out) {
  const bool ids_allowed = call.dialect == EmbedDialect::kOpenAi;
  const std::string param = call.dialect == EmbedDialect::kOllamaLegacy ? "prompt" : "input";
  out->clear();
  if (call.input.is_string()) {
    out->emplace_back();
    if (auto err = TextTokens(call.input.as_string(), tokenizer, param, &out->back())) return err;
  } else if (call.input.is_array() && ids_allowed && AllIntegers(call.input.as_array())) {
    out->emplace_back();
    if (auto err = ArrayItemTokens(call.input, tokenizer, true, &out->back())) return err;
  } else if (call.input.is_array()) {
    for (const json::value& item : call.input.as_array()) {
      out->emplace_back();
      if (auto err = ArrayItemTokens(item, tokenizer, ids_allowed, &out->back())) return err;
    }
  } else {
    out->emplace_back();
    return ArrayItemTokens(call.input, tokenizer, ids_allowed, &out->back());
  }
  if (out->empty()) return Bad(param + " is empty", param);
  for (std::vector<int32_t>& tokens : *out) {
    if (call.truncate && int(tokens.size()) > n_ctx) tokens.resize(n_ctx);
  }
  return std::nullopt;
}

std::string Base64Floats(std::span<const float> v) {
  std::vector<uint8_t> bytes(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = uint8_t(bits >> (8 * b));  // little-endian
  }
  return EncodeBase64(bytes);
}

namespace {

json::array FloatArray(const std::vector<float>& v) {
  json::array a;
  a.reserve(v.size());
  for (float x : v) a.emplace_back(double(x));
  return a;
}

}  // namespace

std::string OpenAiEmbeddingsJson(const EmbedResult& r, const std::string& model, bool base64) {
  json::array data;
  for (size_t i = 0; i < r.embeddings.size(); ++i) {
    json::value embedding = base64 ? json::value(Base64Floats(r.embeddings[i]))
                                   : json::value(FloatArray(r.embeddings[i]));
    data.push_back(json::object{
        {"object", "embedding"}, {"index", int64_t(i)}, {"embedding", std::move(embedding)}});
  }
  return json::serialize(json::object{
      {"object", "list"},
      {"data", std::move(data)},
      {"model", model},
      {"usage",
       json::object{{"prompt_tokens", r.prompt_tokens}, {"total_tokens", r.prompt_tokens}}},
  });
}

std::string OllamaEmbedJson(const EmbedResult& r, const std::string& model, double total_ms,
                            double load_ms) {
  json::array embeddings;
  for (const std::vector<float>& v : r.embeddings) embeddings.push_back(FloatArray(v));
  return json::serialize(json::object{
      {"model", model},
      {"embeddings", std::move(embeddings)},
      {"total_duration", int64_t(total_ms * 1e6)},  // Ollama's durations are nanoseconds
      {"load_duration", int64_t(load_ms * 1e6)},
      {"prompt_eval_count", r.prompt_tokens},
  });
}

std::string OllamaLegacyEmbeddingJson(const EmbedResult& r) {
  return json::serialize(json::object{{"embedding", FloatArray(r.embeddings.at(0))}});
}

namespace {

Response ErrorOf(const ApiError& e) { return JsonResponse(e.status, ErrorBody(e)); }

// Hands the request to the model's scheduler and waits for its answer.
Result<EmbedResult> RunOnScheduler(Scheduler& scheduler, EmbedRequest request) {
  auto promise = std::make_shared<std::promise<Result<EmbedResult>>>();
  std::future<Result<EmbedResult>> answer = promise->get_future();
  scheduler.SubmitEmbedding(std::move(request),
                            [promise](Result<EmbedResult> r) { promise->set_value(std::move(r)); });
  return answer.get();
}

// The request for the loaded model, or the 400 that names what is wrong with it.
std::optional<ApiError> BuildRequest(const EmbeddingsCall& call, const LoadedModel& lm,
                                     EmbedRequest* out) {
  const ModelConfig& c = lm.model->config();
  if (call.dimensions > c.n_embd) {
    return Bad("dimensions " + std::to_string(call.dimensions) + " exceeds the model's " +
                   std::to_string(c.n_embd) + " embedding dimensions",
               "dimensions");
  }
  out->dimensions = call.dimensions;
  out->pooling = lm.scheduler->pooling();  // serve --pooling, else the model's
  const int n_ctx = lm.scheduler->n_ctx();
  if (auto err = InputTokens(call, lm.model->tokenizer(), n_ctx, &out->inputs)) return err;
  const Status st = CheckEmbedRequest(*out, c, n_ctx);
  if (st.ok()) return std::nullopt;
  return Bad(st.message(), call.dialect == EmbedDialect::kOllamaLegacy ? "prompt" : "input");
}

Response Serve(const Request& r, EmbedDialect dialect, ModelRegistry& registry,
               Admission& admission) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  EmbeddingsCall call;
  if (auto err = ParseEmbeddingsCall(r.body, dialect, &call)) return ErrorOf(*err);
  Result<std::shared_ptr<LoadedModel>> lm = registry.Acquire(call.model);
  if (!lm.ok()) {
    const bool missing = lm.status().code() == Status::Code::kNotFound;
    return ErrorOf(ApiError{missing ? 404 : 500, lm.status().message(), "model",
                            missing ? "model_not_found" : "model_load_failed"});
  }
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  EmbedRequest request;
  if (auto err = BuildRequest(call, **lm, &request)) return ErrorOf(*err);
  std::string refusal;
  std::optional<Admission::Admitted> place = admission.TakePlace(ClientOf(r), &refusal);
  if (!place) return RefusedResponse(refusal);
  Result<EmbedResult> result = RunOnScheduler(*(*lm)->scheduler, std::move(request));
  place->Release();  // before the answer: a client's next request finds its place free
  if (!result.ok()) return ErrorOf(ApiError{503, result.status().message(), "", "unavailable"});
  const double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  switch (dialect) {
    case EmbedDialect::kOpenAi:
      return JsonResponse(200, OpenAiEmbeddingsJson(*result, (*lm)->id, call.base64));
    case EmbedDialect::kOllama:
      return JsonResponse(200, OllamaEmbedJson(*result, (*lm)->id, total_ms, load_ms));
    case EmbedDialect::kOllamaLegacy:
      break;
  }
  return JsonResponse(200, OllamaLegacyEmbeddingJson(*result));
}

}  // namespace

void AddEmbeddingRoutes(Router& routes, ModelRegistry& registry, Admission& admission,
                        EmbeddingForward forward) {
  const std::pair<const char*, EmbedDialect> kRoutes[] = {
      {"/v1/embeddings", EmbedDialect::kOpenAi},
      {"/api/embed", EmbedDialect::kOllama},
      {"/api/embeddings", EmbedDialect::kOllamaLegacy},
  };
  for (const auto& [path, dialect] : kRoutes) {
    if (dialect == EmbedDialect::kOpenAi && forward) {
      routes.Add(
          "POST", path,
          [&registry, &admission, forward](const Request& r, const PathParams&, ResponseWriter& w) {
            if (!forward(r, w)) w.Send(Serve(r, EmbedDialect::kOpenAi, registry, admission));
          });
      continue;
    }
    routes.AddReply("POST", path,
                    [&registry, &admission, dialect](const Request& r, const PathParams&) {
                      return Serve(r, dialect, registry, admission);
                    });
  }
}

}  // namespace inferno::server
