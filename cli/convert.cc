// `inferno convert CHECKPOINT_DIR OUT.gguf [--type T] [--meta KEY=VALUE]...` (or a whisper.cpp
// model file to its GGUF form, engine/audio/whisper_gguf.h) and `inferno quantize IN OUT TYPE`.
// Both print progress on stderr (one updating line on a terminal, a line per tenth of the work
// otherwise) and check the written file by loading it as `inspect` would.
#include "engine/convert/convert.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/inspect_whisper.h"
#include "engine/audio/whisper_gguf.h"
#include "engine/audio/whisper_model.h"
#include "engine/convert/quant_mix.h"
#include "engine/convert/requantize.h"
#include "engine/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"

namespace inferno::cli {
namespace {

struct ConvertCliOptions {
  std::string input;
  std::string output;
  std::string type = "auto";
  std::string pre;
  std::string name;
  std::vector<std::string> meta;  // KEY=VALUE
  bool quiet = false;
};

class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet)
      : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

  void operator()(const convert::ConvertProgress& p) {
    if (quiet_) return;
    const double frac = p.bytes_total ? double(p.bytes_done) / double(p.bytes_total) : 1.0;
    if (tty_) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      const std::string eta =
          frac > 0.02 && frac < 1 ? fmt::format("  ~{:.0f} s left", elapsed / frac - elapsed) : "";
      fmt::print(stderr, "\r\033[K[{:>4}/{}] {:5.1f}%  {} -> {}{}", p.index, p.count, 100 * frac,
                 p.tensor, DTypeName(p.type), eta);
      if (p.index == p.count) fmt::print(stderr, "\n");
      std::fflush(stderr);
    } else {
      const int tenth = int(frac * 10);
      if (tenth > last_tenth_ || p.index == p.count) {
        last_tenth_ = tenth;
        fmt::print(stderr, "[{}/{}] {:.0f}% ({})\n", p.index, p.count, 100 * frac, p.tensor);
      }
    }
  }

 private:
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_;
  int last_tenth_ = 0;
};

// Loads the written file the way `run` would, so a conversion that produced something the
// engine cannot use fails here rather than later.
int Verify(const std::string& path, double seconds) {
  Result<std::unique_ptr<gguf::File>> f = gguf::File::Open(path);
  if (!f.ok()) {
    fmt::print(stderr, "error: the written file does not load: {}\n", f.status().message());
    return 1;
  }
  const Status v = ValidateModel(**f);
  if (!v.ok()) {
    fmt::print(stderr, "error: the written file does not validate: {}\n", v.message());
    return 1;
  }
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::FromGguf(**f);
  if (!tok.ok()) {
    fmt::print(stderr, "error: the written tokenizer does not load: {}\n", tok.status().message());
    return 1;
  }
  fmt::print(stderr, "wrote {} ({:.1f} MiB, {} tensors) in {:.1f} s\n", path,
             double((*f)->file_size()) / (1 << 20), (*f)->tensors().size(), seconds);
  return 0;
}

// The .bin's tensors are copied as they are (no --type); the written file must load and bind.
int RunConvertWhisper(const ConvertCliOptions& o) {
  if (o.type != "auto") {
    fmt::print(stderr, "error: --type: a whisper.cpp model keeps its tensor types\n");
    return 1;
  }
  Result<std::unique_ptr<audio::WhisperFile>> in = audio::WhisperFile::Open(o.input);
  Status st = in.ok() ? audio::WriteWhisperGguf(**in, o.output) : in.status();
  if (st.ok()) {
    Result<std::unique_ptr<audio::WhisperModel>> m = audio::WhisperModel::Load(o.output);
    if (!m.ok()) st = Status::Corruption("the written file does not load: " + m.status().message());
  }
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  if (!o.quiet) {
    fmt::print(stderr, "wrote {} (whisper, {} tensors)\n", o.output, (*in)->tensors().size());
  }
  return 0;
}

int RunConvert(const ConvertCliOptions& o) {
  if (IsWhisperFile(o.input)) return RunConvertWhisper(o);
  const auto t0 = std::chrono::steady_clock::now();
  ProgressPrinter printer(o.quiet);
  convert::ConvertOptions co;
  co.type = o.type;
  co.pre = o.pre;
  co.name = o.name;
  for (const std::string& m : o.meta) {
    const size_t eq = m.find('=');
    if (eq == std::string::npos) {
      fmt::print(stderr, "error: --meta {}: expected KEY=VALUE\n", m);
      return 1;
    }
    co.metadata.emplace_back(m.substr(0, eq), m.substr(eq + 1));
  }
  const Status st = convert::ConvertCheckpoint(
      o.input, o.output, co, [&](const convert::ConvertProgress& p) { printer(p); });
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  return Verify(o.output,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

int RunQuantize(const ConvertCliOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  if (std::filesystem::equivalent(o.input, o.output, ec)) {
    fmt::print(stderr, "error: {}: output would overwrite the input\n", o.output);
    return 1;
  }
  // Re-quantizing quantized weights compounds two roundings; say so, but allow it (it is
  // how a Q8_0-only download becomes a Q4_K_M).
  if (Result<std::unique_ptr<gguf::File>> in = gguf::File::Open(o.input); in.ok()) {
    for (const gguf::TensorInfo& t : (*in)->tensors()) {
      if (GetDTypeInfo(t.type).quantized) {
        fmt::print(stderr,
                   "note: {} is already quantized ({}); converting from F16/BF16/F32 weights "
                   "gives a more accurate result\n",
                   o.input, DTypeName(t.type));
        break;
      }
    }
  }
  ProgressPrinter printer(o.quiet);
  const Status st = convert::QuantizeGguf(o.input, o.output, o.type,
                                          [&](const convert::ConvertProgress& p) { printer(p); });
  if (!st.ok()) {
    fmt::print(stderr, "error: {}\n", st.message());
    return 1;
  }
  return Verify(o.output,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

void AddConvertCommand(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<ConvertCliOptions>();
  CLI::App* cmd =
      root.add_subcommand("convert", "Convert a Hugging Face checkpoint folder (" +
                                         convert::ConvertibleArchitectures() + ") to GGUF");
  cmd->add_option("checkpoint", opts->input,
                  "Folder with config.json, *.safetensors, tokenizer.model or tokenizer.json; "
                  "or a whisper.cpp model file (ggml-*.bin)")
      ->required();
  cmd->add_option("output", opts->output, "GGUF file to write")->required();
  cmd->add_option("--type", opts->type,
                  "Tensor type: auto (bf16 for BF16 checkpoints, else f16; the default), " +
                      convert::SupportedFileTypes());
  cmd->add_option("--pre", opts->pre,
                  "Pre-tokenizer name for a BPE tokenizer.json whose pre-tokenizer is not "
                  "recognised (gpt-2, llama-bpe, qwen2, ...)");
  cmd->add_option("--name", opts->name, "general.name (default: the folder's name)");
  cmd->add_option("--meta", opts->meta,
                  "Extra string metadata KEY=VALUE (repeatable), e.g. "
                  "general.description=...; not a key the converter writes itself");
  cmd->add_flag("-q,--quiet", opts->quiet, "No progress output");
  cmd->callback([opts, exit_code] { *exit_code = RunConvert(*opts); });
}

void AddQuantizeCommand(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<ConvertCliOptions>();
  CLI::App* cmd = root.add_subcommand("quantize", "Re-quantize a GGUF model to another type");
  cmd->add_option("input", opts->input, "GGUF model to read")->required();
  cmd->add_option("output", opts->output, "GGUF file to write")->required();
  cmd->add_option("type", opts->type, "Type: " + convert::SupportedFileTypes())->required();
  cmd->add_flag("-q,--quiet", opts->quiet, "No progress output");
  cmd->callback([opts, exit_code] { *exit_code = RunQuantize(*opts); });
}

}  // namespace inferno::cli
