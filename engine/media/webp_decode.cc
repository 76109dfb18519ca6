// WebP through libwebp (Google's reference decoder, Debian's libwebp7; llama.cpp's stb_image
// has no WebP). Still images decode straight into RGBA; animated ones give their first frame
// through libwebpdemux's WebPAnimDecoder, which composes it on the canvas as a viewer would.
#include <webp/decode.h>
#include <webp/demux.h>

#include <memory>
#include <string>

#include "engine/media/image_codecs.h"

namespace inferno::media::internal {

namespace {

std::string FeatureError(VP8StatusCode code) {
  switch (code) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "file is truncated";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    default:
      return "corrupt header (libwebp status " + std::to_string(int(code)) + ")";
  }
}

Result<Image> FirstAnimationFrame(std::span<const uint8_t> data) {
  WebPData bytes{data.data(), data.size()};
  WebPAnimDecoderOptions opts;
  if (!WebPAnimDecoderOptionsInit(&opts)) return Status::Unsupported("WebP: libwebp too old");
  opts.color_mode = MODE_RGBA;
  opts.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, void (*)(WebPAnimDecoder*)> dec(
      WebPAnimDecoderNew(&bytes, &opts), WebPAnimDecoderDelete);
  WebPAnimInfo info;
  if (dec == nullptr || !WebPAnimDecoderGetInfo(dec.get(), &info)) {
    return Status::Corruption("WebP: corrupt animation");
  }
  uint8_t* frame = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(dec.get(), &frame, &timestamp)) {
    return Status::Corruption("WebP: cannot decode the first animation frame");
  }
  const size_t n = size_t(info.canvas_width) * info.canvas_height * 4;
  return CompositeOnWhite(int(info.canvas_width), int(info.canvas_height),
                          std::span<const uint8_t>(frame, n));
}

}  // namespace

Result<Image> DecodeWebp(std::span<const uint8_t> data, const DecodeOptions& options) {
  WebPBitstreamFeatures features;
  VP8StatusCode code = WebPGetFeatures(data.data(), data.size(), &features);
  if (code != VP8_STATUS_OK) {
    return code == VP8_STATUS_UNSUPPORTED_FEATURE
               ? Status::Unsupported("WebP: " + FeatureError(code))
               : Status::Corruption("WebP: " + FeatureError(code));
  }
  INFERNO_RETURN_IF_ERROR(CheckDimensions("WebP", features.width, features.height, options));
  if (features.has_animation) return FirstAnimationFrame(data);
  std::vector<uint8_t> rgba(size_t(features.width) * features.height * 4);
  if (WebPDecodeRGBAInto(data.data(), data.size(), rgba.data(), rgba.size(), features.width * 4) ==
      nullptr) {
    return Status::Corruption("WebP: corrupt or truncated image data");
  }
  return CompositeOnWhite(features.width, features.height, rgba);
}

}  // namespace inferno::media::internal
