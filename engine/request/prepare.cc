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
  return req.messages.empty() ? "prompt" : "messages";
}

}  // namespace

std::optional<RequestError> Prepare(const Model& model, GenerateRequest& req, int n_ctx) {
  const std::string field = PromptField(req);
  if (auto err = SetUpTools(model, req)) return err;
  Result<std::vector<int32_t>> tokens = PromptTokens(model, req);
  if (!tokens.ok()) return RequestError{ErrorCode::kEmptyPrompt, field, tokens.status().message()};
  if (Status st = CheckPromptFits(int(tokens->size()), n_ctx); !st.ok()) {
    return RequestError{ErrorCode::kPromptTooLong, field, st.message()};
  }
  if (Status st = CheckPromptTokenIds(*tokens, model.config().n_vocab); !st.ok()) {
    return RequestError{ErrorCode::kTokenOutOfRange, field, st.message()};
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
