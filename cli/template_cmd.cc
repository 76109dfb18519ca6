// `inferno template TEMPLATE.jinja CONTEXT.json`: renders a chat template (Jinja2, as
// Hugging Face renders it) with the JSON object in CONTEXT.json as its variables, and prints
// the result. A template that refuses the context (raise_exception, a sandbox rule) or does
// not parse exits 1 with its message on stderr.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/text_util.h"
#include "engine/template/template.h"

namespace inferno::cli {
namespace {

struct TemplateOptions {
  std::string template_path;
  std::string context_path;
};

int RunTemplate(const TemplateOptions& o) {
  Result<std::string> source = ReadFile(o.template_path);
  if (!source.ok()) {
    fmt::print(stderr, "error: {}\n", source.status().message());
    return 1;
  }
  Result<std::string> context_text = ReadFile(o.context_path);
  if (!context_text.ok()) {
    fmt::print(stderr, "error: {}\n", context_text.status().message());
    return 1;
  }
  boost::system::error_code ec;
  const boost::json::value context = boost::json::parse(*context_text, ec);
  if (ec || !context.is_object()) {
    fmt::print(stderr, "error: {}: not a JSON object{}\n", o.context_path,
               ec ? " (" + ec.message() + ")" : "");
    return 1;
  }
  Result<Template> tmpl = Template::Parse(*source);
  if (!tmpl.ok()) {
    fmt::print(stderr, "error: {}: {}\n", o.template_path, tmpl.status().message());
    return 1;
  }
  Result<std::string> out = tmpl->Render(context, RenderOptions{});
  if (!out.ok()) {
    fmt::print(stderr, "error: {}\n", out.status().message());
    return 1;
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

}  // namespace

void AddTemplateCommand(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<TemplateOptions>();
  CLI::App* cmd = root.add_subcommand("template", "Render a chat template (Jinja2) with a context");
  cmd->add_option("template", opts->template_path, "Template file (.jinja)")->required();
  cmd->add_option("context", opts->context_path,
                  "JSON object of the template's variables (messages, tools, "
                  "add_generation_prompt, bos_token, ...)")
      ->required();
  cmd->callback([opts, exit_code] { *exit_code = RunTemplate(*opts); });
}

}  // namespace inferno::cli
