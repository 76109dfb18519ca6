// A damaged database: Open refuses it without writing to it, and a store that meets damage
// while serving stops writing.
#include "store/integrity.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/damage_for_tests.h"
#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;
using testing::DamageHeader;
using testing::DamageLeafPage;
using testing::FileBytes;

constexpr int kConversations = 3;
constexpr int kMessagesEach = 60;
constexpr int kMessages = kConversations * kMessagesEach;

class IntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_integrity_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "inferno.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Store> OpenOk(const std::string& path) {
    Result<std::unique_ptr<Store>> s = Store::Open(path);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // A database with rows in every table; messages span many pages (~300 bytes each). Closed
  // on return, so that every page is in the main file.
  void Fill() {
    std::unique_ptr<Store> s = OpenOk(path_);
    ASSERT_TRUE(s);
    for (int c = 0; c < kConversations; ++c) {
      Result<Conversation> conv = s->CreateConversation({"chat " + std::to_string(c), "", "", {}});
      ASSERT_TRUE(conv.ok());
      for (int m = 0; m < kMessagesEach; ++m) {
        const std::string text = "message " + std::to_string(m) + " " + std::string(300, 'x');
        ASSERT_TRUE(s->AppendMessage(conv->id, {m % 2 ? "assistant" : "user", text}).ok());
      }
    }
    ASSERT_TRUE(s->CreateProfile(Profile{0, "terse", "m", "Be brief.", {}}).ok());
    ASSERT_TRUE(s->CreateProfile(Profile{0, "chatty", "m", "Say more.", {}}).ok());
    ASSERT_TRUE(s->SaveDebugSession({"s1", "", -1, "m", "stop", 3, "{}"}).ok());
    ASSERT_TRUE(s->SaveDebugSession({"s2", "s1", 1, "m", "", 1, "{}"}).ok());
    BenchRun run;
    run.run_key = "r1";
    Result<int64_t> id = s->CreateBenchRun(run);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(s->AddBenchResult(*id, bench::SuiteRow{}).ok());
    ASSERT_TRUE(s->AddBenchResult(*id, bench::SuiteRow{}).ok());
  }

  void ExpectDamageMessage(const Status& st) {
    EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.message();
    EXPECT_NE(st.message().find(path_ + " is damaged"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("inferno db check --db " + path_), std::string::npos);
    EXPECT_NE(st.message().find("inferno db recover " + path_ + ".recovered --db " + path_),
              std::string::npos);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(IntegrityTest, OpenRefusesADamagedTablePageAndWritesNothingIntoIt) {
  Fill();
  DamageLeafPage(path_, "messages");
  const std::string before = FileBytes(path_);
  Result<std::unique_ptr<Store>> s = Store::Open(path_);
  ASSERT_FALSE(s.ok());
  ExpectDamageMessage(s.status());
  EXPECT_NE(s.status().message().find("quick_check: "), std::string::npos);
  EXPECT_NE(s.status().message().find("Page "), std::string::npos) << s.status().message();
  EXPECT_EQ(FileBytes(path_), before);
}

TEST_F(IntegrityTest, OpenRefusesADamagedHeaderAndWritesNothingIntoIt) {
  Fill();
  DamageHeader(path_);
  const std::string before = FileBytes(path_);
  Result<std::unique_ptr<Store>> s = Store::Open(path_);
  ASSERT_FALSE(s.ok());
  ExpectDamageMessage(s.status());
  EXPECT_NE(s.status().message().find("not a database"), std::string::npos);
  EXPECT_EQ(FileBytes(path_), before);
}

TEST_F(IntegrityTest, QuickCheckSaysOkForASoundFile) {
  Fill();
  Result<std::vector<std::string>> lines = QuickCheck(path_, 5);
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  EXPECT_EQ(*lines, std::vector<std::string>{"ok"});
  EXPECT_TRUE(OpenOk(path_));
}

// Damage found by a statement while the store is open: that statement and every later write
// fail with the damage message, reads of sound pages still work, and nothing more reaches
// the file, not even the WAL's checkpoint when the store closes.
TEST_F(IntegrityTest, StoreStopsWritingOnceAStatementMeetsDamage) {
  Fill();
  std::unique_ptr<Store> s = OpenOk(path_);
  ASSERT_TRUE(s);
  DamageLeafPage(path_, "messages");
  const std::string damaged = FileBytes(path_);
  ASSERT_TRUE(s->CreateProfile(Profile{0, "before", "", "", {}}).ok());  // not yet met

  int failed_reads = 0;
  for (int64_t id = 1; id <= kConversations; ++id) {
    Result<Conversation> c = s->GetConversation(id);
    if (c.ok()) continue;
    ++failed_reads;
    ExpectDamageMessage(c.status());
    EXPECT_NE(c.status().message().find("reading conversation"), std::string::npos);
  }
  EXPECT_GE(failed_reads, 1);

  Result<Profile> p = s->CreateProfile(Profile{0, "after", "", "", {}});
  ASSERT_FALSE(p.ok());
  ExpectDamageMessage(p.status());
  EXPECT_EQ(s->AppendMessage(1, {"user", "hi"}).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(s->DeleteProfile(1).code(), Status::Code::kCorruption);
  Result<std::vector<Profile>> profiles = s->ListProfiles();  // a sound page: still readable
  ASSERT_TRUE(profiles.ok()) << profiles.status().message();
  EXPECT_EQ(profiles->size(), 3u);
  s.reset();
  EXPECT_EQ(FileBytes(path_), damaged);

  // The profile written before the damage was met is in the WAL, which stays beside the
  // file; the refused one is nowhere.
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(name) FROM (SELECT name FROM profiles ORDER BY id)")
                .getString(),
            "terse,chatty,before");
}

}  // namespace
}  // namespace inferno::store
