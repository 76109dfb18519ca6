// Prepare(): the one place a request becomes ready to generate, for every front end. It
// sets up tool calling (tool_calls.h), tokenizes the prompt (the chat template applied to
// messages), checks that it fits the context with room for a generated token, that its token ids
// are in the vocabulary and that the asked probes are possible on this model, and stores the tokens
// in the request. Images (GenerateRequest::images) are read and decoded here, for every front end
// (engine/request/image_input.h), and placed at their markers in the rendered prompt with the
// number of tokens the model's vision encoder gives each: the context check counts them. They
// are encoded later, on the runner's threads (engine/runtime/media.h).
#pragma once

#include <memory>
#include <optional>

#include "engine/model/model.h"
#include "engine/request/error.h"
#include "engine/request/image_input.h"
#include "engine/runtime/sequence.h"
#include "engine/vision/encoder.h"

namespace inferno::request {

// What a model reads images with: its vision encoder (null: it reads none, and a request with
// images is refused) and how references other than data URLs are fetched (null: refused).
struct VisionInput {
  std::shared_ptr<const vision::VisionEncoder> encoder;
  ImageFetcher fetch;
};

// On success req.prompt_tokens holds the prompt (and req.media its images). `n_ctx`: the
// context each sequence gets.
std::optional<RequestError> Prepare(const Model& model, GenerateRequest& req, int n_ctx,
                                    const VisionInput& vision = {});

// Whether an mmproj's encoder feeds this model (its embeddings are the model's width).
Status CheckVisionFits(const vision::VisionConfig& c, const ModelConfig& model);

}  // namespace inferno::request
