// `inferno template` through the real binary: a fixture template rendered with a context
// file prints Hugging Face's rendering; a refusal or a parse error exits 1 with the message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/subprocess.h"

namespace inferno {
namespace {

using testing::ReadAll;

namespace fs = std::filesystem;
using testing::ProcessResult;

fs::path Write(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

ProcessResult Inferno(std::vector<std::string> args) {
  args.insert(args.begin(), testing::InfernoBinary());
  return testing::RunProcess(args);
}

const fs::path kTemplates = fs::path(testing::SharedDir()) / "fixtures" / "templates";

TEST(TemplateCliTest, PrintsTheRendering) {
  const fs::path dir = testing::FreshTempDir("template_cli", "prints");
  const fs::path ctx = Write(dir, "ctx.json", R"({"bos_token": "<s>", "eos_token": "</s>",
      "add_generation_prompt": true, "tools": null, "documents": null,
      "messages": [{"role": "user", "content": "Hello! What is 17 \u00d7 23?"}]})");
  ProcessResult r =
      Inferno({"template", (kTemplates / "jinja" / "Qwen-Qwen2.5-7B-Instruct.jinja").string(),
               ctx.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadAll(kTemplates / "expected" / "Qwen-Qwen2.5-7B-Instruct" / "user-only.txt"));
}

TEST(TemplateCliTest, RefusalExitsOneWithTheTemplatesMessage) {
  const fs::path dir = testing::FreshTempDir("template_cli", "refusal");
  const fs::path ctx = Write(dir, "ctx.json", R"({"add_generation_prompt": true,
      "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]})");
  ProcessResult r = Inferno(
      {"template", (kTemplates / "jinja" / "google-gemma-2-2b-it.jinja").string(), ctx.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("System role not supported"), std::string::npos) << r.err;
}

TEST(TemplateCliTest, ParseErrorExitsOneNamingThePosition) {
  const fs::path dir = testing::FreshTempDir("template_cli", "parse");
  const fs::path tmpl = Write(dir, "bad.jinja", "hello\n{% for m in messages %}{{ m }}");
  const fs::path ctx = Write(dir, "ctx.json", "{}");
  ProcessResult r = Inferno({"template", tmpl.string(), ctx.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("template:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected 'endfor'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace inferno
