#include "cli/spec_flags.h"

#include <CLI/CLI.hpp>

namespace inferno::cli {

void SpecFlags::Add(CLI::App* cmd) {
  cmd->add_option("--spec", mode,
                  "Speculative decoding: lookup (drafts from the context itself), draft (a "
                  "draft model, --draft) or off")
      ->check(CLI::IsMember({"off", "lookup", "draft"}))
      ->capture_default_str();
  cmd->add_option("--draft", draft,
                  "Draft model for speculative decoding (same vocabulary as the model)");
  cmd->add_option("--draft-max", draft_max, "Tokens drafted per step at most")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

Result<SpecOptions> SpecFlags::Resolve(const Model* target) const {
  SpecOptions o;
  Result<SpecMode> m = ParseSpecMode(mode);
  if (!m.ok()) return m.status();
  o.mode = !draft.empty() && *m == SpecMode::kOff ? SpecMode::kDraft : *m;
  o.draft_max = draft_max;
  if (!draft.empty()) {
    Result<std::unique_ptr<Model>> d = Model::Load(draft);
    if (!d.ok()) return d.status();
    o.draft = std::shared_ptr<const Model>(std::move(d).value());
  }
  if (target == nullptr) return o;
  if (Status st = CheckSpecOptions(o, *target); !st.ok()) return st;
  return o;
}

}  // namespace inferno::cli
