// `inferno run`: generate from a prompt on the command line. Text mode streams the
// completion to stdout and the timings to stderr; --json prints the engine's event stream
// as JSON Lines (DESIGN §4).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/text_util.h"
#include "engine/model/model.h"
#include "engine/request/event_json.h"
#include "engine/runtime/session.h"
#include "engine/threads/thread_pool.h"

namespace inferno::cli {
namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string file;
  std::string system;
  int n_predict = 128;
  float temperature = 0.8f;
  int top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int64_t seed = -1;
  int threads = 0;
  int ctx_size = 4096;
  int batch_size = 256;
  bool chat = false;
  bool json = false;
  bool ignore_eos = false;
  int top_logits = 0;
  std::vector<std::string> stop;
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
      break;
    case Event::Type::kToken:
    case Event::Type::kDone:
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
      }
      break;
    case Event::Type::kError:
      break;  // reported by the caller from the returned Status
  }
  return true;
}

int RunGenerate(const RunOptions& o) {
  GenerateRequest req;
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
  req.max_tokens = o.n_predict;
  req.stop = o.stop;
  req.ignore_eos = o.ignore_eos;
  req.top_k_events = o.top_logits;
  req.sampling.temperature = o.temperature;
  req.sampling.top_k = o.top_k;
  req.sampling.top_p = o.top_p;
  req.sampling.min_p = o.min_p;
  req.sampling.repeat_penalty = o.repeat_penalty;
  req.sampling.presence_penalty = o.presence_penalty;
  req.sampling.frequency_penalty = o.frequency_penalty;
  if (o.seed >= 0) req.sampling.seed = uint64_t(o.seed);

  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) {
    fmt::print(stderr, "error: {}\n", model.status().message());
    return 1;
  }
  if (o.chat && !o.json) {
    const ChatTemplate tmpl = ChatTemplate::Detect((*model)->chat_template());
    if (!tmpl.warning.empty()) fmt::print(stderr, "warning: {}\n", tmpl.warning);
  }
  ThreadPool pool(o.threads > 0 ? o.threads : DefaultThreads());
  SessionOptions so;
  so.n_ctx = o.ctx_size;
  so.n_batch = o.batch_size;
  Session session(**model, pool, so);
  const Status st = session.Generate(req, o.json ? EventSink(EmitJson) : EventSink(EmitText));
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
  cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
  auto* p = cmd->add_option("-p,--prompt", o->prompt, "Prompt text");
  auto* f = cmd->add_option("-f,--file", o->file, "Read the prompt from a file");
  p->excludes(f);
  cmd->add_option("-n,--n-predict", o->n_predict, "Tokens to generate")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--temp", o->temperature, "Temperature (0 = greedy)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--top-k", o->top_k, "Top-k (0 = off)")->capture_default_str();
  cmd->add_option("--top-p", o->top_p, "Top-p (1 = off)")->capture_default_str();
  cmd->add_option("--min-p", o->min_p, "Min-p (0 = off)")->capture_default_str();
  cmd->add_option("--repeat-penalty", o->repeat_penalty, "Repeat penalty (1 = off)")
      ->capture_default_str();
  cmd->add_option("--presence-penalty", o->presence_penalty, "Presence penalty")
      ->capture_default_str();
  cmd->add_option("--frequency-penalty", o->frequency_penalty, "Frequency penalty")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (-1 = random)")->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("-c,--ctx-size", o->ctx_size, "Context size in tokens")
      ->capture_default_str()
      ->check(CLI::Range(8, 1 << 20));
  cmd->add_option("-b,--batch-size", o->batch_size, "Prompt tokens per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 8192));
  cmd->add_flag("--chat", o->chat, "Wrap the prompt in the model's chat template");
  cmd->add_option("--system", o->system, "System prompt (with --chat)");
  cmd->add_option("--stop", o->stop, "Stop string (repeatable)");
  cmd->add_flag("--ignore-eos", o->ignore_eos, "Keep generating after end-of-sequence");
  cmd->add_flag("--json", o->json, "Print the event stream as JSON Lines");
  cmd->add_option("--top-logits", o->top_logits, "Attach the K most likely tokens to each step")
      ->check(CLI::Range(0, 100));
  cmd->callback([o, exit_code] {
    if (o->prompt.empty() && o->file.empty()) {
      fmt::print(stderr, "error: give a prompt with -p TEXT or -f FILE\n");
      *exit_code = 2;
      return;
    }
    *exit_code = RunGenerate(*o);
  });
}

}  // namespace inferno::cli
