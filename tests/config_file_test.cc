// The TOML config file (docs/inferno.toml): the committed sample is valid and names every
// `inferno serve` option, values from a file apply, the command line wins over them, and a
// wrong key or a missing file is a clear error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

using testing::ReadAll;

namespace fs = std::filesystem;
using testing::HttpRequest;
using testing::ServerProcess;

std::string Sample() { return std::string(INFERNO_SOURCE_DIR) + "/docs/inferno.toml"; }

TEST(ConfigFile, SampleIsValidAndNamesEveryServeOption) {
  const fs::path data = testing::FreshTempDir("config", "sample");
  ServerProcess server(
      {"--config", Sample(), "-m", testing::FixtureModel(), "--data-dir", data.string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/health").status, 200);

  testing::ProcessResult help = testing::RunProcess({testing::InfernoBinary(), "serve", "--help"});
  ASSERT_EQ(help.exit_code, 0);
  const std::string sample = ReadAll(Sample());
  const std::regex option("--([a-z][a-z-]+)");
  int n = 0;
  for (std::sregex_iterator it(help.out.begin(), help.out.end(), option), end; it != end; ++it) {
    const std::string name = (*it)[1];
    if (name == "help" || name == "cors-origin" || name == "api-key") continue;  // see sample
    ++n;
    EXPECT_TRUE(std::regex_search(sample, std::regex("(^|\n)(# )?" + name + " = ")))
        << "docs/inferno.toml does not mention --" << name;
  }
  EXPECT_GT(n, 10);
  fs::remove_all(data);
}

TEST(ConfigFile, ValuesApplyAndTheCommandLineWins) {
  const fs::path dir = testing::FreshTempDir("config", "apply");
  fs::create_directories(dir);
  std::ofstream(dir / "key") << "from-config\n";
  std::ofstream(dir / "inferno.toml") << "[serve]\n"
                                      << "allowed-hosts = [\"box.lan\"]\n"
                                      << "api-key-file = \"" << (dir / "key").string() << "\"\n"
                                      << "port = 1\n";  // --port 0 on the command line wins
  ServerProcess server({"--config", (dir / "inferno.toml").string(), "-m", testing::FixtureModel(),
                        "--data-dir", (dir / "data").string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  EXPECT_NE(server.port(), 1);
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer from-config"},
                                                   {"Host", "box.lan"}};
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/v1/models", "", auth).status, 200);
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/v1/models", "", {{"Host", "box.lan"}}).status, 401);
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/v1/models", "",
                        {{"Authorization", "Bearer from-config"}, {"Host", "evil.example"}})
                .status,
            403);
  fs::remove_all(dir);
}

TEST(ConfigFile, UnknownKeyAndMissingFileAreErrors) {
  const fs::path dir = testing::FreshTempDir("config", "errors");
  fs::create_directories(dir);
  std::ofstream(dir / "typo.toml") << "[serve]\nallowed-host = [\"box.lan\"]\n";
  testing::ProcessResult typo = testing::RunProcess(
      {testing::InfernoBinary(), "serve", "--config", (dir / "typo.toml").string()});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("typo.toml"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("allowed-host"), std::string::npos) << typo.err;

  testing::ProcessResult missing =
      testing::RunProcess({"/usr/bin/env", "INFERNO_CONFIG=" + (dir / "none.toml").string(),
                           testing::InfernoBinary(), "serve", "--port", "0"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("none.toml"), std::string::npos) << missing.err;
  fs::remove_all(dir);
}

TEST(ConfigFile, TildeInValuesIsTheHomeDirectory) {
  const fs::path dir = testing::FreshTempDir("config", "tilde");
  fs::create_directories(dir);
  std::ofstream(dir / "inferno.toml") << "[models]\nmodels-dir = \"~/my-models\"\n";
  testing::ProcessResult r =
      testing::RunProcess({"/usr/bin/env", "HOME=" + dir.string(), testing::InfernoBinary(),
                           "models", "--json", "--config", (dir / "inferno.toml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"models_dir\":\"" + (dir / "my-models").string() + "\""),
            std::string::npos)
      << r.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inferno
