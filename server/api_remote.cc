// Api::GenerateRemote: the front ends with no wire of their own on a remote (Ollama, the
// Responses API, Anthropic's Messages) run on a remote model through the one proxy
// (server/remote_proxy.h), their request translated by server/remote_generation.h.
#include "server/api.h"
#include "server/api_generation.h"
#include "server/remote_generation.h"

namespace inferno::server {

std::optional<RemoteTarget> Api::RemoteModel(const std::string& name) {
  if (!remote_proxy_ || options_.remotes == nullptr) return std::nullopt;
  return options_.remotes->Find(name);
}

bool Api::GenerateRemote(const Request& r, const RemoteTarget& target, const GenerateRequest& req,
                         bool max_given, ResponseWriter& w,
                         const std::function<bool(const Event&)>& on_event,
                         ApiError (*rename)(ApiError)) {
  int status = 0;
  auto answer = [&](ApiError e) {
    if (rename != nullptr) e = rename(std::move(e));
    SendJson(w, e.status, ErrorBody(e), &status);
    return false;
  };
  std::string path;
  boost::json::object body;
  if (std::optional<ApiError> err = RemoteRequestBody(req, max_given, target.model, &path, &body)) {
    return answer(std::move(*err));
  }
  // The client's place is held until the answer has been relayed, as for a forwarded request.
  std::string refusal;
  std::optional<Admission::Admitted> place = admission_.TakePlace(ClientOf(r), &refusal);
  if (!place) {
    w.Send(RefusedResponse(refusal));
    return false;
  }
  std::optional<ApiError> failed = remote_proxy_->Generate(target, path, body, [&](const Event& e) {
    if (e.type == Event::Type::kToken) ++generated_tokens_;
    return on_event(e);
  });
  if (failed) return answer(std::move(*failed));
  return true;
}

}  // namespace inferno::server
