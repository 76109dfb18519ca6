#include "cli/commands.h"

#include <CLI/CLI.hpp>

namespace inferno::cli {

int Main(int argc, char** argv) {
  CLI::App app{"inferno: local LLM workbench (run, inspect and debug GGUF models)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "inferno 0.1.0");
  int exit_code = 0;
  AddRunCommand(app, &exit_code);
  AddTokenizeCommand(app, &exit_code);
  AddInspectCommand(app, &exit_code);
  AddBenchCommand(app, &exit_code);
  AddServeCommand(app, &exit_code);
  AddModelsCommand(app, &exit_code);
  AddPullCommand(app, &exit_code);
  AddConvertCommand(app, &exit_code);
  AddQuantizeCommand(app, &exit_code);
  AddDebugCommand(app, &exit_code);
  AddDbCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

}  // namespace inferno::cli
