// Prompt assembly around images (see media_prompt.h); mtmd.cpp's mtmd_tokenizer is the
// reference for the order of the pieces and how each is tokenized.
#include "engine/vision/media_prompt.h"

#include <tuple>

namespace inferno::vision {

namespace {

// The text mtmd puts around an image's tokens for the projector.
std::pair<std::string_view, std::string_view> ImageWrapping(Projector p) {
  switch (p) {
    case Projector::kGemma3:
      return {"<start_of_image>", "<end_of_image>"};
    case Projector::kQwen2Vl:
    case Projector::kQwen25Vl:
      return {"<|vision_start|>", "<|vision_end|>"};
    case Projector::kMlp:
      break;
  }
  return {"", ""};
}

std::vector<std::string_view> SplitAtMarkers(std::string_view prompt) {
  std::vector<std::string_view> parts;
  for (size_t at; (at = prompt.find(kMediaMarker)) != std::string_view::npos;) {
    parts.push_back(prompt.substr(0, at));
    prompt.remove_prefix(at + kMediaMarker.size());
  }
  parts.push_back(prompt);
  return parts;
}

void AppendText(const Tokenizer& tok, std::string_view text, std::vector<int32_t>* out) {
  if (text.empty()) return;
  const std::vector<int32_t> ids = tok.Encode(text, /*add_special=*/false, /*parse_special=*/true);
  out->insert(out->end(), ids.begin(), ids.end());
}

class ImageEmbedder : public MediaEmbedder {
 public:
  ImageEmbedder(std::shared_ptr<const VisionEncoder> encoder, media::Image image)
      : encoder_(std::move(encoder)), image_(std::move(image)) {}
  std::vector<float> Embed(ThreadPool& pool) const override {
    return encoder_->Encode(pool, image_);
  }

 private:
  std::shared_ptr<const VisionEncoder> encoder_;
  media::Image image_;
};

}  // namespace

MediaSpan PendingImage(std::shared_ptr<const VisionEncoder> encoder, media::Image image) {
  MediaSpan span;
  const int size[2] = {image.width, image.height};
  span.content_hash = MediaContentHash(
      MediaContentHash(kMediaHashSeed,
                       std::span(reinterpret_cast<const uint8_t*>(size), sizeof size)),
      image.rgb);
  const VisionConfig& c = encoder->config();
  const TokenGrid grid = TokenGridFor(c, image.width, image.height);
  span.n_tokens = grid.n_tokens();
  span.grid_cols = grid.cols;
  span.grid_rows = grid.rows;
  span.mrope = c.mrope();
  span.source = std::make_shared<ImageEmbedder>(std::move(encoder), std::move(image));
  return span;
}

Status PlaceImages(const Tokenizer& tok, const VisionConfig& c, std::string_view prompt,
                   std::vector<MediaSpan> images, GenerateRequest* req) {
  std::string with_marker;
  if (prompt.find(kMediaMarker) == std::string_view::npos && !images.empty()) {
    with_marker = std::string(kMediaMarker) + std::string(prompt);
    prompt = with_marker;
  }
  const std::vector<std::string_view> parts = SplitAtMarkers(prompt);
  if (parts.size() != images.size() + 1) {
    return Status::InvalidArgument("the prompt has " + std::to_string(parts.size() - 1) +
                                   " image markers (" + std::string(kMediaMarker) + ") for " +
                                   std::to_string(images.size()) + " images");
  }
  const auto [begin, end] = ImageWrapping(c.projector);
  std::vector<int32_t> ids;
  if (tok.add_bos() && tok.bos() >= 0) ids.push_back(tok.bos());
  req->media.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    AppendText(tok, parts[i], &ids);
    if (i == images.size()) break;
    AppendText(tok, begin, &ids);
    MediaSpan& span = req->media.emplace_back(std::move(images[i]));
    span.first = int(ids.size());
    if (span.n_tokens == 0) {  // not made by PendingImage: the projector's fixed grid
      span.n_tokens = c.tokens_per_image();
      std::tie(span.grid_rows, span.grid_cols) = c.token_grid();
    }
    span.bidirectional = c.projector == Projector::kGemma3;
    ids.insert(ids.end(), size_t(span.n_tokens), 0);
    AppendText(tok, end, &ids);
  }
  if (tok.add_eos() && tok.eos() >= 0) ids.push_back(tok.eos());
  req->prompt_tokens = std::move(ids);
  return Status::Ok();
}

}  // namespace inferno::vision
