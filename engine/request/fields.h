// The request schema: every generation setting a front end may set on a GenerateRequest,
// declared once in one table (name, type, bounds, CLI flag, doc, how it is set). The JSON
// readers (json_fields.h) and the CLI flags (cli/request_flags.h) are loops over this table, so
// every front end accepts the same range with the same message, and adding a setting is one
// row in fields.cc. Defaults are GenerateRequest's member initializers, read through `get`.
//
// Not in the table: the prompt itself (prompt, messages, prompt_tokens), whose wire shapes are
// each protocol's own, and the structured probe options (attention layers/heads, which the WS
// protocol nests in objects).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/sequence.h"
#include "engine/util/status.h"

namespace inferno::request {

// kChoice: one string out of the field's `choices`. kTokenBias: token id -> number (a JSON
// object keyed by the ids, "ID=BIAS" on the command line), min/max bounding the numbers.
enum class FieldType { kNumber, kInteger, kBool, kStrings, kChoice, kTokenBias };

// Where a field sits in the WS protocol's start message: top level, in `sampling`, in `probes`
// or in `probes.logit_lens`. Flat readers (OpenAI, /chat) read the kTop and kSampling fields.
enum class Group { kTop, kSampling, kProbes, kLogitLens };

// One field's value on its way to or from a GenerateRequest; only the member of the field's
// type is meaningful.
struct Value {
  double number = 0;
  int64_t integer = 0;
  bool boolean = false;
  std::vector<std::string> strings;               // kStrings; kChoice: the one chosen
  std::vector<std::pair<int32_t, float>> biases;  // kTokenBias
};

struct Field {
  std::string_view name;  // JSON key (in its group for the WS protocol)
  Group group;
  FieldType type;
  double min;  // kNumber/kInteger: inclusive bounds; kStrings: max = most strings
  double max;
  std::string_view cli;  // CLI11 option names ("--temp"), "" for none
  std::string_view doc;  // one line: CLI help and docs
  void (*set)(GenerateRequest&, const Value&);
  Value (*get)(const GenerateRequest&);
  std::span<const std::string_view> choices = {};  // kChoice: the accepted values
};

// The table, in a stable order (CLI help lists flags in it).
std::span<const Field> Fields();
// The field called `name` in `group`, or null.
const Field* FindField(std::string_view name, Group group);

// Checks `v` against the field's type bounds and sets it; the error message is the one every
// front end shows ("'temperature' must be between 0 and 2").
Status SetChecked(const Field& f, const Value& v, GenerateRequest* req);
// The same from command-line text ("0.7", "42", "true"; kStrings: the list).
Status SetFromText(const Field& f, const std::vector<std::string>& text, GenerateRequest* req);

// The messages, for readers that see a value of the wrong JSON type.
std::string TypeMessage(const Field& f);
std::string BoundsMessage(std::string_view name, double min, double max, bool integer);
// The field's value in `req` as text, for help ("0.8", "128", "-1"; "" for strings).
std::string ValueText(const Field& f, const GenerateRequest& req);
// The field's default: its value in GenerateRequest{}.
inline std::string DefaultText(const Field& f) { return ValueText(f, GenerateRequest{}); }

}  // namespace inferno::request
