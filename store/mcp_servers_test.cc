#include "store/mcp_servers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;

class McpServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inferno_mcp_servers_" + std::to_string(getpid()));
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

McpServer Http(const std::string& name) {
  McpServer s;
  s.name = name;
  s.transport = "http";
  s.url = "http://127.0.0.1:3000/mcp";
  s.headers = {{"Authorization", "Bearer k"}};
  return s;
}

TEST_F(McpServersTest, AddListGetDeleteSurviveReopen) {
  McpServer stdio;
  stdio.name = "local";
  stdio.transport = "stdio";
  stdio.command = "node";
  stdio.args = {"server.mjs", "--flag with space"};
  Result<McpServer> a = store_->AddMcpServer(Http("remote"));
  Result<McpServer> b = store_->AddMcpServer(stdio);
  ASSERT_TRUE(a.ok() && b.ok());
  Reopen();
  Result<std::vector<McpServer>> all = store_->ListMcpServers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].headers.at("Authorization"), "Bearer k");
  EXPECT_EQ((*all)[1].args, stdio.args);
  EXPECT_EQ(store_->GetMcpServer(b->id)->command, "node");
  EXPECT_TRUE(store_->DeleteMcpServer(a->id).ok());
  EXPECT_EQ(store_->DeleteMcpServer(a->id).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetMcpServer(a->id).status().code(), Status::Code::kNotFound);
}

TEST_F(McpServersTest, Validation) {
  ASSERT_TRUE(store_->AddMcpServer(Http("x")).ok());
  EXPECT_EQ(store_->AddMcpServer(Http("x")).status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(store_->AddMcpServer(Http("")).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->AddMcpServer(Http("inferno")).status().code(), Status::Code::kInvalidArgument);
  McpServer bad_url = Http("y");
  bad_url.url = "ftp://host";
  EXPECT_EQ(store_->AddMcpServer(bad_url).status().message(),
            "url must start with http:// or https://");
  McpServer bad_header = Http("z");
  bad_header.headers = {{"X-Key", "a\r\nInjected: 1"}};
  EXPECT_FALSE(store_->AddMcpServer(bad_header).ok());
  McpServer mixed = Http("w");
  mixed.command = "sh";
  EXPECT_EQ(store_->AddMcpServer(mixed).status().message(),
            "an http server has a url, not a command");
  McpServer no_command;
  no_command.name = "v";
  no_command.transport = "stdio";
  EXPECT_EQ(store_->AddMcpServer(no_command).status().message(), "a stdio server needs a command");
  McpServer ws = Http("u");
  ws.transport = "websocket";
  EXPECT_EQ(store_->AddMcpServer(ws).status().message(), "transport must be http or stdio");
}

}  // namespace
}  // namespace inferno::store
