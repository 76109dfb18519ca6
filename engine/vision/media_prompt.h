// Where images go in a prompt, as llama.cpp's mtmd_tokenize places them: the prompt is split at
// each media marker (`<__media__>`), every text part tokenized on its own (special tokens
// parsed, no BOS), the image's tokens between them wrapped in the projector's begin/end text
// (Gemma 3: <start_of_image> ... <end_of_image>, Qwen-VL: <|vision_start|> ... <|vision_end|>),
// BOS first and EOS last per the vocabulary.
// Without a marker the image goes before the text, as llama-mtmd-cli puts it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/sequence.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/vision/encoder.h"
#include "engine/vision/mmproj_config.h"

namespace inferno::vision {

inline constexpr std::string_view kMediaMarker = "<__media__>";

// Sets req->prompt_tokens (image positions hold placeholder id 0) and req->media from the
// prompt and one span per image, in order, holding its embeddings ([tokens][n_embd_out]) or the
// source that computes them (PendingImage); PlaceImages sets where each goes, its attention,
// and its length when the span has none yet (the fixed-size projectors' tokens_per_image).
// InvalidArgument when the markers and images do not pair up.
Status PlaceImages(const Tokenizer& tok, const VisionConfig& c, std::string_view prompt,
                   std::vector<MediaSpan> images, GenerateRequest* req);

// An image to be encoded by `encoder` when the runner reaches it, keyed by its pixels' hash,
// with its token count (and for Qwen-VL its M-RoPE grid) for its size.
MediaSpan PendingImage(std::shared_ptr<const VisionEncoder> encoder, media::Image image);

}  // namespace inferno::vision
