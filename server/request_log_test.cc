#include "server/request_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferno::server {
namespace {

TEST(RedactTarget, HidesSecretLookingQueryValues) {
  EXPECT_EQ(RedactTarget("/v1/models"), "/v1/models");
  EXPECT_EQ(RedactTarget("/ws?api_key=s3cret"), "/ws?api_key=REDACTED");
  EXPECT_EQ(RedactTarget("/ws?ticket=abc&x=1&Access_Token=t&password=p"),
            "/ws?ticket=REDACTED&x=1&Access_Token=REDACTED&password=REDACTED");
  EXPECT_EQ(RedactTarget("/api/x?limit=5&offset=2"), "/api/x?limit=5&offset=2");
  EXPECT_EQ(RedactTarget("/a?key"), "/a?key");  // no value to hide
}

TEST(RequestLog, FilesAreOwnerOnlyAndHoldNoSecret) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("inferno_request_log_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  {
    RequestLog log(dir.string(), /*to_stderr=*/false);
    log.Log("127.0.0.1:1", "GET", "/ws?api_key=hunter2&ticket=0123", 401, 1.0);
  }
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++files;
    struct stat st {};
    ASSERT_EQ(stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str().find("hunter2"), std::string::npos);
    EXPECT_EQ(text.str().find("0123"), std::string::npos);
    EXPECT_NE(text.str().find("/ws?api_key=REDACTED&ticket=REDACTED 401"), std::string::npos);
  }
  EXPECT_EQ(files, 1);
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace inferno::server
