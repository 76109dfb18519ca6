#include "cli/request_flags.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

namespace inferno::cli {
namespace {

// Parses argv (without the program name) into a fresh request with `run`'s flags.
Status Parse(std::vector<std::string> args, GenerateRequest* req) {
  CLI::App app;
  RequestFlags flags;
  RequestFlags::Options options;
  options.groups = {request::Group::kTop, request::Group::kSampling, request::Group::kProbes};
  flags.Add(&app, GenerateRequest{}, options);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  return flags.Apply(req);
}

TEST(RequestFlags, EveryFieldWithAFlagIsRegisteredUnderItsTableName) {
  CLI::App app;
  RequestFlags flags;
  flags.Add(&app, GenerateRequest{},
            {.groups = {request::Group::kTop, request::Group::kSampling, request::Group::kProbes},
             .skip = {},
             .rename = {}});
  for (const request::Field& f : request::Fields()) {
    if (f.cli.empty()) continue;
    const std::string name(f.cli.substr(f.cli.rfind(',') + 1));
    EXPECT_NE(app.get_option_no_throw(name), nullptr) << name;
  }
}

TEST(RequestFlags, GivenFlagsAreSetAndOthersKeepTheirDefaults) {
  GenerateRequest req;
  ASSERT_TRUE(Parse({"--temp", "0", "-n", "7", "--stop", "a", "--stop", "b", "--ignore-eos",
                     "--seed", "5", "--top-logits", "3"},
                    &req)
                  .ok());
  EXPECT_EQ(req.sampling.temperature, 0.f);
  EXPECT_EQ(req.max_tokens, 7);
  EXPECT_EQ(req.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(req.ignore_eos);
  EXPECT_EQ(req.sampling.seed, 5u);
  EXPECT_EQ(req.top_k_events, 3);
  EXPECT_EQ(req.sampling.top_p, GenerateRequest{}.sampling.top_p);
}

TEST(RequestFlags, OutOfBoundsNamesTheFlagAndTheSchemaMessage) {
  GenerateRequest req;
  EXPECT_EQ(Parse({"--temp", "5"}, &req).message(),
            "--temp: 'temperature' must be between 0 and 2");
  EXPECT_EQ(Parse({"--top-k", "-1"}, &req).message(),
            "--top-k: 'top_k' must be between 0 and 1048576");
  EXPECT_EQ(Parse({"-n", "0"}, &req).message(),
            "--n-predict: 'max_tokens' must be between 1 and 1048576");
  EXPECT_EQ(Parse({"--top-p", "x"}, &req).message(), "--top-p: 'top_p' must be a number");
}

}  // namespace
}  // namespace inferno::cli
