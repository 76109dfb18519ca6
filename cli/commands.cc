#include "cli/commands.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>

#include "cli/build_info.h"
#include "engine/model/repack_cache.h"
#include "engine/util/version.h"

namespace inferno::cli {
namespace {

// $INFERNO_CONFIG (which must exist), else $XDG_CONFIG_HOME/inferno/inferno.toml or
// ~/.config/inferno/inferno.toml (used when present).
std::string DefaultConfigPath(bool* required) {
  *required = false;
  if (const char* env = std::getenv("INFERNO_CONFIG"); env && *env) {
    *required = true;
    return env;
  }
  std::string base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::string(home) + "/.config";
  } else {
    return "";
  }
  return base + "/inferno/inferno.toml";
}

// TOML as CLI11 reads it, with a leading "~/" in values expanded to $HOME as a shell would
// do on the command line: people write "~/models" in a config file.
class TomlWithHome : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::vector<CLI::ConfigItem> items = CLI::ConfigTOML::from_config(input);
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') return items;
    for (CLI::ConfigItem& item : items) {
      for (std::string& value : item.inputs) {
        if (value == "~" || value.rfind("~/", 0) == 0) value = home + value.substr(1);
      }
    }
    return items;
  }
};

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"inferno: local LLM workbench (run, inspect and debug GGUF models)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("inferno {} (commit {})", kVersion, BuildCommit()));
  // Every command's long options can also come from a TOML file, one [section] per command
  // (docs/inferno.toml): the flags are the one declaration of each setting. Precedence:
  // command line, then the file, then environment variables, then built-in defaults.
  // A key the command does not have is an error, not silently ignored.
  bool config_required = false;
  const std::string config_path = DefaultConfigPath(&config_required);
  app.set_config("--config", config_path,
                 "Read options from this TOML file (default: $INFERNO_CONFIG, else "
                 "~/.config/inferno/inferno.toml when it exists)",
                 config_required);
  app.config_formatter(std::make_shared<TomlWithHome>());
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.fallthrough();  // `inferno serve --config F` as well as `inferno --config F serve`
  // Before any command loads a model (option callbacks run before the subcommand's).
  app.add_flag_callback(
      "--no-repack-cache",
      [] {
        RepackCacheSettings s = GetRepackCacheSettings();
        s.enabled = false;
        SetRepackCacheSettings(s);
      },
      "Repack weights into memory at every load instead of keeping the repacked copy in "
      "~/.cache/inferno/repack (also INFERNO_REPACK_CACHE=off; docs/architecture.md)");
  int exit_code = 0;
  AddRunCommand(app, &exit_code);
  AddTokenizeCommand(app, &exit_code);
  AddEmbedCommand(app, &exit_code);
  AddTranscribeCommand(app, &exit_code);
  AddInspectCommand(app, &exit_code);
  AddBenchCommand(app, &exit_code);
  AddServeCommand(app, &exit_code);
  AddAppCommand(app, &exit_code);
  AddModelsCommand(app, &exit_code);
  AddPullCommand(app, &exit_code);
  AddConvertCommand(app, &exit_code);
  AddQuantizeCommand(app, &exit_code);
  AddDebugCommand(app, &exit_code);
  AddDbCommand(app, &exit_code);
  AddTemplateCommand(app, &exit_code);
  AddCompletionCommands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    const CLI::Option* config = app.get_config_ptr();
    const std::string file =
        config && config->count() > 0 ? config->as<std::string>() : config_path;
    fmt::print(stderr,
               "error: config file '{}': {} (keys are a command's long options under its "
               "[section], e.g. [serve] port = 8080)\n",
               file, e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

}  // namespace inferno::cli
