#include "cli/request_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace inferno::cli {
namespace {

bool Contains(const std::vector<request::Group>& groups, request::Group g) {
  return std::find(groups.begin(), groups.end(), g) != groups.end();
}

}  // namespace

void RequestFlags::Add(CLI::App* cmd, const GenerateRequest& defaults, const Options& options) {
  for (const request::Field& f : request::Fields()) {
    if (!Contains(options.groups, f.group) || f.cli.empty()) continue;
    if (std::find(options.skip.begin(), options.skip.end(), &f) != options.skip.end()) continue;
    const auto renamed = options.rename.find(&f);
    const std::string names =
        renamed != options.rename.end() ? renamed->second : std::string(f.cli);
    Flag& flag = flags_.emplace_back(Flag{&f, nullptr, {}, false});
    const std::string doc(f.doc);
    if (f.type == request::FieldType::kBool) {
      flag.option = cmd->add_flag(names, flag.given, doc);
    } else if (f.type == request::FieldType::kStrings || f.type == request::FieldType::kTokenBias) {
      flag.option = cmd->add_option(names, flag.text, doc)->type_name("TEXT");
    } else if (f.type == request::FieldType::kChoice) {
      flag.option = cmd->add_option(names, flag.text, doc)->expected(1);
      flag.option->default_str(request::ValueText(f, defaults))->type_name("TEXT");
    } else {
      flag.option = cmd->add_option(names, flag.text, doc)->expected(1);
      flag.option->default_str(request::ValueText(f, defaults))
          ->type_name(f.type == request::FieldType::kInteger ? "INT" : "FLOAT");
    }
  }
}

Status RequestFlags::Apply(GenerateRequest* req) const {
  for (const Flag& flag : flags_) {
    if (flag.option->count() == 0) continue;
    const std::vector<std::string> text = flag.field->type == request::FieldType::kBool
                                              ? std::vector<std::string>{"true"}
                                              : flag.text;
    if (Status st = request::SetFromText(*flag.field, text, req); !st.ok()) {
      return Status::InvalidArgument(flag.option->get_name() + ": " + st.message());
    }
  }
  return Status::Ok();
}

}  // namespace inferno::cli
