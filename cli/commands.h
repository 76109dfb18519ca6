// Entry point of the `inferno` command line; subcommands live in one file each and register
// themselves on the root CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace inferno::cli {

// Parses argv and runs the chosen subcommand. Returns the process exit code:
// 0 success, 1 runtime error (bad model, bad input), 2 usage error.
int Main(int argc, char** argv);

// Each Add*Command adds one subcommand; when it runs it stores its exit code in *exit_code.
void AddInspectCommand(CLI::App& root, int* exit_code);
void AddRunCommand(CLI::App& root, int* exit_code);
void AddTokenizeCommand(CLI::App& root, int* exit_code);
void AddBenchCommand(CLI::App& root, int* exit_code);
void AddServeCommand(CLI::App& root, int* exit_code);
void AddAppCommand(CLI::App& root, int* exit_code);
void AddModelsCommand(CLI::App& root, int* exit_code);
void AddPullCommand(CLI::App& root, int* exit_code);
void AddConvertCommand(CLI::App& root, int* exit_code);
void AddQuantizeCommand(CLI::App& root, int* exit_code);
void AddDebugCommand(CLI::App& root, int* exit_code);
void AddDbCommand(CLI::App& root, int* exit_code);
void AddTemplateCommand(CLI::App& root, int* exit_code);
void AddEmbedCommand(CLI::App& root, int* exit_code);
// `completion bash` and the hidden `manpage`: generated from `root`, which must outlive them.
void AddCompletionCommands(CLI::App& root, int* exit_code);
void AddTranscribeCommand(CLI::App& root, int* exit_code);

}  // namespace inferno::cli
