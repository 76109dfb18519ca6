// The image and audio categories of the benchmark suite, measured inside `inferno bench-worker`
// like the text one (bench/suite.h): a vision model (language model + its mmproj) on one
// picture scaled to each size, and a speech model on clips of each length, cut at run time
// from one recording by the engine's own image and audio code so every machine measures the
// same input.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/audio/audio.h"
#include "engine/media/image.h"
#include "engine/util/status.h"

namespace inferno::bench {

struct WorkerOptions;

// Writes {"type":"model",...} then, per size and repetition, {"type":"rep","size":px,...} with
// encoder_ms (the vision encoder alone), image_tokens, prompt_tokens (text + image), prefill
// and decode tokens/s, ttft_ms (encoding included: the picture arrives as pixels) and
// total_ms. options.model is the language model, options.mmproj its vision encoder,
// options.media the picture, options.sizes the long sides in pixels.
Status RunImageWorker(const WorkerOptions& options,
                      const std::function<void(const std::string&)>& emit);

// Writes {"type":"model",...} then, per clip length and repetition, {"type":"rep","size":s,...}
// with audio_seconds, total_ms (the whole transcription), rtf and generated_tokens.
// options.model is a whisper.cpp model file, options.media the recording, options.sizes the
// clip lengths in seconds.
Status RunAudioWorker(const WorkerOptions& options,
                      const std::function<void(const std::string&)>& emit);

// `img` scaled (bilinear, aspect ratio kept) so that its longer side is `long_side` pixels.
media::Image ScaleToLongSide(const media::Image& img, int long_side);

// The first `seconds` of `samples` at audio::kSampleRate; a shorter recording is repeated
// until the clip is long enough, so every length exists whatever the recording's length.
std::vector<float> CutClip(const std::vector<float>& samples, double seconds);

}  // namespace inferno::bench
