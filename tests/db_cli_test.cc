// A damaged inferno.db through the real binary: `inferno serve` refuses to start on it and
// leaves it as it was, a server that meets damage while running answers 503 and writes no
// more, and `inferno db check` / `inferno db recover` report and save what is readable.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/damage_for_tests.h"
#include "store/store.h"
#include "tests/server_process.h"
#include "tests/subprocess.h"

namespace inferno {
namespace {

namespace fs = std::filesystem;
namespace damage = store::testing;
using testing::ProcessResult;

constexpr int kConversations = 3;
constexpr int kMessages = kConversations * 60;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A data dir whose inferno.db holds 3 conversations of 60 messages and 2 profiles, closed so
// that every page is in the main file.
fs::path FilledDataDir(const std::string& name) {
  const fs::path dir = testing::FreshTempDir("db_cli", name);
  Result<std::unique_ptr<store::Store>> s = store::Store::Open((dir / "inferno.db").string());
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return dir;
  for (int c = 0; c < kConversations; ++c) {
    Result<store::Conversation> conv = (*s)->CreateConversation({"chat", "", "", {}});
    EXPECT_TRUE(conv.ok());
    for (int m = 0; m < kMessages / kConversations; ++m) {
      EXPECT_TRUE((*s)->AppendMessage(conv->id, {"user", std::string(300, 'x')}).ok());
    }
  }
  EXPECT_TRUE((*s)->CreateProfile({0, "terse", "", "", {}}).ok());
  EXPECT_TRUE((*s)->CreateProfile({0, "chatty", "", "", {}}).ok());
  return dir;
}

ProcessResult Inferno(std::vector<std::string> args) {
  args.insert(args.begin(), testing::InfernoBinary());
  return testing::RunProcess(args);
}

ProcessResult Serve(const fs::path& data) {
  return Inferno(
      {"serve", "--port", "0", "-m", testing::FixtureModel(), "--data-dir", data.string()});
}

void ExpectRefusedToServe(const fs::path& data, const std::string& problem) {
  const std::string db = (data / "inferno.db").string();
  const std::string before = damage::FileBytes(db);
  ProcessResult r = Serve(data);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_FALSE(Has(r.out, "serving on")) << r.out;
  EXPECT_TRUE(Has(r.err, "error: " + db + " is damaged (")) << r.err;
  EXPECT_TRUE(Has(r.err, problem)) << r.err;
  EXPECT_TRUE(Has(r.err, "inferno db check --db " + db)) << r.err;
  EXPECT_TRUE(Has(r.err, "inferno db recover " + db + ".recovered --db " + db)) << r.err;
  EXPECT_EQ(damage::FileBytes(db), before);
}

TEST(DamagedDatabase, ServeRefusesADamagedPageAndLeavesTheFileAsItWas) {
  const fs::path data = FilledDataDir("serve_page");
  const damage::DamagedPage page =
      damage::DamageLeafPage((data / "inferno.db").string(), "messages");
  ExpectRefusedToServe(data, "quick_check: Page " + std::to_string(page.page) + ": ");
  fs::remove_all(data);
}

TEST(DamagedDatabase, ServeRefusesADamagedHeader) {
  const fs::path data = FilledDataDir("serve_header");
  damage::DamageHeader((data / "inferno.db").string());
  ExpectRefusedToServe(data, "file is not a database");
  fs::remove_all(data);
}

TEST(DamagedDatabase, CheckExitsZeroOneOrTwo) {
  const fs::path data = FilledDataDir("check");
  const std::string db = (data / "inferno.db").string();
  ProcessResult ok = Inferno({"db", "check", "--data-dir", data.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(Has(ok.out, db + ": ok\n")) << ok.out;
  EXPECT_TRUE(Has(ok.out, "  messages: " + std::to_string(kMessages) + " rows\n")) << ok.out;
  EXPECT_TRUE(Has(ok.out, "  profiles: 2 rows\n")) << ok.out;

  const damage::DamagedPage page = damage::DamageLeafPage(db, "messages");
  const std::string before = damage::FileBytes(db);
  ProcessResult bad = Inferno({"db", "check", "--db", db});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_TRUE(Has(bad.out, db + ": damaged\n")) << bad.out;
  EXPECT_TRUE(Has(bad.out, "Page " + std::to_string(page.page) + ": ")) << bad.out;
  EXPECT_TRUE(Has(bad.out, "  messages: " + std::to_string(kMessages - page.cells) +
                               " rows, up to " + std::to_string(page.cells) + " unreadable"))
      << bad.out;
  EXPECT_TRUE(Has(bad.out, "  conversations: 3 rows\n")) << bad.out;
  EXPECT_TRUE(Has(bad.out, "inferno db recover " + db + ".recovered --db " + db)) << bad.out;
  EXPECT_EQ(damage::FileBytes(db), before);

  ProcessResult missing = Inferno({"db", "check", "--db", (data / "none.db").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Has(missing.err, "none.db: no such file")) << missing.err;
  fs::remove_all(data);
}

TEST(DamagedDatabase, RecoverCopiesTheReadableRowsIntoANewFile) {
  const fs::path data = FilledDataDir("recover");
  const std::string db = (data / "inferno.db").string();
  const std::string out = (data / "recovered.db").string();
  ProcessResult all = Inferno({"db", "recover", (data / "all.db").string(), "--db", db});
  EXPECT_EQ(all.exit_code, 0) << all.out << all.err;
  EXPECT_TRUE(Has(all.out, "every row was copied.")) << all.out;

  const damage::DamagedPage page = damage::DamageLeafPage(db, "messages");
  const std::string before = damage::FileBytes(db);
  ProcessResult r = Inferno({"db", "recover", out, "--data-dir", data.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "recovered " + db + " into " + out)) << r.out;
  EXPECT_TRUE(Has(r.out, "  messages: " + std::to_string(kMessages - page.cells) + " rows"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "  conversations: 3 rows\n")) << r.out;
  EXPECT_TRUE(Has(r.out, "  profiles: 2 rows\n")) << r.out;
  EXPECT_TRUE(Has(r.out, "some rows could not be read")) << r.out;
  EXPECT_EQ(damage::FileBytes(db), before);

  ProcessResult check = Inferno({"db", "check", "--db", out});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_TRUE(Has(check.out, "  messages: " + std::to_string(kMessages - page.cells) + " rows\n"))
      << check.out;

  const std::string recovered = damage::FileBytes(out);
  ProcessResult again = Inferno({"db", "recover", out, "--db", db});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(Has(again.err, "already exists")) << again.err;
  EXPECT_EQ(damage::FileBytes(out), recovered);

  // Moved into place, the recovered file serves.
  fs::rename(db, data / "damaged.db");
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");
  fs::rename(out, db);
  testing::ServerProcess server({"-m", testing::FixtureModel(), "--data-dir", data.string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  testing::HttpResponse list = testing::HttpRequest(server.port(), "GET", "/api/conversations");
  EXPECT_EQ(list.status, 200) << list.body;
  fs::remove_all(data);
}

// Damage that appears under a running server: the request that meets it, and every write
// after it, get 503 with the damage message; sound pages stay readable; the file gets no
// more writes, not even at shutdown.
TEST(DamagedDatabase, RunningServerAnswers503AndStopsWriting) {
  const fs::path data = FilledDataDir("running");
  const std::string db = (data / "inferno.db").string();
  testing::ServerProcess server({"-m", testing::FixtureModel(), "--data-dir", data.string()});
  ASSERT_TRUE(server.ok()) << server.startup_output();
  damage::DamageLeafPage(db, "messages");
  const std::string damaged = damage::FileBytes(db);

  int refused = 0;
  for (int id = 1; id <= kConversations; ++id) {
    testing::HttpResponse r =
        testing::HttpRequest(server.port(), "GET", "/api/conversations/" + std::to_string(id));
    if (r.status == 200) continue;
    ++refused;
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_TRUE(Has(testing::ErrorField(r, "message"), db + " is damaged")) << r.body;
    EXPECT_EQ(testing::ErrorField(r, "code"), "store_damaged") << r.body;
  }
  EXPECT_GE(refused, 1);
  testing::HttpResponse write =
      testing::HttpRequest(server.port(), "POST", "/api/profiles", R"({"name":"after"})");
  EXPECT_EQ(write.status, 503) << write.body;
  EXPECT_TRUE(Has(testing::ErrorField(write, "message"), "inferno db recover")) << write.body;
  testing::HttpResponse read = testing::HttpRequest(server.port(), "GET", "/api/profiles");
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_FALSE(Has(read.body, "after")) << read.body;
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_EQ(damage::FileBytes(db), damaged);
  fs::remove_all(data);
}

}  // namespace
}  // namespace inferno
