// `inferno inspect MODEL [--json] [--tensors]`: what is in a GGUF file and whether Inferno
// can run it (an mmproj file is described by inspect_mmproj.h). A file that fails validation prints
// the one error and exits with code 1.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/inspect_mmproj.h"
#include "cli/inspect_whisper.h"
#include "cli/text_util.h"
#include "engine/audio/whisper_gguf.h"
#include "engine/gguf/gguf_file.h"
#include "engine/model/gguf_json.h"
#include "engine/model/model_config.h"
#include "engine/model/model_summary.h"
#include "engine/tokenizer/chat_template.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/vision/mmproj_config.h"

namespace inferno::cli {
namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
  bool tensors = false;
};

// A metadata value as JSON; long arrays are summarised as type and length.
boost::json::value ValueJson(const gguf::Value& v) {
  if (v.type == gguf::ValueType::kArray && v.count > 16) {
    return boost::json::string(fmt::format("[{} x {}]", v.count, gguf::ValueTypeName(v.elem_type)));
  }
  return GgufValueJson(v);
}

// The layers grouped by kind in order, "0-2 linear attention (Gated DeltaNet), 3 attention",
// or "" when every layer is plain attention (most models: nothing worth a line).
std::string LayerKinds(const ModelConfig& c) {
  std::string out;
  bool mixed = false;
  for (int l = 0; l < c.n_layer;) {
    const std::string_view kind = LayerKind(c, l);
    int end = l;
    while (end + 1 < c.n_layer && LayerKind(c, end + 1) == kind) ++end;
    mixed = mixed || kind != "attention";
    out += (out.empty() ? "" : ", ") + std::to_string(l) +
           (end > l ? "-" + std::to_string(end) : "") + " " + std::string(kind);
    l = end + 1;
  }
  return mixed ? out : "";
}

constexpr const char* kEncoderKind =
    "encoder (bidirectional attention) without an output head: embeddings only "
    "(/v1/embeddings, /api/embed); run, chat and completions are refused";

// The tokenizer.ggml.model name and the algorithm behind it.
const char* TokenizerModelName(Tokenizer::Model m) {
  switch (m) {
    case Tokenizer::Model::kSentencePiece:
      return "llama (SentencePiece BPE)";
    case Tokenizer::Model::kByteLevelBpe:
      return "gpt2 (byte-level BPE)";
    case Tokenizer::Model::kWordPiece:
      return "bert (WordPiece)";
  }
  return "unknown";
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return fmt::format("{:.2f} {}", b, units[u]);
}

// What inspect reports of a language or embedding model, gathered once for both outputs.
struct Inspection {
  Result<ModelConfig> config;
  Result<std::unique_ptr<Tokenizer>> tok;
  ModelSummary summary;
  std::string chat_template;
  ChatTemplate detected;
  struct Mix {
    int tensors = 0;
    uint64_t bytes = 0;
    int64_t params = 0;
  };
  std::map<std::string, Mix> mix;  // by tensor type
  int64_t params = 0;
  Status overall;  // the verdict: the model's validation, else the tokenizer's
};

Inspection Gather(const gguf::File& f) {
  Result<std::string> tmpl = f.GetStringOr("tokenizer.chat_template", "");
  Inspection in{.config = ReadModelConfig(f),
                .tok = Tokenizer::FromGguf(f),
                .summary = SummarizeModel(f),
                .chat_template = tmpl.ok() ? *tmpl : ""};
  in.detected = ChatTemplate::Detect(in.chat_template);
  for (const gguf::TensorInfo& t : f.tensors()) {
    Inspection::Mix& m = in.mix[std::string(DTypeName(t.type))];
    ++m.tensors;
    m.bytes += t.bytes;
    m.params += t.n_elements;
    in.params += t.n_elements;
  }
  const Status verdict = ValidateModel(f);
  in.overall = verdict.ok() && !in.tok.ok() ? in.tok.status() : verdict;
  return in;
}

std::string TokenText(const Tokenizer& t, int id) {
  return id >= 0 ? ToValidUtf8(t.TokenText(id)) : "";
}

boost::json::object InspectionJson(const std::string& path, const gguf::File& f,
                                   const Inspection& in, bool tensors) {
  boost::json::object out;
  out["file"] = path;
  out["size_bytes"] = f.file_size();
  out["gguf_version"] = f.version();
  out["tensor_count"] = f.tensors().size();
  out["parameters"] = in.params;
  if (in.config.ok()) {
    boost::json::array kinds;
    for (int l = 0; l < in.config->n_layer; ++l)
      kinds.push_back(boost::json::string(LayerKind(*in.config, l)));
    out["layer_kinds"] = std::move(kinds);
    out["embedding_only"] = EmbeddingOnly(*in.config);
    out["pooling"] = PoolingName(in.config->pooling);  // not "none": an embedding model
  }
  const ModelSummary& summary = in.summary;
  if (summary.n_expert > 0) {
    out["experts"] = boost::json::object{{"count", summary.n_expert},
                                         {"used_per_token", summary.n_expert_used},
                                         {"active_parameters", summary.active_parameters}};
  }
  if (summary.error.empty()) {
    const RopeScaling& r = summary.rope;
    out["rope"] = boost::json::object{
        {"freq_base", r.freq_base},     {"scaling", RopeScalingTypeName(r.type)},
        {"factor", r.factor},           {"original_context", r.n_ctx_orig},
        {"attn_factor", r.attn_factor}, {"beta_fast", r.beta_fast},
        {"beta_slow", r.beta_slow},     {"yarn_log_multiplier", r.yarn_log_multiplier},
        {"description", r.Describe()}};
  }
  boost::json::object meta;
  for (const gguf::KeyValue& kv : f.metadata()) {
    if (kv.key == "tokenizer.chat_template") continue;
    meta[std::string(kv.key)] = ValueJson(kv.value);
  }
  out["metadata"] = std::move(meta);
  boost::json::object quant;
  for (const auto& [name, m] : in.mix) {
    quant[name] =
        boost::json::object{{"tensors", m.tensors}, {"bytes", m.bytes}, {"parameters", m.params}};
  }
  out["quant_mix"] = std::move(quant);
  if (in.tok.ok()) {
    const Tokenizer& t = **in.tok;
    out["tokenizer"] = boost::json::object{{"model", TokenizerModelName(t.model())},
                                           {"pre", t.pre()},
                                           {"vocab_size", t.n_vocab()},
                                           {"bos", t.bos()},
                                           {"bos_text", TokenText(t, t.bos())},
                                           {"eos", t.eos()},
                                           {"eos_text", TokenText(t, t.eos())},
                                           {"add_bos", t.add_bos()},
                                           {"add_eos", t.add_eos()}};
  } else {
    out["tokenizer"] = boost::json::object{{"error", in.tok.status().message()}};
  }
  out["chat_template"] = boost::json::object{{"length", in.chat_template.size()},
                                             {"format", std::string(in.detected.Name())},
                                             {"recognised", in.detected.warning.empty()}};
  out["valid"] = in.overall.ok();
  if (!in.overall.ok()) out["error"] = in.overall.message();
  if (tensors) {
    boost::json::array ts;
    for (const gguf::TensorInfo& t : f.tensors()) {
      boost::json::array shape(t.shape.begin(), t.shape.end());
      ts.push_back(boost::json::object{{"name", std::string(t.name)},
                                       {"type", std::string(DTypeName(t.type))},
                                       {"shape", std::move(shape)},
                                       {"offset", t.offset},
                                       {"bytes", t.bytes}});
    }
    out["tensors"] = std::move(ts);
  }
  return out;
}

void PrintInspection(const std::string& path, const gguf::File& f, const Inspection& in,
                     bool tensors) {
  const ModelSummary& summary = in.summary;
  fmt::print("file:         {}\n", path);
  fmt::print("size:         {} ({} bytes), GGUF v{}\n", HumanBytes(double(f.file_size())),
             f.file_size(), f.version());
  fmt::print("parameters:   {} ({:.3f} B) in {} tensors\n", in.params, in.params / 1e9,
             f.tensors().size());
  const std::string layer_kinds = in.config.ok() ? LayerKinds(*in.config) : "";
  if (!layer_kinds.empty()) fmt::print("layers:       {}\n", layer_kinds);
  if (in.config.ok() && !in.config->has_lm_head) fmt::print("kind:         {}\n", kEncoderKind);
  if (summary.n_expert > 0) {
    fmt::print("experts:      {} per layer, {} used per token: {:.3f} B active parameters\n",
               summary.n_expert, summary.n_expert_used, summary.active_parameters / 1e9);
  }
  if (in.config.ok() && in.config->pooling != Pooling::kNone) {
    fmt::print("embeddings:   {} pooling (an embedding model)\n", PoolingName(in.config->pooling));
  }
  if (summary.error.empty()) {
    fmt::print("rope:         base {:g}, scaling {}\n", summary.rope.freq_base,
               summary.rope.Describe());
  }
  fmt::print("quant mix:\n");
  for (const auto& [name, m] : in.mix) {
    fmt::print("  {:<7} {:>4} tensors  {:>12}  {:>14} params\n", name, m.tensors,
               HumanBytes(double(m.bytes)), m.params);
  }
  fmt::print("metadata:\n");
  for (const gguf::KeyValue& kv : f.metadata()) {
    if (kv.key == "tokenizer.chat_template") continue;
    fmt::print("  {:<42} {}\n", kv.key, boost::json::serialize(ValueJson(kv.value)));
  }
  if (in.tok.ok()) {
    const Tokenizer& t = **in.tok;
    fmt::print("tokenizer:    {}{}, {} tokens, bos {} '{}', eos {} '{}', add_bos {}, add_eos {}\n",
               TokenizerModelName(t.model()), t.pre().empty() ? "" : " (pre: " + t.pre() + ")",
               t.n_vocab(), t.bos(), TokenText(t, t.bos()), t.eos(), TokenText(t, t.eos()),
               t.add_bos(), t.add_eos());
  } else {
    fmt::print("tokenizer:    error: {}\n", in.tok.status().message());
  }
  if (in.chat_template.empty()) {
    fmt::print("chat template: none (ChatML will be used)\n");
  } else {
    fmt::print("chat template: {} chars, format {}{}\n", in.chat_template.size(),
               in.detected.Name(),
               in.detected.warning.empty() ? "" : " (not recognised, ChatML will be used)");
    fmt::print("  {}\n",
               ToValidUtf8(in.chat_template.substr(0, in.chat_template.find('\n'))).substr(0, 96));
  }
  if (tensors) {
    fmt::print("tensors:\n");
    for (const gguf::TensorInfo& t : f.tensors()) {
      std::string shape;
      for (size_t d = 0; d < t.shape.size(); ++d)
        shape += (d ? " x " : "") + std::to_string(t.shape[d]);
      fmt::print("  {:<40} {:<5} {:<20} {:>12}\n", t.name, DTypeName(t.type), shape, t.bytes);
    }
  }
  fmt::print("verdict:      {}\n", in.overall.ok() ? "valid" : "INVALID");
}

int RunInspect(const InspectOptions& o) {
  if (IsWhisperFile(o.model)) return InspectWhisper(o.model, o.json);
  Result<std::unique_ptr<gguf::File>> opened = gguf::File::Open(o.model);
  if (!opened.ok()) {
    fmt::print(stderr, "error: {}\n", opened.status().message());
    return 1;
  }
  const gguf::File& f = **opened;
  if (vision::IsMmproj(f)) return InspectMmproj(f, o.json);
  if (Result<std::string> arch = f.GetStringOr("general.architecture", "");
      arch.ok() && *arch == audio::kWhisperArch) {
    return InspectWhisper(o.model, o.json);  // the GGUF form of a whisper.cpp model
  }
  const Inspection in = Gather(f);
  if (o.json) {
    fmt::print("{}\n", boost::json::serialize(InspectionJson(o.model, f, in, o.tensors)));
  } else {
    PrintInspection(o.model, f, in, o.tensors);
  }
  if (!in.overall.ok()) {
    fmt::print(stderr, "error: {}\n", in.overall.message());
    return 1;
  }
  return 0;
}

}  // namespace

void AddInspectCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = root.add_subcommand(
      "inspect", "Show what a GGUF (or whisper.cpp) file holds and validate it");
  cmd->add_option("model", o->model, "GGUF file")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->add_flag("--tensors", o->tensors, "List every tensor");
  cmd->callback([o, exit_code] { *exit_code = RunInspect(*o); });
}

}  // namespace inferno::cli
