// `inferno debug`: one debugger session on the command line. The settings are a WebSocket
// `start` message (built from the flags, or given whole with --request) parsed by the same
// code as the server, and the output is the same messages, one JSON object per line
// (docs/protocol.md), so scripts and the web UI see one format.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/text_util.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"
#include "server/debugger_protocol.h"

namespace inferno::cli {
namespace {

namespace json = boost::json;
namespace dbg = server::debugger;

struct DebugOptions {
  std::string model;
  std::string prompt;
  std::string file;
  std::string request;  // a whole start message (JSON); flags given too override its fields
  int n_predict = 32;
  float temperature = 0;
  int64_t seed = -1;
  int top_k = 10;
  bool attention = false;
  std::vector<int> attention_layers;
  std::vector<int> attention_heads;
  bool attention_prompt = false;
  int logit_lens = 0;
  bool full_logits = false;
  bool surprisal = false;
  bool ignore_eos = false;
  bool json = false;
  int threads = 0;
  int ctx_size = 2048;
};

void PrintLine(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

int RunDebug(const DebugOptions& o, CLI::App* cmd) {
  json::object start;
  if (!o.request.empty()) {
    json::error_code ec;
    json::value v = json::parse(o.request, ec);
    if (ec || !v.is_object()) {
      fmt::print(stderr, "error: --request must be a JSON object (a start message)\n");
      return 2;
    }
    start = std::move(v.as_object());
  }
  auto given = [&](const char* flag) { return cmd->count(flag) > 0 || o.request.empty(); };
  if (!o.file.empty()) {
    Result<std::string> content = ReadFile(o.file);
    if (!content.ok()) {
      fmt::print(stderr, "error: {}\n", content.status().message());
      return 1;
    }
    start["prompt"] = *content;
  } else if (!o.prompt.empty()) {
    start["prompt"] = o.prompt;
  }
  if (given("-n")) start["max_tokens"] = o.n_predict;
  if (cmd->count("--ignore-eos")) start["ignore_eos"] = true;
  json::value& sampling_v = start["sampling"];
  if (!sampling_v.is_object()) sampling_v.emplace_object();
  json::object& sampling = sampling_v.as_object();
  if (given("--temp")) sampling["temperature"] = o.temperature;
  if (o.seed >= 0) sampling["seed"] = o.seed;
  json::value& probes_v = start["probes"];
  if (!probes_v.is_object()) probes_v.emplace_object();
  json::object& probes = probes_v.as_object();
  if (given("--top-k")) probes["top_k"] = o.top_k;
  if (o.attention || o.attention_prompt || !o.attention_layers.empty() ||
      !o.attention_heads.empty()) {
    json::object a{{"layers", json::array(o.attention_layers.begin(), o.attention_layers.end())},
                   {"heads", json::array(o.attention_heads.begin(), o.attention_heads.end())}};
    // With --attention-prompt the per-token weights only when --attention asks for them too.
    if (o.attention_prompt) {
      a["prompt"] = true;
      if (!o.attention) a["tokens"] = false;
    }
    probes["attention"] = std::move(a);
  }
  if (o.logit_lens > 0) probes["logit_lens"] = json::object{{"top_k", o.logit_lens}};
  if (o.full_logits) probes["full_logits"] = true;
  if (o.surprisal) probes["prompt_surprisal"] = true;

  dbg::Limits limits;
  limits.max_tokens = 1 << 20;
  dbg::ClientMessage m;
  if (Status st = dbg::ParseStartFields(start, limits, &m); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 2;
  }
  if (m.binary) {
    fmt::print(stderr, "error: binary frames are for WebSocket clients; use format json\n");
    return 2;
  }
  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) {
    fmt::print(stderr, "error: {}\n", model.status().message());
    return 1;
  }
  ThreadPool pool(o.threads > 0 ? o.threads : DefaultThreads());
  SessionOptions so;
  so.n_ctx = o.ctx_size;
  Session session(**model, pool, so);
  const Tokenizer& tok = (*model)->tokenizer();
  const std::string id = "s1";
  int64_t seq = 0;
  start.erase("type");
  if (o.json) PrintLine(dbg::SessionJson(++seq, id, m.client_id, m.model, start, "", -1));
  const Status st = session.Generate(m.request, [&](const Event& e) {
    if (o.json) {
      for (const dbg::Frame& f : dbg::EncodeEvent(&seq, id, e, tok, false)) PrintLine(f.data);
    } else if (e.type == Event::Type::kToken) {
      std::string alts;
      for (size_t i = 1; i < e.top.size() && i < 4; ++i) {
        alts += fmt::format("  {:?} {:.3f}", ToValidUtf8(e.top[i].text), e.top[i].prob);
      }
      fmt::print("{:>4} {:>6} {:<16} p={:.3f} rank={} H={:.2f}{}\n", e.index, e.id,
                 fmt::format("{:?}", ToValidUtf8(e.piece)), e.prob, e.rank, e.entropy, alts);
    } else if (e.type == Event::Type::kPromptAttention) {
      fmt::print("prompt attention map: {} positions, layers {}, heads {} (--json prints it)\n",
                 e.attention_map.n_positions, fmt::join(e.attention_map.layers, ","),
                 fmt::join(e.attention_map.heads, ","));
    } else if (e.type == Event::Type::kDone) {
      fmt::print(stderr, "[{} tokens, decode {:.1f} tok/s, finish: {}]\n",
                 e.timings.generated_tokens, e.timings.decode_tokens_per_second(), e.finish_reason);
    }
    std::fflush(stdout);
    return true;
  });
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  return 0;
}

}  // namespace

void AddDebugCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<DebugOptions>();
  CLI::App* cmd = root.add_subcommand(
      "debug", "Generate with probes (top-k, attention, logit lens, surprisal) and print them");
  cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
  auto* p = cmd->add_option("-p,--prompt", o->prompt, "Prompt text");
  auto* f = cmd->add_option("-f,--file", o->file, "Read the prompt from a file");
  p->excludes(f);
  cmd->add_option("--request", o->request,
                  "A whole WebSocket start message as JSON (flags override its fields)");
  cmd->add_option("-n,--n-predict", o->n_predict, "Tokens to generate")->capture_default_str();
  cmd->add_option("--temp", o->temperature, "Temperature (0 = greedy)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (-1 = random)");
  cmd->add_option("--top-k", o->top_k, "Alternatives per token (0..100)")->capture_default_str();
  cmd->add_flag("--attention", o->attention, "Attention weights (all layers and heads)");
  cmd->add_option("--attention-layers", o->attention_layers, "Only these layers (0-based)")
      ->delimiter(',');
  cmd->add_option("--attention-heads", o->attention_heads, "Only these heads (0-based)")
      ->delimiter(',');
  cmd->add_flag("--attention-prompt", o->attention_prompt,
                "The prompt x prompt attention map of the chosen layers/heads, once after the "
                "prompt (add --attention for the per-token weights too)");
  cmd->add_option("--logit-lens", o->logit_lens, "Logit lens with K tokens per layer (0 = off)");
  cmd->add_flag("--full-logits", o->full_logits, "The whole logits vector per token");
  cmd->add_flag("--surprisal", o->surprisal, "Teacher-forced surprisal of the prompt tokens");
  cmd->add_flag("--ignore-eos", o->ignore_eos, "Keep generating after end-of-sequence");
  cmd->add_flag("--json", o->json, "Print the protocol messages as JSON Lines");
  cmd->add_option("-t,--threads", o->threads, "Worker threads (0 = all cores)");
  cmd->add_option("-c,--ctx-size", o->ctx_size, "Context size")->capture_default_str();
  cmd->callback([o, exit_code, cmd] {
    if (o->prompt.empty() && o->file.empty() && o->request.empty()) {
      fmt::print(stderr, "error: give a prompt with -p TEXT, -f FILE or --request JSON\n");
      *exit_code = 2;
      return;
    }
    *exit_code = RunDebug(*o, cmd);
  });
}

}  // namespace inferno::cli
