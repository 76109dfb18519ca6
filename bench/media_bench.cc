#include "bench/media_bench.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "bench/suite.h"
#include "engine/audio/transcribe.h"
#include "engine/audio/whisper_model.h"
#include "engine/model/model_summary.h"
#include "engine/request/prepare.h"
#include "engine/runtime/session.h"
#include "engine/vision/encoder.h"
#include "engine/vision/media_prompt.h"
#include "engine/vision/preprocess.h"

namespace inferno::bench {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double FileBytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : double(n);
}

// The request of the image category: the picture first, then the question, as a raw prompt
// (no chat template: every model gets the same text).
constexpr const char* kImagePrompt = "<__media__>Describe this image.";

// The vision model under test: the language model, its encoder and one session sized for the
// longest prompt.
struct VisionBench {
  std::unique_ptr<Model> model;
  std::shared_ptr<const vision::VisionEncoder> encoder;
};

Result<VisionBench> OpenVisionBench(const WorkerOptions& o) {
  if (o.mmproj.empty()) return Status::InvalidArgument(o.model + ": no mmproj to pair it with");
  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) return model.status();
  Result<std::unique_ptr<vision::VisionEncoder>> enc = vision::VisionEncoder::Open(o.mmproj);
  if (!enc.ok()) return enc.status();
  if (Status st = request::CheckVisionFits((*enc)->config(), (*model)->config()); !st.ok()) {
    return Status::InvalidArgument(o.mmproj + " does not go with " + o.model + ": " + st.message());
  }
  return VisionBench{std::move(*model), std::move(*enc)};
}

// One timed request: encode the picture, place it in the prompt, generate. Encoding counts in
// the time to first token and the total, as a client sending pixels waits for it.
Result<json::object> ImageRep(const VisionBench& vb, Session& session, ThreadPool& pool,
                              const media::Image& img, int generate_tokens) {
  const Clock::time_point start = Clock::now();
  MediaSpan span = vision::PendingImage(vb.encoder, img);
  span.embeddings = vb.encoder->Encode(pool, img);
  const double encoder_ms = MsSince(start);
  GenerateRequest req;
  INFERNO_RETURN_IF_ERROR(vision::PlaceImages(vb.model->tokenizer(), vb.encoder->config(),
                                              kImagePrompt, {std::move(span)}, &req));
  const int image_tokens = req.media.empty() ? 0 : req.media[0].n_tokens;
  req.max_tokens = generate_tokens;
  req.sampling.temperature = 0;
  req.ignore_eos = true;  // always the same number of decode steps
  Timings t;
  INFERNO_RETURN_IF_ERROR(session.Generate(req, [&](const Event& e) {
    if (e.type == Event::Type::kDone) t = e.timings;
    return true;
  }));
  return json::object{{"type", "rep"},
                      {"encoder_ms", encoder_ms},
                      {"image_tokens", image_tokens},
                      {"prompt_tokens", t.prompt_tokens},
                      {"generated_tokens", t.generated_tokens},
                      {"ttft_ms", encoder_ms + t.ttft_ms},
                      {"prompt_ms", t.prompt_ms},
                      {"prefill_tps", t.prompt_tokens_per_second()},
                      {"decode_tps", t.decode_tokens_per_second()},
                      {"total_ms", MsSince(start)}};
}

void EmitModel(const std::function<void(const std::string&)>& emit, json::object info) {
  info.emplace("type", "model");
  emit(json::serialize(info));
}

}  // namespace

media::Image ScaleToLongSide(const media::Image& img, int long_side) {
  const int longer = std::max(img.width, img.height);
  const double scale = longer > 0 ? double(long_side) / longer : 1;
  const int w = std::max(1, int(std::lround(img.width * scale)));
  const int h = std::max(1, int(std::lround(img.height * scale)));
  return vision::ResizeBilinear(img, w, h);
}

std::vector<float> CutClip(const std::vector<float>& samples, double seconds) {
  const size_t n = size_t(std::lround(seconds * audio::kSampleRate));
  std::vector<float> clip;
  if (samples.empty()) return clip;
  clip.reserve(n);
  while (clip.size() < n) {
    const size_t take = std::min(n - clip.size(), samples.size());
    clip.insert(clip.end(), samples.begin(), samples.begin() + ptrdiff_t(take));
  }
  return clip;
}

Status RunImageWorker(const WorkerOptions& o, const std::function<void(const std::string&)>& emit) {
  Result<media::Image> photo = media::LoadImageFile(o.media);
  if (!photo.ok()) return photo.status();
  Result<VisionBench> vb = OpenVisionBench(o);
  if (!vb.ok()) return vb.status();
  const ModelSummary summary = SummarizeModel(vb->model->file());
  EmitModel(emit, {{"architecture", summary.architecture},
                   {"quant", summary.quant},
                   {"size_bytes", FileBytes(o.model) + FileBytes(o.mmproj)},
                   {"params", summary.parameters},
                   {"load_ms", vb->model->load_ms()},
                   {"mmproj_path", o.mmproj}});
  const int image_tokens = vb->encoder->config().tokens_per_image();
  SessionOptions so;
  so.n_ctx = image_tokens + 64 + o.generate_tokens + 1;  // the question and BOS fit in 64
  so.n_ctx = std::min(so.n_ctx, vb->model->config().n_ctx_train);
  so.n_batch = std::max(512, image_tokens);  // an image is evaluated as one batch
  ThreadPool pool(std::max(1, o.threads));
  Session session(*vb->model, pool, so);
  // Warm-up: page in both files and size the buffers.
  INFERNO_RETURN_IF_ERROR(ImageRep(*vb, session, pool, *photo, 2).status());
  for (int px : o.prompt_sizes) {
    const media::Image img = ScaleToLongSide(*photo, px);
    for (int r = 0; r < o.repetitions; ++r) {
      Result<json::object> rep = ImageRep(*vb, session, pool, img, o.generate_tokens);
      if (!rep.ok()) return rep.status();
      rep->emplace("size", px);
      rep->emplace("image_px", px);
      rep->emplace("rep", r);
      emit(json::serialize(*rep));
    }
  }
  return Status::Ok();
}

Status RunAudioWorker(const WorkerOptions& o, const std::function<void(const std::string&)>& emit) {
  Result<audio::Audio> recording = audio::LoadAudioFile(o.media);
  if (!recording.ok()) return recording.status();
  const Clock::time_point load_start = Clock::now();
  Result<std::unique_ptr<audio::WhisperModel>> model = audio::WhisperModel::Load(o.model);
  if (!model.ok()) return model.status();
  const double load_ms = MsSince(load_start);
  double params = 0;
  for (const gguf::TensorInfo& t : (*model)->file().tensors()) params += double(t.n_elements);
  EmitModel(emit, {{"architecture", "whisper-" + (*model)->file().SizeName()},
                   {"quant", DominantType((*model)->file().tensors())},
                   {"size_bytes", FileBytes(o.model)},
                   {"params", params},
                   {"load_ms", load_ms}});
  ThreadPool pool(std::max(1, o.threads));
  auto transcribe = [&](const std::vector<float>& clip, int* tokens) -> Status {
    Result<audio::Transcript> t = audio::Transcribe(pool, **model, clip, {.language = "en"});
    if (!t.ok()) return t.status();
    *tokens = 0;
    for (const audio::Segment& s : t->segments) *tokens += int(s.tokens.size());
    return Status::Ok();
  };
  int tokens = 0;
  INFERNO_RETURN_IF_ERROR(transcribe(CutClip(recording->samples, 1), &tokens));  // warm-up
  for (int seconds : o.prompt_sizes) {
    const std::vector<float> clip = CutClip(recording->samples, seconds);
    for (int r = 0; r < o.repetitions; ++r) {
      const Clock::time_point start = Clock::now();
      INFERNO_RETURN_IF_ERROR(transcribe(clip, &tokens));
      const double ms = MsSince(start);
      emit(json::serialize(json::object{{"type", "rep"},
                                        {"size", seconds},
                                        {"rep", r},
                                        {"audio_seconds", double(seconds)},
                                        {"generated_tokens", tokens},
                                        {"total_ms", ms},
                                        {"rtf", ms / 1000.0 / seconds}}));
    }
  }
  return Status::Ok();
}

}  // namespace inferno::bench
