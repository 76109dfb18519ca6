// The fixture of the test suites that speak to one `inferno serve` process over HTTP: a fresh
// directory whose models/ the suite writes, the server started over it once for the suite
// (started per suite, not per test: a start loads and checks the models), and the client calls
// every such suite makes. A suite's SetUpTestSuite() writes its models into MakeModels() and
// calls Serve(); the server ends with the suite.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno::testing {

class ServedTest : public ::testing::Test {
 protected:
  // A fresh <tmp>/`name`/models for the suite to write its models into.
  static std::filesystem::path MakeModels(const std::string& name) {
    dir_ = FreshTempDir(name, "server");
    std::filesystem::create_directories(models());
    return models();
  }
  // Serves models() with one thread and `args` added (e.g. {"-m", path}: loaded at start).
  static void Serve(const std::vector<std::string>& args = {}) {
    std::vector<std::string> all = {"--models-dir",           models().string(), "--data-dir",
                                    (dir_ / "data").string(), "--threads",       "1"};
    all.insert(all.end(), args.begin(), args.end());
    server_ = std::make_unique<ServerProcess>(all);
    ASSERT_TRUE(server_->ok()) << server_->startup_output();
  }
  static void TearDownTestSuite() {
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    dir_.clear();
  }

  static std::filesystem::path models() { return dir_ / "models"; }
  static int port() { return server_ ? server_->port() : 0; }
  static HttpResponse Post(const std::string& target, const std::string& body) {
    return HttpRequest(port(), "POST", target, body);
  }
  static HttpResponse Post(const std::string& target, const boost::json::object& body) {
    return Post(target, boost::json::serialize(body));
  }
  // A request that must succeed: its body as a JSON object (a test failure otherwise).
  static boost::json::object PostOk(const std::string& target, const std::string& body) {
    HttpResponse r = Post(target, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJsonObject(r.body);
  }

  inline static std::filesystem::path dir_;
  inline static std::unique_ptr<ServerProcess> server_;
};

}  // namespace inferno::testing
