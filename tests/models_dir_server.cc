#include "tests/models_dir_server.h"

#include "tests/subprocess.h"

namespace inferno::testing {

namespace fs = std::filesystem;

namespace {

fs::path FilledDir(const std::string& suite, const std::function<void(const fs::path&)>& fill) {
  const fs::path dir = FreshTempDir(suite, "server");
  fs::create_directories(dir / "models");
  fill(dir / "models");
  return dir;
}

}  // namespace

ModelsDirServer::ModelsDirServer(const std::string& suite,
                                 const std::function<void(const fs::path&)>& fill,
                                 std::vector<std::string> extra_args)
    : dir_(FilledDir(suite, fill)), server_(Args(dir_, std::move(extra_args))) {}

ModelsDirServer::~ModelsDirServer() {
  server_.Stop();
  fs::remove_all(dir_);
}

std::vector<std::string> ModelsDirServer::Args(const fs::path& dir,
                                               std::vector<std::string> extra) {
  std::vector<std::string> args = {"--models-dir", (dir / "models").string(), "--data-dir",
                                   (dir / "data").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace inferno::testing
