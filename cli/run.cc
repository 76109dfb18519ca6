// `inferno run`: generate from a prompt on the command line. Text mode streams the
// completion to stdout and the timings to stderr; --json prints the engine's event stream
// as JSON Lines (DESIGN §4). With --mmproj and --image, the images' embeddings go where the
// prompt holds <__media__> (engine/vision/media_prompt.h), else first (with --chat: first in
// the user's message).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/kv_cache_flags.h"
#include "cli/model_files.h"
#include "cli/request_flags.h"
#include "cli/spec_flags.h"
#include "cli/text_util.h"
#include "engine/model/model.h"
#include "engine/request/event_json.h"
#include "engine/request/prepare.h"
#include "engine/runtime/session.h"
#include "engine/threads/thread_pool.h"
#include "engine/vision/encoder.h"
#include "engine/vision/media_prompt.h"

namespace inferno::cli {
namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string file;
  std::string system;
  RequestFlags request;  // sampling, max_tokens, stop...: the request schema's flags
  SpecFlags spec;
  int threads = 0;
  int ctx_size = 4096;
  int batch_size = 256;
  bool chat = false;
  bool json = false;
  KvCacheFlags kv;
  std::string mmproj;
  std::vector<std::string> images;
};

void PrintJsonLine(const boost::json::object& o) {
  const std::string line = boost::json::serialize(o);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// JSON Lines: the shared event encoder in DESIGN §4's format, with `type` first.
bool EmitJson(const Event& e) {
  namespace ej = event_json;
  switch (e.type) {
    case Event::Type::kPrompt:
      PrintJsonLine(ej::PromptJson(e, /*tok=*/nullptr, {{"type", "prompt"}}));
      break;
    case Event::Type::kToken:
      PrintJsonLine(ej::TokenJson(e, ej::kRunToken, {}, {{"type", "token"}}));
      break;
    case Event::Type::kPromptScores:
    case Event::Type::kPromptAttention:
    case Event::Type::kPromptRouter:
      break;  // not asked for by `run`
    case Event::Type::kError:
      PrintJsonLine(ej::ErrorJson(e, {{"type", "error"}}));
      break;
    case Event::Type::kDone:
      PrintJsonLine(ej::DoneJson(e, ej::kRunDone, {{"type", "done"}}));
      break;
  }
  return true;
}

// Plain text encoder: the completion on stdout, a summary on stderr.
bool EmitText(const Event& e) {
  switch (e.type) {
    case Event::Type::kPrompt:
    case Event::Type::kPromptScores:
    case Event::Type::kPromptAttention:
    case Event::Type::kPromptRouter:
      break;
    case Event::Type::kToken:
    case Event::Type::kDone:
      // --reasoning-format auto: the thought on stderr, the answer alone on stdout.
      if (!e.reasoning.empty()) std::fwrite(e.reasoning.data(), 1, e.reasoning.size(), stderr);
      if (!e.text.empty()) {
        std::fwrite(e.text.data(), 1, e.text.size(), stdout);
        std::fflush(stdout);
      }
      if (e.type == Event::Type::kDone) {
        const Timings& t = e.timings;
        std::fputc('\n', stdout);
        fmt::print(stderr,
                   "\n[load {:.0f} ms | prompt {} tokens, {:.1f} tok/s | generated {} tokens, "
                   "{:.1f} tok/s | first token {:.0f} ms | finish: {}]\n",
                   t.load_ms, t.prompt_tokens, t.prompt_tokens_per_second(), t.generated_tokens,
                   t.decode_tokens_per_second(), t.ttft_ms, e.finish_reason);
        if (t.media_ms > 0) {
          fmt::print(stderr, "[media encoded in {:.0f} ms, part of the first token's wait]\n",
                     t.media_ms);
        }
        if (t.drafted_tokens > 0) {
          fmt::print(stderr, "[speculative: {} drafted, {} accepted ({:.0f}%)]\n", t.drafted_tokens,
                     t.accepted_tokens, 100 * t.acceptance_rate());
        }
      }
      break;
    case Event::Type::kError:
      break;  // reported by the caller from the returned Status
  }
  return true;
}

// A request Prepare() refused: on stderr, and as the stream's error event with --json, as a
// failed generation reports it. Exit code 1: the input does not suit this model.
int ReportRequestError(const request::RequestError& err, const EventSink& sink) {
  Event e;
  e.type = Event::Type::kError;
  e.error = err.ToStatus();
  sink(e);
  fmt::print(stderr, "error: {}\n", err.message);
  return 1;
}

// `run` prints the model's text as it is, <think> tags included, unless asked to split it.
GenerateRequest RunDefaults() {
  GenerateRequest req;
  req.reasoning_format = ReasoningFormat::kNone;
  return req;
}

// The mmproj's encoder, checked against the model; the images, named by path, are read as
// files when Prepare() reads them (engine/request/image_input.h).
Result<request::VisionInput> OpenVision(const RunOptions& o, const Model& model) {
  Result<std::unique_ptr<vision::VisionEncoder>> enc = vision::VisionEncoder::Open(o.mmproj);
  if (!enc.ok()) return enc.status();
  if (Status st = request::CheckVisionFits((*enc)->config(), model.config()); !st.ok()) {
    return Status::InvalidArgument(o.mmproj + " does not go with " + o.model + ": " + st.message());
  }
  return request::VisionInput{std::move(*enc),
                              [](const std::string& path) { return ReadFile(path); }};
}

// --chat puts the images in the user's message, before its text unless it places them with
// <__media__> itself, as llama-mtmd-cli does; a raw prompt without markers gets them first.
void AttachImages(const RunOptions& o, GenerateRequest* req) {
  req->images = o.images;
  if (!o.chat || req->prompt.find(vision::kMediaMarker) != std::string::npos) return;
  std::string markers;
  for (size_t i = 0; i < o.images.size(); ++i) markers += vision::kMediaMarker;
  req->messages.back().content.insert(0, markers);
}

int RunGenerate(const RunOptions& o) {
  GenerateRequest req = RunDefaults();
  if (!o.file.empty()) {
    Result<std::string> content = ReadFile(o.file);
    if (!content.ok()) {
      fmt::print(stderr, "error: {}\n", content.status().message());
      return 1;
    }
    req.prompt = *content;
  } else {
    req.prompt = o.prompt;
  }
  if (o.chat) {
    if (!o.system.empty()) req.messages.push_back({"system", o.system});
    req.messages.push_back({"user", req.prompt});
  }
  if (Status st = o.request.Apply(&req); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 2;
  }

  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) {
    fmt::print(stderr, "error: {}\n", model.status().message());
    return 1;
  }
  if (o.chat && !o.json) {
    const ChatTemplate tmpl = ChatTemplate::Detect((*model)->chat_template());
    if (!tmpl.warning.empty()) fmt::print(stderr, "warning: {}\n", tmpl.warning);
  }
  if (Status st = CheckKvCacheTypes((*model)->config(), o.kv.Types()); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 2;
  }
  ThreadPool pool(o.threads > 0 ? o.threads : DefaultThreads());
  SessionOptions so;
  so.kv_types = o.kv.Types();
  so.n_ctx = o.ctx_size;
  so.n_batch = o.batch_size;
  Result<SpecOptions> spec = o.spec.Resolve(model->get());
  if (!spec.ok()) {
    fmt::print(stderr, "error: {}\n", spec.status().message());
    return 1;
  }
  so.spec = *spec;
  request::VisionInput vision;
  if (!o.images.empty()) {
    Result<request::VisionInput> opened = OpenVision(o, **model);
    if (!opened.ok()) {
      fmt::print(stderr, "error: {}\n", opened.status().message());
      return 1;
    }
    vision = std::move(*opened);
    AttachImages(o, &req);
  }
  Session session(**model, pool, so);
  if (!session.spec_note().empty()) fmt::print(stderr, "note: {}\n", session.spec_note());
  const EventSink sink = o.json ? EventSink(EmitJson) : EventSink(EmitText);
  if (std::optional<request::RequestError> err =
          request::Prepare(**model, req, session.n_ctx(), vision)) {
    return ReportRequestError(*err, sink);
  }
  const Status st = session.Generate(req, sink);
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = root.add_subcommand("run", "Generate text from a prompt");
  cmd->add_option("-m,--model", o->model,
                  "GGUF model file (default: the bundled demo model, when it is installed)");
  auto* p = cmd->add_option("-p,--prompt", o->prompt, "Prompt text");
  auto* f = cmd->add_option("-f,--file", o->file, "Read the prompt from a file");
  p->excludes(f);
  // `run` prints no probe events but the alternatives (--top-logits).
  RequestFlags::Options flags;
  flags.groups = {request::Group::kTop, request::Group::kSampling, request::Group::kProbes};
  flags.skip = {request::FindField("full_logits", request::Group::kProbes),
                request::FindField("prompt_surprisal", request::Group::kProbes),
                request::FindField("router", request::Group::kProbes)};
  o->request.Add(cmd, RunDefaults(), flags);
  cmd->add_option("-t,--threads", o->threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("-c,--ctx-size", o->ctx_size, "Context size in tokens")
      ->capture_default_str()
      ->check(CLI::Range(8, 1 << 20));
  cmd->add_option("-b,--batch-size", o->batch_size, "Prompt tokens per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 8192));
  o->kv.Add(cmd);
  cmd->add_flag("--chat", o->chat, "Wrap the prompt in the model's chat template");
  cmd->add_option("--system", o->system, "System prompt (with --chat)");
  cmd->add_flag("--json", o->json, "Print the event stream as JSON Lines");
  o->spec.Add(cmd);
  cmd->add_option("--mmproj", o->mmproj, "Vision encoder and projector (mmproj GGUF)");
  cmd->add_option("--image", o->images,
                  "Image file (JPEG, PNG, WebP, GIF), placed at <__media__> in the prompt, else "
                  "before it; repeat for several");
  cmd->callback([o, exit_code] {
    if (o->model.empty()) o->model = DemoModelPath();
    if (o->model.empty()) {
      fmt::print(stderr, "error: give a model with -m FILE (no demo model is installed)\n");
      *exit_code = 2;
      return;
    }
    if (o->prompt.empty() && o->file.empty()) {
      fmt::print(stderr, "error: give a prompt with -p TEXT or -f FILE\n");
      *exit_code = 2;
      return;
    }
    if (!o->images.empty() && o->mmproj.empty()) {
      fmt::print(stderr, "error: --image needs --mmproj (the model's vision encoder)\n");
      *exit_code = 2;
      return;
    }
    *exit_code = RunGenerate(*o);
  });
}

}  // namespace inferno::cli
