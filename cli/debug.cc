// `inferno debug`: one debugger session on the command line. The settings are the request
// schema's flags (engine/request), over a whole WebSocket `start` message when --request gives
// one (parsed by the server's own code), and the output is the same messages, one JSON object
// per line (docs/protocol.md), so scripts and the web UI see one format.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/request_flags.h"
#include "cli/text_util.h"
#include "engine/model/model.h"
#include "engine/request/json_fields.h"
#include "engine/request/prepare.h"
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
  RequestFlags flags;   // the schema's settings: -n, --temp, --seed, --top-k (alternatives)...
  bool attention = false;
  std::vector<int> attention_layers;
  std::vector<int> attention_heads;
  bool attention_prompt = false;
  int logit_lens = 0;
  bool json = false;
  int threads = 0;
  int ctx_size = 2048;
};

void PrintLine(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

// Without --request: `debug`'s own defaults (a short greedy run with 10 alternatives).
GenerateRequest DebugDefaults() {
  GenerateRequest req;
  req.max_tokens = 32;
  req.sampling.temperature = 0;
  req.top_k_events = 10;
  return req;
}

// The settings of a --request start message, parsed as the server parses it; a prompt from
// -p or -f replaces the message's own.
Status ReadStartMessage(const std::string& text, const std::string& prompt, json::object* start,
                        dbg::ClientMessage* m) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return Status::InvalidArgument("--request must be a JSON object (a start message)");
  }
  *start = std::move(v.as_object());
  if (!prompt.empty()) (*start)["prompt"] = prompt;
  dbg::Limits limits;
  limits.max_tokens = 1 << 20;
  INFERNO_RETURN_IF_ERROR(dbg::ParseStartFields(*start, limits, m));
  if (m->binary) {
    return Status::InvalidArgument("binary frames are for WebSocket clients; use format json");
  }
  return Status::Ok();
}

// The attention and logit-lens flags: structured probes, not schema fields.
void ApplyProbeFlags(const DebugOptions& o, GenerateRequest* req) {
  ProbeOptions& p = req->probes;
  if (o.attention || o.attention_prompt || !o.attention_layers.empty() ||
      !o.attention_heads.empty()) {
    p.attention_layers = o.attention_layers;
    p.attention_heads = o.attention_heads;
    // With --attention-prompt the per-token weights only when --attention asks for them too.
    p.attention_prompt = o.attention_prompt;
    p.attention = !o.attention_prompt || o.attention;
  }
  if (o.logit_lens > 0) {
    p.logit_lens = true;
    p.logit_lens_top_k = o.logit_lens;
  }
}

// The request as the `session` message echoes it: the --request message's own fields, with the
// settings as they are after the flags.
json::object EchoRequest(const json::object& start, const GenerateRequest& req) {
  json::object echo = start;
  echo.erase("type");
  for (const auto& kv : request::ToNestedJson(req)) echo[kv.key()] = kv.value();
  if (echo.contains("prompt") || !req.prompt.empty()) echo["prompt"] = req.prompt;
  return echo;
}

// The router probe of a token, one line per MoE layer: expert:weight by rank.
void PrintRouter(const std::vector<RouterRow>& rows) {
  for (const RouterRow& r : rows) {
    std::string line;
    for (size_t j = 0; j < r.experts.size(); ++j) {
      line += fmt::format(" {}:{:.2f}", r.experts[j], r.weights[j]);
    }
    fmt::print("       router layer {:>2}:{}\n", r.layer, line);
  }
}

int RunDebug(const DebugOptions& o) {
  std::string prompt = o.prompt;
  if (!o.file.empty()) {
    Result<std::string> content = ReadFile(o.file);
    if (!content.ok()) {
      fmt::print(stderr, "error: {}\n", content.status().message());
      return 1;
    }
    prompt = *content;
  }
  dbg::ClientMessage m;
  json::object start;
  if (!o.request.empty()) {
    if (Status st = ReadStartMessage(o.request, prompt, &start, &m); !st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      return 2;
    }
  } else {
    m.request = DebugDefaults();
    m.request.prompt = prompt;
  }
  GenerateRequest& req = m.request;
  if (Status st = o.flags.Apply(&req); !st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 2;
  }
  ApplyProbeFlags(o, &req);
  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) {
    fmt::print(stderr, "error: {}\n", model.status().message());
    return 1;
  }
  ThreadPool pool(o.threads > 0 ? o.threads : DefaultThreads());
  SessionOptions so;
  so.n_ctx = o.ctx_size;
  Session session(**model, pool, so);
  if (std::optional<request::RequestError> err = request::Prepare(**model, req, session.n_ctx())) {
    fmt::print(stderr, "error: {}\n", err->message);
    return 1;
  }
  const Tokenizer& tok = (*model)->tokenizer();
  const std::string id = "s1";
  int64_t seq = 0;
  if (o.json) {
    PrintLine(dbg::SessionJson(++seq, id, m.client_id, m.model, EchoRequest(start, req), "", -1));
  }
  const Status st = session.Generate(req, [&](const Event& e) {
    if (o.json) {
      for (const dbg::Frame& f : dbg::EncodeEvent(&seq, id, e, tok, false)) PrintLine(f.data);
    } else if (e.type == Event::Type::kToken) {
      std::string alts;
      for (size_t i = 1; i < e.top.size() && i < 4; ++i) {
        alts += fmt::format("  {:?} {:.3f}", ToValidUtf8(e.top[i].text), e.top[i].prob);
      }
      fmt::print("{:>4} {:>6} {:<16} p={:.3f} rank={} H={:.2f}{}\n", e.index, e.id,
                 fmt::format("{:?}", ToValidUtf8(e.piece)), e.prob, e.rank, e.entropy, alts);
      PrintRouter(e.router);
    } else if (e.type == Event::Type::kPromptRouter) {
      fmt::print("prompt router: {} rows (--json prints them)\n", e.router.size());
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
      "debug",
      "Generate with probes (top-k, attention, logit lens, surprisal, MoE router) and print them");
  cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
  auto* p = cmd->add_option("-p,--prompt", o->prompt, "Prompt text");
  auto* f = cmd->add_option("-f,--file", o->file, "Read the prompt from a file");
  p->excludes(f);
  cmd->add_option("--request", o->request,
                  "A whole WebSocket start message as JSON (flags override its fields)");
  // `debug` samples with the table's defaults but for its own three, and its --top-k is the
  // alternatives per token (as it always was), so the sampler's top-k has no flag here.
  o->flags.Add(
      cmd, DebugDefaults(),
      {.groups = {request::Group::kTop, request::Group::kSampling, request::Group::kProbes},
       .skip = {request::FindField("top_k", request::Group::kSampling)},
       .rename = {{request::FindField("top_k", request::Group::kProbes), "--top-k"}}});
  cmd->add_flag("--attention", o->attention, "Attention weights (all layers and heads)");
  cmd->add_option("--attention-layers", o->attention_layers, "Only these layers (0-based)")
      ->delimiter(',');
  cmd->add_option("--attention-heads", o->attention_heads, "Only these heads (0-based)")
      ->delimiter(',');
  cmd->add_flag("--attention-prompt", o->attention_prompt,
                "The prompt x prompt attention map of the chosen layers/heads, once after the "
                "prompt (add --attention for the per-token weights too)");
  cmd->add_option("--logit-lens", o->logit_lens, "Logit lens with K tokens per layer (0 = off)");
  cmd->add_flag("--json", o->json, "Print the protocol messages as JSON Lines");
  cmd->add_option("-t,--threads", o->threads, "Worker threads (0 = all cores)");
  cmd->add_option("-c,--ctx-size", o->ctx_size, "Context size")->capture_default_str();
  cmd->callback([o, exit_code] {
    if (o->prompt.empty() && o->file.empty() && o->request.empty()) {
      fmt::print(stderr, "error: give a prompt with -p TEXT, -f FILE or --request JSON\n");
      *exit_code = 2;
      return;
    }
    *exit_code = RunDebug(*o);
  });
}

}  // namespace inferno::cli
