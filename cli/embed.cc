// `inferno embed -m MODEL [--pooling mean|cls|last] [--dimensions N] TEXT...`: the embedding of
// each text (engine/runtime/embedder.h: pooled as the GGUF says unless --pooling, L2-normalised),
// one JSON array per line in the order given, or one JSON object with --json.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/text_util.h"
#include "engine/runtime/embedder.h"
#include "engine/threads/thread_pool.h"

namespace inferno::cli {
namespace {

struct EmbedOptions {
  std::string model;
  std::vector<std::string> texts;
  std::string pooling;  // empty: the model's
  int dimensions = 0;
  int threads = 0;
  bool json = false;
};

constexpr int kBatch = 512;  // rows per forward pass

boost::json::array Vector(const std::vector<float>& v) {
  boost::json::array a;
  for (float x : v) a.emplace_back(double(x));
  return a;
}

void Print(const EmbedOptions& o, const EmbedResult& r) {
  if (!o.json) {
    for (const std::vector<float>& v : r.embeddings) fmt::print("{}\n", serialize(Vector(v)));
    return;
  }
  boost::json::array all;
  for (const std::vector<float>& v : r.embeddings) all.push_back(Vector(v));
  fmt::print("{}\n", serialize(boost::json::object{{"pooling", PoolingName(r.pooling)},
                                                   {"prompt_tokens", r.prompt_tokens},
                                                   {"embeddings", std::move(all)}}));
}

Status RunEmbed(const EmbedOptions& o) {
  Result<std::unique_ptr<Model>> model = Model::Load(o.model);
  if (!model.ok()) return model.status();
  EmbedRequest request;
  if (!o.pooling.empty()) {
    Result<Pooling> p = ParsePooling(o.pooling);
    if (!p.ok()) return p.status();
    request.pooling = *p;
  }
  request.dimensions = o.dimensions;
  for (const std::string& t : o.texts) {
    request.inputs.push_back(EmbeddingTokens((*model)->tokenizer(), t));
  }
  const ModelConfig& c = (*model)->config();
  INFERNO_RETURN_IF_ERROR(CheckEmbedRequest(request, c, c.n_ctx_train));
  ThreadPool pool(o.threads > 0 ? o.threads : DefaultThreads());
  ForwardState state(c, kBatch);
  Result<EmbedResult> r = Embed(**model, pool, state, request);
  if (!r.ok()) return r.status();
  Print(o, *r);
  return Status::Ok();
}

}  // namespace

void AddEmbedCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<EmbedOptions>();
  CLI::App* cmd = root.add_subcommand("embed", "Print the embedding vector of each text");
  cmd->add_option("-m,--model", o->model, "GGUF model")->required();
  cmd->add_option("texts", o->texts, "Texts to embed")->required();
  cmd->add_option("--pooling", o->pooling, "mean, cls or last (default: the model's pooling_type)");
  cmd->add_option("--dimensions", o->dimensions, "Keep the first N values, re-normalised");
  cmd->add_option("-t,--threads", o->threads, "Worker threads (0 = all cores)");
  cmd->add_flag("--json", o->json, "Print {\"pooling\",\"prompt_tokens\",\"embeddings\"}");
  cmd->callback([o, exit_code] {
    const Status st = RunEmbed(*o);
    if (!st.ok()) fmt::print(stderr, "error: {}\n", st.message());
    *exit_code = st.ok() ? 0 : 1;
  });
}

}  // namespace inferno::cli
