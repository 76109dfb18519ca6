// The one error type of the request boundary: what went wrong, as a code each front end maps
// to its own (HTTP status and OpenAI `code`, WS `error` code, CLI exit code), the field it
// concerns and one message that every front end shows as is.
#pragma once

#include <string>

#include "engine/util/status.h"

namespace inferno::request {

enum class ErrorCode {
  kInvalidField,      // a field's type or bounds (the message names the field)
  kEmptyPrompt,       // no prompt, or one that tokenizes to nothing
  kPromptTooLong,     // the prompt leaves no room in the context (OpenAI: context_length_exceeded)
  kTokenOutOfRange,   // a prompt token id outside the vocabulary
  kProbeNotPossible,  // a probe this model cannot give (layer/head out of range, map too big)
};

struct RequestError {
  ErrorCode code = ErrorCode::kInvalidField;
  std::string field;  // where: "temperature", "sampling.top_k", "messages"; "" if none
  std::string message;

  // As a Status for callers that only report: kPromptTooLong is OutOfRange, the rest
  // InvalidArgument (what the engine's callers have always seen).
  Status ToStatus() const {
    return code == ErrorCode::kPromptTooLong ? Status::OutOfRange(message)
                                             : Status::InvalidArgument(message);
  }
};

}  // namespace inferno::request
