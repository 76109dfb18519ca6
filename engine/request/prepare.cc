#include "engine/request/prepare.h"

#include <string>

#include "engine/request/reasoning.h"
#include "engine/request/tool_calls.h"
#include "engine/runtime/probes.h"

namespace inferno::request {
namespace {

// The field a prompt error concerns, as the client sent the prompt.
const char* PromptField(const GenerateRequest& req) {
  if (!req.prompt_tokens.empty()) return "prompt_tokens";
  if (!req.suffix.empty()) return "suffix";
  return req.messages.empty() ? "prompt" : "messages";
}

}  // namespace

std::optional<RequestError> Prepare(const Model& model, GenerateRequest& req, int n_ctx) {
  const std::string field = PromptField(req);
  if (Status st = CheckGenerates(model.config()); !st.ok()) {
    return RequestError{ErrorCode::kInvalidField, "model", st.message()};
  }
  if (auto err = SetUpTools(model, req)) return err;
  Result<std::vector<int32_t>> tokens = PromptTokens(model, req);
  if (!tokens.ok()) {
    // With a suffix the failure is the model's (no FIM tokens), not an empty prompt.
    const ErrorCode code = req.suffix.empty() ? ErrorCode::kEmptyPrompt : ErrorCode::kInvalidField;
    return RequestError{code, field, tokens.status().message()};
  }
  if (Status st = CheckPromptFits(int(tokens->size()), n_ctx); !st.ok()) {
    return RequestError{ErrorCode::kPromptTooLong, field, st.message()};
  }
  if (Status st = CheckPromptTokenIds(*tokens, model.config().n_vocab); !st.ok()) {
    return RequestError{ErrorCode::kTokenOutOfRange, field, st.message()};
  }
  for (const auto& [id, bias] : req.sampling.logit_bias) {
    if (id >= model.config().n_vocab) {
      return RequestError{ErrorCode::kInvalidField, "logit_bias",
                          "'logit_bias' names token " + std::to_string(id) +
                              ", outside the vocabulary of " +
                              std::to_string(model.config().n_vocab)};
    }
  }
  if (Status st = CheckProbes(req.probes, model.config()); !st.ok()) {
    return RequestError{ErrorCode::kProbeNotPossible, "probes", st.message()};
  }
  if (Status st = CheckPromptAttention(req.probes, model.config(), int(tokens->size())); !st.ok()) {
    return RequestError{ErrorCode::kProbeNotPossible, "probes", st.message()};
  }
  req.prompt_tokens = std::move(*tokens);
  req.reasoning = ChooseSplitter(model, req);
  return std::nullopt;
}

}  // namespace inferno::request
