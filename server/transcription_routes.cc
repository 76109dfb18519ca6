#include "server/transcription_routes.h"

#include "server/errors.h"
#include "server/transcription_api.h"

namespace inferno::server {
namespace {

constexpr std::string_view kTranscriptions = "/v1/audio/transcriptions";
constexpr std::string_view kTranslations = "/v1/audio/translations";

Response ErrorOf(const ApiError& e) { return ErrorResponse(e.status, e.message, e.code, e.param); }

// A name that is no speech model: a chat model's gets a 400 saying so, anything else a 404.
ApiError UnknownSpeechModel(const std::string& name, const Status& why, ModelRegistry& registry) {
  for (const ModelInfo& m : registry.List()) {
    if (m.id == name) {
      return ApiError{400,
                      "model '" + name +
                          "' is a chat model; transcription needs a speech model (a "
                          "whisper.cpp file, \"kind\": \"speech\" in /v1/models)",
                      "model", "model_not_supported"};
    }
  }
  return ApiError{404, why.message(), "model", "model_not_found"};
}

// Streams the run's segments as server-sent events; the stream starts with the first segment,
// so an error before it (bad audio, a model that does not load) is still a plain error answer.
void Stream(const TranscriptionCall& call, SpeechRun& run, Admission::Admitted& place,
            ResponseWriter& w) {
  bool sent_text = false;
  for (int index = 0;; ++index) {
    SpeechRun::Item item = run.Next();
    if (item.segment) {
      if (!w.started() &&
          !w.StartStream(200, "text/event-stream", {{"cache-control", "no-cache"}})) {
        run.Abandon();
        return;
      }
      const bool first = !sent_text;
      sent_text = sent_text || item.segment->text.find_first_not_of(" \t\n") != std::string::npos;
      if (!w.Write(DeltaEvent(call, *item.segment, index, first, item.model->vocab()))) {
        run.Abandon();
        return;
      }
      continue;
    }
    place.Release();
    if (item.error && !w.started()) return w.Send(ErrorOf(*item.error));
    if (!w.started()) w.StartStream(200, "text/event-stream", {{"cache-control", "no-cache"}});
    if (item.error) {
      w.Write(ErrorEvent(*item.error));
    } else {
      const SpeechOutcome& o = *item.outcome;
      w.Write(DoneEvent(call, o.transcript, o.model->vocab(), o.seconds));
    }
    return w.EndStream();
  }
}

void Collect(const TranscriptionCall& call, SpeechRun& run, Admission::Admitted& place,
             ResponseWriter& w) {
  for (;;) {
    SpeechRun::Item item = run.Next();
    if (item.segment) continue;
    place.Release();
    if (item.error) return w.Send(ErrorOf(*item.error));
    const SpeechOutcome& o = *item.outcome;
    Response r;
    r.body = TranscriptionBody(call, o.transcript, o.model->vocab(), o.seconds, &r.content_type);
    return w.Send(std::move(r));
  }
}

void Serve(const Request& r, ResponseWriter& w, bool translate, SpeechService& speech,
           ModelRegistry& registry, Admission& admission) {
  TranscriptionCall call;
  if (auto err = ParseTranscriptionCall(r.header("content-type"), r.body, translate, &call)) {
    return w.Send(ErrorOf(*err));
  }
  Result<std::string> id = speech.models().Resolve(call.model);
  if (!id.ok()) return w.Send(ErrorOf(UnknownSpeechModel(call.model, id.status(), registry)));
  std::string refusal;
  std::optional<Admission::Admitted> place = admission.TakePlace(ClientOf(r), &refusal);
  if (!place) return w.Send(RefusedResponse(refusal));
  SpeechJob job{.model_id = *id, .audio = std::move(call.file)};
  job.options.language = call.language;
  job.options.translate = translate;
  job.options.temperature = call.temperature;
  job.options.prompt = std::move(call.prompt);
  std::shared_ptr<SpeechRun> run = speech.Submit(std::move(job), &refusal);
  if (!run) return w.Send(RefusedResponse(refusal));
  if (call.stream) return Stream(call, *run, *place, w);
  Collect(call, *run, *place, w);
}

}  // namespace

void AddTranscriptionRoutes(Router& routes, SpeechService& speech, ModelRegistry& registry,
                            Admission& admission) {
  for (const bool translate : {false, true}) {
    routes.Add("POST", std::string(translate ? kTranslations : kTranscriptions),
               [&speech, &registry, &admission, translate](const Request& r, const PathParams&,
                                                           ResponseWriter& w) {
                 Serve(r, w, translate, speech, registry, admission);
               });
  }
}

}  // namespace inferno::server
