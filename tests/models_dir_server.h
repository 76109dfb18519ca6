// A real `inferno serve` on a fresh models dir of a test's own: `fill` writes the model files
// into the dir before the server starts; the dir (models and data) goes when this does.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/server_process.h"

namespace inferno::testing {

class ModelsDirServer {
 public:
  ModelsDirServer(const std::string& suite,
                  const std::function<void(const std::filesystem::path& models)>& fill,
                  std::vector<std::string> extra_args = {});
  ~ModelsDirServer();
  ModelsDirServer(const ModelsDirServer&) = delete;
  ModelsDirServer& operator=(const ModelsDirServer&) = delete;

  ServerProcess& server() { return server_; }
  int port() const { return server_.port(); }
  std::filesystem::path models() const { return dir_ / "models"; }

 private:
  static std::vector<std::string> Args(const std::filesystem::path& dir,
                                       std::vector<std::string> extra);
  std::filesystem::path dir_;
  ServerProcess server_;
};

}  // namespace inferno::testing
