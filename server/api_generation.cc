#include "server/api_generation.h"

#include <algorithm>

#include "engine/request/prepare.h"

namespace inferno::server {

std::optional<ApiError> PreparePrompt(LoadedModel& lm, GenerateRequest& req, bool max_given) {
  const int n_ctx = lm.scheduler->n_ctx();
  if (auto err = request::Prepare(*lm.model, req, n_ctx, lm.vision)) return FromRequestError(*err);
  const int room = n_ctx - int(req.prompt_tokens.size());
  req.max_tokens = max_given ? std::min(req.max_tokens, room) : room;
  return std::nullopt;
}

int EngineErrorStatus(const Status& error) {
  switch (error.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kOutOfRange:
      return 400;
    case Status::Code::kUnavailable:
      return 502;
    default:
      return 500;
  }
}

}  // namespace inferno::server
