// A damaged database: Open refuses it without writing to it, a store that meets damage while
// serving stops writing, and check/recover read every row the damage left.
#include "store/integrity.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/damage_for_tests.h"
#include "store/recover.h"
#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;
using testing::DamagedPage;
using testing::DamageHeader;
using testing::DamageLeafPage;
using testing::DamageOverflowPage;
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

  const TableScan& Table(const std::vector<TableScan>& tables, const std::string& name) {
    for (const TableScan& t : tables) {
      if (t.table == name) return t;
    }
    ADD_FAILURE() << "no table " << name;
    static const TableScan none;
    return none;
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

TEST_F(IntegrityTest, RecoverCopiesEveryRowOffTheDamagedPage) {
  Fill();
  const DamagedPage page = DamageLeafPage(path_, "messages");
  ASSERT_GT(page.cells, 0);
  const std::string before = FileBytes(path_);
  const std::string out = (dir_ / "recovered" / "inferno.db").string();
  Result<RecoverReport> r = RecoverDatabase(path_, out);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(FileBytes(path_), before);

  const TableScan& messages = Table(r->tables, "messages");
  EXPECT_EQ(messages.rows, kMessages - page.cells);
  EXPECT_EQ(messages.unreadable, page.cells);  // ids are dense: the range is exactly the page
  ASSERT_EQ(messages.skipped.size(), 1u);
  EXPECT_NE(Describe(messages).find("up to " + std::to_string(page.cells) + " unreadable"),
            std::string::npos)
      << Describe(messages);
  for (const auto& [table, rows] :
       std::vector<std::pair<std::string, int64_t>>{{"conversations", kConversations},
                                                    {"profiles", 2},
                                                    {"debug_sessions", 2},
                                                    {"bench_runs", 1},
                                                    {"bench_results", 2}}) {
    EXPECT_EQ(Table(r->tables, table).rows, rows) << table;
    EXPECT_TRUE(Table(r->tables, table).complete()) << Describe(Table(r->tables, table));
  }
  EXPECT_FALSE(r->complete());
  EXPECT_TRUE(r->notes.empty());
  EXPECT_EQ(r->quick_check, std::vector<std::string>{"ok"});

  // The recovered file is a store like any other; ids are kept and never handed out again.
  std::unique_ptr<Store> s = OpenOk(out);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->IntegrityCheck(), "ok");
  int64_t messages_kept = 0;
  for (int64_t id = 1; id <= kConversations; ++id) {
    Result<Conversation> c = s->GetConversation(id);
    ASSERT_TRUE(c.ok()) << c.status().message();
    messages_kept += int64_t(c->messages.size());
  }
  EXPECT_EQ(messages_kept, kMessages - page.cells);
  Result<Message> m = s->AppendMessage(1, {"user", "after recovery"});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->id, kMessages + 1);
}

// The rightmost page: no readable page follows, so the reader seeks up to the largest id the
// table handed out (sqlite_sequence) and counts what it could not read.
TEST_F(IntegrityTest, RecoverLosesOnlyTheRowsOfADamagedLastPage) {
  Fill();
  const DamagedPage page = DamageLeafPage(path_, "messages", testing::Which::kLast);
  Result<RecoverReport> r = RecoverDatabase(path_, (dir_ / "out.db").string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const TableScan& messages = Table(r->tables, "messages");
  EXPECT_EQ(messages.rows, kMessages - page.cells);
  EXPECT_EQ(messages.unreadable, page.cells);
  EXPECT_FALSE(messages.rest_unknown);
  ASSERT_EQ(messages.skipped.size(), 1u);
  EXPECT_EQ(messages.skipped[0].second, kMessages);
  EXPECT_EQ(Table(r->tables, "profiles").rows, 2);
}

// One long message whose overflow chain is broken: that message alone is lost.
TEST_F(IntegrityTest, RecoverLosesOnlyARowWhoseOverflowPageIsDamaged) {
  constexpr int kLong = 5;
  {
    std::unique_ptr<Store> s = OpenOk(path_);
    ASSERT_TRUE(s);
    Result<Conversation> conv = s->CreateConversation({"long", "", "", {}});
    ASSERT_TRUE(conv.ok());
    for (int m = 0; m < kLong; ++m) {
      ASSERT_TRUE(s->AppendMessage(conv->id, {"user", std::string(12000, 'a' + m)}).ok());
      ASSERT_TRUE(s->AppendMessage(conv->id, {"assistant", "short " + std::to_string(m)}).ok());
    }
  }
  DamageOverflowPage(path_, "messages");
  Result<RecoverReport> r = RecoverDatabase(path_, (dir_ / "out.db").string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const TableScan& messages = Table(r->tables, "messages");
  EXPECT_EQ(messages.rows, 2 * kLong - 1);
  EXPECT_EQ(messages.unreadable, 1);
  EXPECT_TRUE(messages.skipped.empty());
  EXPECT_EQ(r->quick_check, std::vector<std::string>{"ok"});
}

TEST_F(IntegrityTest, RecoverGivesOrphanedMessagesAPlaceholderConversation) {
  constexpr int kMany = 40;
  {
    std::unique_ptr<Store> s = OpenOk(path_);
    ASSERT_TRUE(s);
    for (int c = 0; c < kMany; ++c) {  // long titles: the conversations span many pages
      Result<Conversation> conv =
          s->CreateConversation({std::string(900, 'a' + c % 26), "", "", {}});
      ASSERT_TRUE(conv.ok());
      ASSERT_TRUE(s->AppendMessage(conv->id, {"user", "hello " + std::to_string(c)}).ok());
    }
  }
  const DamagedPage page = DamageLeafPage(path_, "conversations");
  const std::string out = (dir_ / "out.db").string();
  Result<RecoverReport> r = RecoverDatabase(path_, out);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Table(r->tables, "conversations").rows, kMany - page.cells);
  EXPECT_EQ(Table(r->tables, "messages").rows, kMany);
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_EQ(r->notes[0], std::to_string(page.cells) +
                             " conversations made for messages whose conversation was unreadable");
  std::unique_ptr<Store> s = OpenOk(out);
  ASSERT_TRUE(s);
  Result<std::vector<Conversation>> all = s->ListConversations({"", 100, 0});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(int64_t(all->size()), kMany);
  int placeholders = 0;
  for (const Conversation& c : *all) {
    EXPECT_EQ(c.message_count, 1);
    if (c.title.find("was unreadable") != std::string::npos) ++placeholders;
  }
  EXPECT_EQ(placeholders, page.cells);
}

TEST_F(IntegrityTest, RecoverRefusesToOverwriteAFile) {
  Fill();
  const std::string out = (dir_ / "taken.db").string();
  { std::ofstream(out) << "keep me"; }
  Result<RecoverReport> r = RecoverDatabase(path_, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(FileBytes(out), "keep me");
}

TEST_F(IntegrityTest, RecoverOfAHeaderlessFileCopiesNothingAndSaysSo) {
  Fill();
  DamageHeader(path_);
  Result<RecoverReport> r = RecoverDatabase(path_, (dir_ / "out.db").string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const TableScan& t : r->tables) {
    EXPECT_EQ(t.rows, 0) << t.table;
    EXPECT_TRUE(t.rest_unknown) << t.table;
    EXPECT_NE(Describe(t).find("unreadable"), std::string::npos) << Describe(t);
  }
  EXPECT_FALSE(r->complete());
  EXPECT_EQ(r->quick_check, std::vector<std::string>{"ok"});
}

TEST_F(IntegrityTest, CheckCountsReadableRows) {
  Fill();
  Result<CheckReport> sound = CheckDatabase(path_);
  ASSERT_TRUE(sound.ok()) << sound.status().message();
  EXPECT_TRUE(sound->ok());
  EXPECT_EQ(Table(sound->tables, "messages").rows, kMessages);
  EXPECT_EQ(Table(sound->tables, "bench_results").rows, 2);

  const DamagedPage page = DamageLeafPage(path_, "messages");
  const std::string before = FileBytes(path_);
  Result<CheckReport> damaged = CheckDatabase(path_);
  ASSERT_TRUE(damaged.ok()) << damaged.status().message();
  EXPECT_FALSE(damaged->ok());
  ASSERT_FALSE(damaged->problems.empty());
  EXPECT_NE(damaged->problems[0].find("Page " + std::to_string(page.page)), std::string::npos)
      << damaged->problems[0];
  EXPECT_EQ(Table(damaged->tables, "messages").rows, kMessages - page.cells);
  EXPECT_EQ(Table(damaged->tables, "conversations").rows, kConversations);
  EXPECT_EQ(FileBytes(path_), before);

  EXPECT_EQ(CheckDatabase((dir_ / "missing.db").string()).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace inferno::store
