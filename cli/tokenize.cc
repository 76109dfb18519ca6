// `inferno tokenize -m MODEL -p TEXT [--json]`: the token ids `run` would feed the model for
// a raw prompt (BOS/EOS per metadata, special tokens in the text recognised).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/text_util.h"
#include "engine/gguf/gguf_file.h"
#include "engine/request/event_json.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string prompt;
  std::string file;
  bool json = false;
  bool no_special = false;
};

int RunTokenize(const TokenizeOptions& o) {
  // Only the tokenizer is needed, so a vocab-only GGUF works too.
  Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(o.model);
  if (!file.ok()) {
    fmt::print(stderr, "error: {}\n", file.status().message());
    return 1;
  }
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::FromGguf(**file);
  if (!tok.ok()) {
    fmt::print(stderr, "error: {}\n", tok.status().message());
    return 1;
  }
  std::string text = o.prompt;
  if (!o.file.empty()) {
    Result<std::string> content = ReadFile(o.file);
    if (!content.ok()) {
      fmt::print(stderr, "error: {}\n", content.status().message());
      return 1;
    }
    text = *content;
  }
  const std::vector<int32_t> ids =
      (*tok)->Encode(text, /*add_special=*/!o.no_special, /*parse_special=*/!o.no_special);
  if (o.json) {
    const boost::json::object out{{"tokens", event_json::TokensJson(ids, **tok)}};
    fmt::print("{}\n", boost::json::serialize(out));
  } else {
    for (int32_t id : ids) {
      fmt::print("{:>7} -> '{}'\n", id, ToValidUtf8((*tok)->TokenToPiece(id)));
    }
    fmt::print(stderr, "{} tokens\n", ids.size());
  }
  return 0;
}

}  // namespace

void AddTokenizeCommand(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = root.add_subcommand("tokenize", "Split text into the model's tokens");
  cmd->add_option("-m,--model", opts->model, "GGUF model (or vocab-only GGUF)")->required();
  auto* p = cmd->add_option("-p,--prompt", opts->prompt, "Text to tokenize");
  auto* f = cmd->add_option("-f,--file", opts->file, "Read the text from a file");
  p->excludes(f);
  cmd->add_flag("--json", opts->json, "Print {\"tokens\":[{\"id\",\"text\"},...]}");
  cmd->add_flag("--no-special", opts->no_special,
                "Do not add BOS/EOS and do not recognise special tokens in the text");
  cmd->callback([opts, exit_code] { *exit_code = RunTokenize(*opts); });
}

}  // namespace inferno::cli
