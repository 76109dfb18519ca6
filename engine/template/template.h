// A Jinja2 template, rendered the way Hugging Face renders a model's chat template: Jinja2's
// ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks, loop controls,
// {% generation %} blocks, tojson as json.dumps(ensure_ascii=False), raise_exception and
// strftime_now. Templates are parsed once and rendered many times; a Template is immutable
// and may be rendered from several threads at once.
//
//   Result<Template> t = Template::Parse(model_template);
//   Result<std::string> prompt = t->Render(context, {});
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/status.h"

namespace inferno::tmpl {
struct Stmt;
}

namespace inferno {

struct RenderOptions {
  // A template that loops forever or builds a huge prompt stops with an error at these.
  uint64_t max_steps = 10'000'000;
  size_t max_output_bytes = 16u << 20;
  // What strftime_now() formats; unset: the local time at render.
  std::optional<std::tm> now;
};

class Template {
 public:
  // Fails with "template:LINE:COLUMN: message" when the source is not a valid template.
  static Result<Template> Parse(std::string_view source);

  // context: a JSON object whose members are the template's variables (messages, tools,
  // add_generation_prompt, bos_token, ...). Fails when the template raises (the message is
  // the template's own for raise_exception), breaks a sandbox rule or a limit.
  Result<std::string> Render(const boost::json::value& context, const RenderOptions& options) const;

 private:
  struct Tree;
  explicit Template(std::shared_ptr<const Tree> tree) : tree_(std::move(tree)) {}
  std::shared_ptr<const Tree> tree_;
};

}  // namespace inferno
