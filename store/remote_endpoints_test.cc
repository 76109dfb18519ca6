#include "store/remote_endpoints.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;

class RemoteEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_remotes_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    Result<std::unique_ptr<Store>> s = Store::Open((dir_ / "inferno.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(RemoteEndpointsTest, AddListDeleteSurviveReopen) {
  ASSERT_TRUE(store_->AddRemoteEndpoint({"gpu", "http://10.0.0.5:8000", "sk-1", 0}).ok());
  ASSERT_TRUE(store_->AddRemoteEndpoint({"peer", "https://peer.lan/llm", "", 0}).ok());
  Reopen();
  Result<std::vector<RemoteEndpoint>> all = store_->ListRemoteEndpoints();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "gpu");
  EXPECT_EQ((*all)[0].api_key, "sk-1");
  EXPECT_EQ((*all)[1].url, "https://peer.lan/llm");
  EXPECT_GT((*all)[1].created_at, 0);
  EXPECT_EQ(store_->AddRemoteEndpoint({"gpu", "http://other", "", 0}).status().code(),
            Status::Code::kAlreadyExists);
  EXPECT_TRUE(store_->DeleteRemoteEndpoint("gpu").ok());
  EXPECT_EQ(store_->DeleteRemoteEndpoint("gpu").code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->ListRemoteEndpoints()->size(), 1u);
}

TEST(RemoteEndpointRules, NamesAndUrls) {
  auto message = [](std::string name, std::string url, std::string key = "") {
    return ValidateRemoteEndpoint({std::move(name), std::move(url), std::move(key), 0}).message();
  };
  EXPECT_EQ(message("a.b_c-1", "http://127.0.0.1:8080"), "");
  EXPECT_EQ(message("", "http://h"), "a remote endpoint needs a non-empty name");
  EXPECT_EQ(message("a/b", "http://h"),
            "name 'a/b' may only hold letters, digits, '.', '_' and '-'");
  EXPECT_EQ(message("a", "ftp://h"), "url must start with http:// or https://");
  EXPECT_EQ(message("a", "http://"), "url has no host");
  EXPECT_EQ(message("a", "http://u:p@h"), "url must not hold credentials (user:password@)");
  EXPECT_EQ(message("a", "http://h/?x=1"),
            "url must not hold spaces, control characters, '?' or '#'");
  EXPECT_EQ(message("a", "http://h/"), "url must not end with '/'");
  EXPECT_EQ(message("a", "http://h/v1"), "url is the server's base, without /v1 (it is added)");
  EXPECT_EQ(message("a", "http://h", "k\r\nX: 1"),
            "api_key must be one line of at most 4096 bytes");
}

}  // namespace
}  // namespace inferno::store
