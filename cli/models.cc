// `inferno models [--models-dir DIR] [--json]`: the GGUF files `inferno serve` would offer,
// with size, architecture, weight type and trained context. Files that are not usable models
// are listed with the reason rather than hidden.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "engine/gguf/gguf_file.h"
#include "engine/model/model_dir.h"
#include "engine/model/model_summary.h"

namespace inferno::cli {
namespace {

namespace json = boost::json;

struct ModelsOptions {
  std::string models_dir;
  bool json = false;
};

// One model file as listed: its summary, or why it cannot be used.
struct Listed {
  ModelFile file;
  uint64_t size_bytes = 0;
  ModelSummary summary;
};

std::vector<Listed> ListModels(const std::string& models_dir) {
  std::vector<Listed> out;
  for (ModelFile& f : FindModelFiles(models_dir)) {
    Listed m;
    std::error_code ec;
    m.size_bytes = std::filesystem::file_size(f.path, ec);
    Result<std::unique_ptr<gguf::File>> file = gguf::File::Open(f.path);
    if (file.ok()) {
      m.summary = SummarizeModel(**file);
    } else {
      m.summary.error = file.status().message();
    }
    m.file = std::move(f);
    out.push_back(std::move(m));
  }
  return out;
}

void PrintJson(const std::string& models_dir, const std::vector<Listed>& models) {
  json::array list;
  for (const Listed& m : models) {
    json::object e{{"name", m.file.id},
                   {"path", m.file.path},
                   {"size_bytes", m.size_bytes},
                   {"architecture", m.summary.architecture},
                   {"quant", m.summary.quant},
                   {"context_length", m.summary.context_length},
                   {"parameters", m.summary.parameters}};
    if (!m.summary.error.empty()) e["error"] = m.summary.error;
    list.push_back(std::move(e));
  }
  fmt::print("{}\n", json::serialize(
                         json::object{{"models_dir", models_dir}, {"models", std::move(list)}}));
}

void PrintTable(const std::string& models_dir, const std::vector<Listed>& models) {
  size_t width = 4;
  for (const Listed& m : models) width = std::max(width, m.file.id.size());
  fmt::print("{:<{}}  {:>10}  {:<10}  {:<8}  {:>7}  {:>8}\n", "NAME", width, "SIZE", "ARCH",
             "QUANT", "CONTEXT", "PARAMS");
  for (const Listed& m : models) {
    const ModelSummary& s = m.summary;
    if (!s.error.empty()) {
      fmt::print("{:<{}}  {:>10}  unusable: {}\n", m.file.id, width,
                 HumanBytes(double(m.size_bytes)), s.error);
      continue;
    }
    fmt::print("{:<{}}  {:>10}  {:<10}  {:<8}  {:>7}  {:>7.1f}M\n", m.file.id, width,
               HumanBytes(double(m.size_bytes)), s.architecture, s.quant, s.context_length,
               s.parameters / 1e6);
  }
  fmt::print("({} in {})\n",
             models.size() == 1 ? "1 model" : fmt::format("{} models", models.size()), models_dir);
}

// Reads headers only: listing neither creates the dir nor loads a model.
int RunModels(const ModelsOptions& o) {
  const std::string models_dir = ResolveModelsDir(o.models_dir);
  const std::vector<Listed> models = ListModels(models_dir);
  if (o.json) {
    PrintJson(models_dir, models);
  } else if (models.empty()) {
    fmt::print("no models in {}\n  download one: inferno pull OWNER/REPO[/FILE.gguf]\n",
               models_dir);
  } else {
    PrintTable(models_dir, models);
  }
  return 0;
}

}  // namespace

void AddModelsCommand(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<ModelsOptions>();
  CLI::App* cmd = root.add_subcommand("models", "List the GGUF models in the models dir");
  cmd->add_option("--models-dir", o->models_dir,
                  "Directory of GGUF models (default: ~/.local/share/inferno/models)");
  cmd->add_flag("--json", o->json, "One JSON object with every model");
  cmd->callback([o, exit_code] { *exit_code = RunModels(*o); });
}

}  // namespace inferno::cli
