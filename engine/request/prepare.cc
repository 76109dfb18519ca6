#include "engine/request/prepare.h"

#include <string>

#include "engine/request/reasoning.h"
#include "engine/request/tool_calls.h"
#include "engine/runtime/probes.h"
#include "engine/vision/media_prompt.h"

namespace inferno::request {
namespace {

// The field a prompt error concerns, as the client sent the prompt.
const char* PromptField(const GenerateRequest& req) {
  if (!req.prompt_tokens.empty()) return "prompt_tokens";
  if (!req.suffix.empty()) return "suffix";
  return req.messages.empty() ? "prompt" : "messages";
}

// "image 2", with its name when it is not inline data (a path, a URL).
std::string ImageName(const std::string& ref, size_t i) {
  std::string name = "image " + std::to_string(i + 1);
  if (ref.rfind("data:", 0) != 0) name += " (" + ref.substr(0, 120) + ")";
  return name;
}

// The prompt with its images in place: each read and decoded, then the rendered prompt split at
// the markers (engine/vision/media_prompt.h). Sets req.prompt_tokens and req.media.
std::optional<RequestError> PlaceRequestImages(const Model& model, GenerateRequest& req,
                                               const VisionInput& vision,
                                               const std::string& field) {
  if (!vision.encoder) {
    return RequestError{ErrorCode::kInvalidField, field,
                        "this model reads no images: it has no vision encoder (mmproj) beside "
                        "it; send text only, or use a vision model"};
  }
  if (!req.prompt_tokens.empty() || !req.suffix.empty()) {
    return RequestError{ErrorCode::kInvalidField, field,
                        "images go with a text prompt or messages, not prompt_tokens or suffix"};
  }
  std::vector<MediaSpan> spans;
  for (size_t i = 0; i < req.images.size(); ++i) {
    Result<media::Image> img = ReadImage(req.images[i], vision.fetch);
    if (!img.ok()) {
      return RequestError{ErrorCode::kInvalidField, field,
                          ImageName(req.images[i], i) + ": " + img.status().message()};
    }
    spans.push_back(vision::PendingImage(vision.encoder, std::move(*img)));
  }
  Result<std::string> text = PromptText(model, req);
  if (!text.ok()) return RequestError{ErrorCode::kEmptyPrompt, field, text.status().message()};
  if (Status st = vision::PlaceImages(model.tokenizer(), vision.encoder->config(), *text,
                                      std::move(spans), &req);
      !st.ok()) {
    return RequestError{ErrorCode::kInvalidField, field, st.message()};
  }
  return std::nullopt;
}

}  // namespace

Status CheckVisionFits(const vision::VisionConfig& c, const ModelConfig& model) {
  if (c.n_embd_out == model.n_embd) return Status::Ok();
  return Status::InvalidArgument("the mmproj gives embeddings of " + std::to_string(c.n_embd_out) +
                                 ", but the model's embedding_length is " +
                                 std::to_string(model.n_embd));
}

std::optional<RequestError> Prepare(const Model& model, GenerateRequest& req, int n_ctx,
                                    const VisionInput& vision) {
  const std::string field = PromptField(req);
  if (Status st = CheckGenerates(model.config()); !st.ok()) {
    return RequestError{ErrorCode::kInvalidField, "model", st.message()};
  }
  if (auto err = SetUpTools(model, req)) return err;
  req.media.clear();
  if (!req.images.empty()) {
    if (auto err = PlaceRequestImages(model, req, vision, field)) return err;
    if (req.probes.prompt_surprisal) {
      return RequestError{ErrorCode::kProbeNotPossible, "probes",
                          "prompt surprisal is not computed over images; send the prompt without "
                          "them"};
    }
  }
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
