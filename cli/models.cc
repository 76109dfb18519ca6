// `inferno models [--models-dir DIR] [--json]`: the GGUF files `inferno serve` would offer,
// with size, architecture, weight type and trained context. Files that are not usable models
// are listed with the reason rather than hidden.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <memory>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "server/model_registry.h"

namespace inferno::cli {
namespace {

namespace json = boost::json;

struct ModelsOptions {
  std::string models_dir;
  bool json = false;
};

int RunModels(const ModelsOptions& o) {
  server::RegistryOptions ro;
  ro.models_dir = ResolveModelsDir(o.models_dir);
  // No Init(): listing must neither create the dir nor load anything.
  server::ModelRegistry registry(ro);
  const std::vector<server::ModelInfo> models = registry.List();
  if (o.json) {
    json::array list;
    for (const server::ModelInfo& m : models) {
      json::object e{{"name", m.id},
                     {"path", m.path},
                     {"size_bytes", m.size_bytes},
                     {"architecture", m.architecture},
                     {"quant", m.quant},
                     {"context_length", m.context_length},
                     {"parameters", m.parameters}};
      if (!m.error.empty()) e["error"] = m.error;
      list.push_back(std::move(e));
    }
    fmt::print("{}\n", json::serialize(json::object{{"models_dir", ro.models_dir},
                                                    {"models", std::move(list)}}));
    return 0;
  }
  if (models.empty()) {
    fmt::print("no models in {}\n  download one: inferno pull OWNER/REPO[/FILE.gguf]\n",
               ro.models_dir);
    return 0;
  }
  size_t width = 4;
  for (const server::ModelInfo& m : models) width = std::max(width, m.id.size());
  fmt::print("{:<{}}  {:>10}  {:<10}  {:<8}  {:>7}  {:>8}\n", "NAME", width, "SIZE", "ARCH",
             "QUANT", "CONTEXT", "PARAMS");
  for (const server::ModelInfo& m : models) {
    if (!m.error.empty()) {
      fmt::print("{:<{}}  {:>10}  unusable: {}\n", m.id, width, HumanBytes(double(m.size_bytes)),
                 m.error);
      continue;
    }
    fmt::print("{:<{}}  {:>10}  {:<10}  {:<8}  {:>7}  {:>7.1f}M\n", m.id, width,
               HumanBytes(double(m.size_bytes)), m.architecture, m.quant, m.context_length,
               m.parameters / 1e6);
  }
  fmt::print("({} in {})\n",
             models.size() == 1 ? "1 model" : fmt::format("{} models", models.size()),
             ro.models_dir);
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
