#include "engine/template/template.h"

#include <boost/json.hpp>
#include <exception>

#include "engine/template/builtins.h"
#include "engine/template/error.h"
#include "engine/template/interpreter.h"
#include "engine/template/lexer.h"
#include "engine/template/parser.h"

namespace inferno {

struct Template::Tree {
  tmpl::Body body;
};

namespace {

std::string Located(const tmpl::TemplateError& e) {
  std::string where = "template";
  if (e.line > 0) {
    where += ':';
    where += std::to_string(e.line);
    where += ':';
    where += std::to_string(e.column);
  }
  where += ": ";
  return where + e.what();
}

std::tm LocalNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

}  // namespace

Result<Template> Template::Parse(std::string_view source) {
  try {
    auto tree = std::make_shared<Tree>();
    tree->body = tmpl::Parse(tmpl::Lex(source));
    return Template(std::move(tree));
  } catch (const tmpl::TemplateError& e) {
    return Status::InvalidArgument(Located(e));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("template: ") + e.what());
  }
}

Result<std::string> Template::Render(const boost::json::value& context,
                                     const RenderOptions& options) const {
  if (!context.is_object())
    return Status::InvalidArgument("template context must be a JSON object");
  auto root = std::make_shared<tmpl::Scope>(nullptr);
  tmpl::AddGlobals(*root);
  for (const auto& kv : context.get_object()) {
    root->Set(std::string(kv.key()), tmpl::Value::FromJson(kv.value()));
  }
  tmpl::Limits limits;
  limits.max_steps = options.max_steps;
  limits.max_output = options.max_output_bytes;
  tmpl::Interpreter interpreter(limits, options.now ? *options.now : LocalNow());
  try {
    return interpreter.Render(tree_->body, std::move(root));
  } catch (const tmpl::TemplateError& e) {
    // raise_exception's message is the template's own words: pass it on unadorned.
    if (e.kind == "TemplateError") return Status::InvalidArgument(e.what());
    return Status::InvalidArgument(
        Located(tmpl::TemplateError(e.kind, e.kind + ": " + e.what(), e.line, e.column)));
  } catch (const std::exception& e) {
    // A value of the wrong type where a builtin reads one (e.g. a string slice bound), or an
    // allocation the limits did not foresee: a refusal, never a crash of the caller.
    return Status::InvalidArgument(std::string("template: TypeError: ") + e.what());
  }
}

}  // namespace inferno
