#include "engine/request/fields.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "engine/request/reasoning.h"

namespace inferno::request {
namespace {

Value NumberValue(double x) {
  Value v;
  v.number = x;
  return v;
}
Value IntegerValue(int64_t x) {
  Value v;
  v.integer = x;
  return v;
}
Value BoolValue(bool x) {
  Value v;
  v.boolean = x;
  return v;
}

// Accessors for the common shapes, so each row states only which member it sets.
#define INFERNO_FLOAT(member)                                             \
  [](GenerateRequest& r, const Value& v) { r.member = float(v.number); }, \
      [](const GenerateRequest& r) { return NumberValue(double(r.member)); }
#define INFERNO_INT(member)                                              \
  [](GenerateRequest& r, const Value& v) { r.member = int(v.integer); }, \
      [](const GenerateRequest& r) { return IntegerValue(int64_t(r.member)); }
#define INFERNO_BOOL(member)                                        \
  [](GenerateRequest& r, const Value& v) { r.member = v.boolean; }, \
      [](const GenerateRequest& r) { return BoolValue(bool(r.member)); }

constexpr double kInt64Min = double(std::numeric_limits<int64_t>::min());
constexpr double kInt64Max = double(std::numeric_limits<int64_t>::max());

// -1 asks for a random seed (llama.cpp's convention). Any other value seeds the sampler; one
// that happens to equal the engine's "random" sentinel is moved off it, so a seed the client
// chose always replays.
void SetSeed(GenerateRequest& r, const Value& v) {
  if (v.integer == -1) {
    r.sampling.seed = SamplingParams::kRandomSeed;
    return;
  }
  const uint64_t s = uint64_t(v.integer);
  r.sampling.seed = s == SamplingParams::kRandomSeed ? 0 : s;
}
Value GetSeed(const GenerateRequest& r) {
  return IntegerValue(r.sampling.seed == SamplingParams::kRandomSeed ? -1
                                                                     : int64_t(r.sampling.seed));
}

void SetLogitBias(GenerateRequest& r, const Value& v) { r.sampling.logit_bias = v.biases; }
Value GetLogitBias(const GenerateRequest& r) {
  Value v;
  v.biases = r.sampling.logit_bias;
  return v;
}

constexpr std::string_view kReasoningFormats[] = {"auto", "deepseek", "none"};

void SetReasoningFormat(GenerateRequest& r, const Value& v) {
  // SetChecked() let only kReasoningFormats through, which all parse.
  (void)ParseReasoningFormat(v.strings.at(0), &r.reasoning_format);
}
Value GetReasoningFormat(const GenerateRequest& r) {
  Value v;
  v.strings = {ReasoningFormatName(r.reasoning_format)};
  return v;
}

constexpr std::string_view kSpeculations[] = {"auto", "off", "lookup", "draft"};

void SetSpeculation(GenerateRequest& r, const Value& v) {
  // SetChecked() let only kSpeculations through: "auto" unsets, the others parse.
  Result<SpecMode> mode = ParseSpecMode(v.strings.at(0));
  r.speculation = mode.ok() ? std::optional<SpecMode>(*mode) : std::nullopt;
}
Value GetSpeculation(const GenerateRequest& r) {
  Value v;
  v.strings = {r.speculation ? SpecModeName(*r.speculation) : "auto"};
  return v;
}

// Bounds: OpenAI's where its API defines the field, else what the sampler handles sanely.
const std::array kFields = {
    Field{"max_tokens", Group::kTop, FieldType::kInteger, 1, 1 << 20, "-n,--n-predict",
          "Tokens to generate at most", INFERNO_INT(max_tokens)},
    Field{"stop", Group::kTop, FieldType::kStrings, 0, 4, "--stop",
          "Stop string, not included in the output (up to 4)",
          [](GenerateRequest& r, const Value& v) { r.stop = v.strings; },
          [](const GenerateRequest& r) {
            Value v;
            v.strings = r.stop;
            return v;
          }},
    Field{"ignore_eos", Group::kTop, FieldType::kBool, 0, 1, "--ignore-eos",
          "Keep generating after end-of-sequence", INFERNO_BOOL(ignore_eos)},
    Field{"reasoning_format", Group::kTop, FieldType::kChoice, 0, 0, "--reasoning-format",
          "Reasoning of thinking models: auto/deepseek = apart from the answer, none = in it",
          SetReasoningFormat, GetReasoningFormat, kReasoningFormats},
    Field{"speculation", Group::kTop, FieldType::kChoice, 0, 0, "",
          "Speculative decoding: auto (the server's --spec), off, lookup (prompt lookup) or "
          "draft (the server's --draft model)",
          SetSpeculation, GetSpeculation, kSpeculations},
    Field{"temperature", Group::kSampling, FieldType::kNumber, 0, 2, "--temp",
          "Temperature (0 = greedy)", INFERNO_FLOAT(sampling.temperature)},
    Field{"top_k", Group::kSampling, FieldType::kInteger, 0, 1 << 20, "--top-k", "Top-k (0 = off)",
          INFERNO_INT(sampling.top_k)},
    Field{"top_p", Group::kSampling, FieldType::kNumber, 0, 1, "--top-p", "Top-p (1 = off)",
          INFERNO_FLOAT(sampling.top_p)},
    Field{"min_p", Group::kSampling, FieldType::kNumber, 0, 1, "--min-p", "Min-p (0 = off)",
          INFERNO_FLOAT(sampling.min_p)},
    Field{"repeat_penalty", Group::kSampling, FieldType::kNumber, 0.01, 10, "--repeat-penalty",
          "Repeat penalty (1 = off)", INFERNO_FLOAT(sampling.repeat_penalty)},
    Field{"repeat_last_n", Group::kSampling, FieldType::kInteger, 0, 1 << 20, "--repeat-last-n",
          "Tokens the penalties look back at", INFERNO_INT(sampling.repeat_last_n)},
    Field{"presence_penalty", Group::kSampling, FieldType::kNumber, -2, 2, "--presence-penalty",
          "Presence penalty (0 = off)", INFERNO_FLOAT(sampling.presence_penalty)},
    Field{"frequency_penalty", Group::kSampling, FieldType::kNumber, -2, 2, "--frequency-penalty",
          "Frequency penalty (0 = off)", INFERNO_FLOAT(sampling.frequency_penalty)},
    Field{"logit_bias", Group::kSampling, FieldType::kTokenBias, -100, 100, "--logit-bias",
          "Token id=bias added to its logit, -100..100 (repeatable)", SetLogitBias, GetLogitBias},
    Field{"seed", Group::kSampling, FieldType::kInteger, kInt64Min, kInt64Max, "--seed",
          "Random seed (-1 = random)", SetSeed, GetSeed},
    Field{"top_k", Group::kProbes, FieldType::kInteger, 0, kMaxProbeTopK, "--top-logits",
          "Attach the K most likely tokens to each step", INFERNO_INT(top_k_events)},
    Field{"full_logits", Group::kProbes, FieldType::kBool, 0, 1, "--full-logits",
          "The whole logits vector per token", INFERNO_BOOL(probes.full_logits)},
    Field{"prompt_surprisal", Group::kProbes, FieldType::kBool, 0, 1, "--surprisal",
          "Teacher-forced surprisal of the prompt tokens", INFERNO_BOOL(probes.prompt_surprisal)},
    Field{"router", Group::kProbes, FieldType::kBool, 0, 1, "--router",
          "MoE models: the experts each layer routes each token to", INFERNO_BOOL(probes.router)},
    Field{"top_k", Group::kLogitLens, FieldType::kInteger, 1, kMaxProbeTopK, "",
          "Logit lens tokens per layer", INFERNO_INT(probes.logit_lens_top_k)},
};

#undef INFERNO_FLOAT
#undef INFERNO_INT
#undef INFERNO_BOOL

// Shortest text that reads back as the same double: "0.01", "2", "1048576".
std::string NumberText(double x) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

std::string FloatText(float x) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

std::string Quoted(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('\'');
  out.append(name);
  out.push_back('\'');
  return out;
}

}  // namespace

std::span<const Field> Fields() { return kFields; }

const Field* FindField(std::string_view name, Group group) {
  for (const Field& f : kFields) {
    if (f.name == name && f.group == group) return &f;
  }
  return nullptr;
}

std::string TypeMessage(const Field& f) {
  switch (f.type) {
    case FieldType::kNumber:
      return Quoted(f.name) + " must be a number";
    case FieldType::kInteger:
      return Quoted(f.name) + " must be an integer";
    case FieldType::kBool:
      return Quoted(f.name) + " must be true or false";
    case FieldType::kStrings:
      return Quoted(f.name) + " must be a string or up to " + NumberText(f.max) + " strings";
    case FieldType::kChoice: {
      std::string out = Quoted(f.name) + " must be one of";
      for (size_t i = 0; i < f.choices.size(); ++i) {
        out += (i ? ", " : " ") + std::string(f.choices[i]);
      }
      return out;
    }
    case FieldType::kTokenBias:
      return Quoted(f.name) + " must map token ids to numbers ({\"15043\": -100})";
  }
  return "";
}

std::string BoundsMessage(std::string_view name, double min, double max, bool integer) {
  // The full int64 range is "any integer"; saying its bounds would only confuse.
  if (integer && min <= kInt64Min && max >= kInt64Max) return Quoted(name) + " must be an integer";
  return Quoted(name) + " must be between " + NumberText(min) + " and " + NumberText(max);
}

Status SetChecked(const Field& f, const Value& v, GenerateRequest* req) {
  switch (f.type) {
    case FieldType::kNumber:
      if (!std::isfinite(v.number) || v.number < f.min || v.number > f.max) {
        return Status::InvalidArgument(BoundsMessage(f.name, f.min, f.max, false));
      }
      break;
    case FieldType::kInteger:
      // Compared as doubles: the int64 extremes are exactly representable.
      if (double(v.integer) < f.min || double(v.integer) > f.max) {
        return Status::InvalidArgument(BoundsMessage(f.name, f.min, f.max, true));
      }
      break;
    case FieldType::kStrings:
      if (double(v.strings.size()) > f.max) return Status::InvalidArgument(TypeMessage(f));
      break;
    case FieldType::kChoice:
      if (v.strings.size() != 1 ||
          std::find(f.choices.begin(), f.choices.end(), v.strings[0]) == f.choices.end()) {
        return Status::InvalidArgument(TypeMessage(f));
      }
      break;
    case FieldType::kTokenBias:
      for (const auto& [id, bias] : v.biases) {
        if (id < 0) return Status::InvalidArgument(TypeMessage(f));
        if (!std::isfinite(bias) || bias < f.min || bias > f.max) {
          return Status::InvalidArgument(Quoted(f.name) + " biases must be between " +
                                         NumberText(f.min) + " and " + NumberText(f.max));
        }
      }
      break;
    case FieldType::kBool:
      break;
  }
  f.set(*req, v);
  return Status::Ok();
}

// "ID=BIAS" entries of a kTokenBias flag.
Status BiasesFromText(const Field& f, const std::vector<std::string>& text, Value* v) {
  for (const std::string& t : text) {
    const size_t eq = t.find('=');
    int32_t id = 0;
    double bias = 0;
    const char* end = t.data() + t.size();
    if (eq == std::string::npos ||
        std::from_chars(t.data(), t.data() + eq, id).ptr != t.data() + eq ||
        std::from_chars(t.data() + eq + 1, end, bias).ptr != end || eq + 1 == t.size()) {
      return Status::InvalidArgument(TypeMessage(f) + ": expected ID=BIAS, got '" + t + "'");
    }
    v->biases.push_back({id, float(bias)});
  }
  return Status::Ok();
}

Status SetFromText(const Field& f, const std::vector<std::string>& text, GenerateRequest* req) {
  Value v;
  if (f.type == FieldType::kTokenBias) {
    if (Status st = BiasesFromText(f, text, &v); !st.ok()) return st;
    return SetChecked(f, v, req);
  }
  if (f.type == FieldType::kStrings || f.type == FieldType::kChoice) {
    v.strings = text;
    return SetChecked(f, v, req);
  }
  if (text.size() != 1) return Status::InvalidArgument(TypeMessage(f));
  const std::string& t = text[0];
  const char* end = t.data() + t.size();
  std::from_chars_result r{};
  switch (f.type) {
    case FieldType::kNumber:
      r = std::from_chars(t.data(), end, v.number);
      break;
    case FieldType::kInteger:
      r = std::from_chars(t.data(), end, v.integer);
      break;
    case FieldType::kBool:
      if (t != "true" && t != "false") return Status::InvalidArgument(TypeMessage(f));
      v.boolean = t == "true";
      return SetChecked(f, v, req);
    case FieldType::kStrings:
    case FieldType::kChoice:
    case FieldType::kTokenBias:
      break;
  }
  if (t.empty() || r.ec != std::errc() || r.ptr != end) {
    return Status::InvalidArgument(TypeMessage(f));
  }
  return SetChecked(f, v, req);
}

std::string ValueText(const Field& f, const GenerateRequest& req) {
  const Value v = f.get(req);
  switch (f.type) {
    case FieldType::kNumber:
      return FloatText(float(v.number));
    case FieldType::kInteger:
      return std::to_string(v.integer);
    case FieldType::kBool:
      return v.boolean ? "true" : "false";
    case FieldType::kStrings:
    case FieldType::kTokenBias:
      return "";
    case FieldType::kChoice:
      return v.strings.empty() ? "" : v.strings[0];
  }
  return "";
}

}  // namespace inferno::request
