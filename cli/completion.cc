// `inferno completion bash` and `inferno manpage`: the shell completion and the man page,
// written from the CLI11 definitions themselves, so that they list exactly the commands and
// options the binary has. The .deb is built with both (cmake/package.cmake).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include "cli/build_info.h"
#include "cli/commands.h"
#include "engine/util/version.h"

namespace inferno::cli {
namespace {

// Every command below `app`, as "/serve", "/models/list", in definition order.
void CommandPaths(const CLI::App& app, const std::string& prefix,
                  std::vector<std::pair<std::string, const CLI::App*>>* out) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string path = prefix + "/" + sub->get_name();
    out->emplace_back(path, sub);
    CommandPaths(*sub, path, out);
  }
}

// What may follow the command: its subcommands, then its options' names.
std::string WordsOf(const CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_group().empty()) words.push_back(sub->get_name());
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& s : opt->get_snames()) words.push_back("-" + s);
    for (const std::string& l : opt->get_lnames()) words.push_back("--" + l);
  }
  return fmt::format("{}", fmt::join(words, " "));
}

std::string BashCompletion(const CLI::App& root) {
  std::vector<std::pair<std::string, const CLI::App*>> commands;
  CommandPaths(root, "", &commands);
  std::string paths = " ";
  std::string cases = fmt::format("    \"\") words=\"{}\" ;;\n", WordsOf(root));
  for (const auto& [path, app] : commands) {
    paths += path + " ";
    cases += fmt::format("    \"{}\") words=\"{}\" ;;\n", path, WordsOf(*app));
  }
  return fmt::format(
      "# bash completion for inferno, written by `inferno completion bash` (inferno {}).\n"
      "_inferno() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} path=\"\" words=\"\" i\n"
      "  local commands=\"{}\"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    if [[ $commands == *\" $path/${{COMP_WORDS[i]}} \"* ]]; then\n"
      "      path=\"$path/${{COMP_WORDS[i]}}\"\n"
      "    fi\n"
      "  done\n"
      "  case \"$path\" in\n"
      "{}"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      "  # Option values and positional arguments: mostly files (models, prompts, images).\n"
      "  if [[ ${{#COMPREPLY[@]}} -eq 0 && $cur != -* ]]; then\n"
      "    compopt -o filenames 2>/dev/null\n"
      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "  fi\n"
      "}}\n"
      "complete -F _inferno inferno\n",
      kVersion, paths, cases);
}

// `inferno <command> --help` as printed, whichever command is running now.
std::string HelpOf(const CLI::App& app, const std::string& usage_name) {
  return app.get_formatter()->make_help(&app, usage_name, CLI::AppFormatMode::Normal);
}

// Text as roff shows it verbatim inside .nf: backslashes escaped, no line read as a request.
std::string RoffVerbatim(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string ManPage(const CLI::App& root) {
  std::vector<std::pair<std::string, const CLI::App*>> commands;
  CommandPaths(root, "", &commands);
  std::string out = fmt::format(
      ".TH INFERNO 1 \"\" \"inferno {}\" \"User Commands\"\n"
      ".SH NAME\ninferno \\- local LLM workbench: run, inspect, serve and debug GGUF models\n"
      ".SH SYNOPSIS\n.B inferno\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
      ".SH DESCRIPTION\nOne binary for every command. \\fBinferno serve\\fR serves the web UI "
      "(built into the binary), an OpenAI-, Ollama- and Anthropic-compatible API and the "
      "WebSocket debugger on http://127.0.0.1:8080/. Each command's options follow, as "
      "\\fBinferno\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints them.\n"
      ".SH OPTIONS\n.nf\n{}.fi\n.SH COMMANDS\n",
      kVersion, RoffVerbatim(HelpOf(root, "inferno")));
  for (const auto& [path, app] : commands) {
    if (app->get_group().empty()) continue;  // hidden
    std::string name = path;
    std::replace(name.begin(), name.end(), '/', ' ');
    out += fmt::format(".SS \"inferno{}\"\n.nf\n{}.fi\n", name,
                       RoffVerbatim(HelpOf(*app, "inferno" + name)));
  }
  out +=
      ".SH FILES\n.TP\n.I ~/.local/share/inferno\nData directory: models/, inferno.db "
      "(conversations, debugger sessions, benchmarks), logs/ ($INFERNO_DATA_DIR).\n"
      ".TP\n.I ~/.config/inferno/inferno.toml\nOptions of each command under its [section] "
      "($INFERNO_CONFIG).\n"
      ".TP\n.I /usr/share/inferno/models/inferno\\-demo\\-Q8_0.gguf\nThe demo model, served "
      "when no model is given and the models directory is empty.\n"
      ".SH SEE ALSO\nThe documentation in the source tree's docs/ directory.\n";
  return out;
}

}  // namespace

void AddCompletionCommands(CLI::App& root, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* completion =
      root.add_subcommand("completion", "Print the shell completion script (bash)");
  completion->add_option("shell", *shell, "Shell")->required()->check(CLI::IsMember({"bash"}));
  // The lambda keeps `shell` alive: CLI11 writes the parsed value through the reference it holds.
  completion->callback([&root, exit_code, shell] {
    fmt::print("{}", BashCompletion(root));
    *exit_code = 0;
  });
  // For packaging: the man page, in roff.
  CLI::App* manpage = root.add_subcommand("manpage", "Print the man page (roff)")->group("");
  manpage->callback([&root, exit_code] {
    fmt::print("{}", ManPage(root));
    *exit_code = 0;
  });
}

}  // namespace inferno::cli
