#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "bench/results_csv.h"
#include "store/message_images.h"
#include "store/migrations.h"
#include "store/store_json.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Image data URLs (store/message_images_test.cc checks the encoding itself).
std::string DataUrl(std::string mime, std::string bytes) { return ImageDataUrl({mime, bytes}); }
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "a png";
const std::string kJpeg = "\xff\xd8\xff\xe0 a jpeg";

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_store_" + std::to_string(getpid()) + "_" +
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
    Result<std::unique_ptr<Store>> s = Store::Open((dir_ / "sub" / "inferno.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  Conversation Create(const std::string& title) {
    ConversationFields f;
    f.title = title;
    Result<Conversation> c = store_->CreateConversation(f);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : Conversation{};
  }
  Message Append(int64_t conv, const std::string& role, const std::string& content) {
    Result<Message> m = store_->AppendMessage(conv, NewMessage{role, content});
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? *m : Message{};
  }

  int64_t CountRows(const std::string& table) {
    SQLite::Database db((dir_ / "sub" / "inferno.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM " + table).getInt64();
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, OpensInWalModeAtTheLatestSchema) {
  EXPECT_EQ(*store_->schema_version(), Migrations().back().version);
  EXPECT_TRUE(fs::exists(dir_ / "sub" / "inferno.db"));
  EXPECT_EQ(*store_->IntegrityCheck(), "ok");
  Create("x");  // a write creates the WAL file next to the database
  EXPECT_TRUE(fs::exists(dir_ / "sub" / "inferno.db-wal"));
}

TEST_F(StoreTest, CreateGetUpdateDelete) {
  ConversationFields f;
  f.title = "Trip";
  f.model = "llama";
  f.system = "Be brief.";
  f.settings = json::object{{"temperature", 0.5}};
  Result<Conversation> c = store_->CreateConversation(f);
  ASSERT_TRUE(c.ok());
  EXPECT_GT(c->id, 0);
  EXPECT_EQ(c->created_at, c->updated_at);

  Result<Conversation> got = store_->GetConversation(c->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, "Trip");
  EXPECT_EQ(got->model, "llama");
  EXPECT_EQ(got->system, "Be brief.");
  EXPECT_EQ(got->settings.at("temperature").as_double(), 0.5);
  EXPECT_TRUE(got->messages.empty());

  ConversationFields rename;
  rename.title = "Paris trip";
  Result<Conversation> updated = store_->UpdateConversation(c->id, rename);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->title, "Paris trip");
  EXPECT_EQ(updated->model, "llama");  // untouched fields keep their values
  EXPECT_EQ(updated->system, "Be brief.");

  ASSERT_TRUE(store_->DeleteConversation(c->id).ok());
  EXPECT_EQ(store_->GetConversation(c->id).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->DeleteConversation(c->id).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->UpdateConversation(c->id, rename).status().code(), Status::Code::kNotFound);
  // AUTOINCREMENT: a deleted id is never reused.
  EXPECT_GT(Create("next").id, c->id);
}

TEST_F(StoreTest, MessagesAppendInOrderAndTruncateFromAnId) {
  const Conversation c = Create("chat");
  NewMessage with_metrics{"assistant", "Hello!", "llama-tiny",
                          json::object{{"tokens", 3}, {"tokens_per_second", 12.5}}};
  with_metrics.reasoning = "The user greets me.";
  const Message m1 = Append(c.id, "user", "Hi");
  Result<Message> m2 = store_->AppendMessage(c.id, with_metrics);
  ASSERT_TRUE(m2.ok());
  const Message m3 = Append(c.id, "user", "And again");
  const Message m4 = Append(c.id, "assistant", "Sure");

  Result<Conversation> got = store_->GetConversation(c.id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->messages.size(), 4u);
  EXPECT_EQ(got->message_count, 4);
  EXPECT_EQ(got->messages[0].content, "Hi");
  EXPECT_FALSE(got->messages[0].model.has_value());
  EXPECT_FALSE(got->messages[0].metrics.has_value());
  EXPECT_EQ(got->messages[1].model, "llama-tiny");
  EXPECT_EQ(got->messages[1].metrics->at("tokens").as_int64(), 3);
  EXPECT_EQ(got->messages[1].reasoning, "The user greets me.");
  EXPECT_FALSE(got->messages[0].reasoning.has_value());
  EXPECT_GE(got->updated_at, c.updated_at);

  // Deleting m3 removes m3 and m4 only.
  ASSERT_TRUE(store_->DeleteMessagesFrom(c.id, m3.id).ok());
  got = store_->GetConversation(c.id);
  ASSERT_EQ(got->messages.size(), 2u);
  EXPECT_EQ(got->messages[0].id, m1.id);
  EXPECT_EQ(got->messages[1].id, m2->id);
  EXPECT_EQ(store_->DeleteMessagesFrom(c.id, m4.id).code(), Status::Code::kNotFound);
  // A message id of another conversation is not found in this one.
  const Conversation other = Create("other");
  EXPECT_EQ(store_->DeleteMessagesFrom(other.id, m1.id).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->AppendMessage(999999, NewMessage{"user", "x"}).status().code(),
            Status::Code::kNotFound);

  // Deleting the conversation deletes its messages (foreign key cascade).
  ASSERT_TRUE(store_->DeleteConversation(c.id).ok());
  Result<Conversation> fresh = store_->CreateConversation({});
  EXPECT_EQ(fresh->message_count, 0);
}

TEST_F(StoreTest, RejectsBadRolesAndOversizeText) {
  const Conversation c = Create("x");
  Status role = store_->AppendMessage(c.id, NewMessage{"wizard", "hi"}).status();
  EXPECT_EQ(role.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(role.message().find("role must be one of"), std::string::npos);
  Status big =
      store_->AppendMessage(c.id, NewMessage{"user", std::string(Limits::kContent + 1, 'a')})
          .status();
  EXPECT_EQ(big.code(), Status::Code::kOutOfRange);
  EXPECT_NE(big.message().find("content is 524289 bytes; the limit is 524288"), std::string::npos)
      << big.message();
  ConversationFields long_title;
  long_title.title = std::string(Limits::kTitle + 1, 't');
  EXPECT_EQ(store_->CreateConversation(long_title).status().code(), Status::Code::kOutOfRange);
  EXPECT_EQ(store_->GetConversation(c.id)->message_count, 0);
  // Exactly at the limit is fine.
  EXPECT_TRUE(
      store_->AppendMessage(c.id, NewMessage{"user", std::string(Limits::kContent, 'a')}).ok());
}

TEST_F(StoreTest, ListsNewestActivityFirstWithSearchAndPaging) {
  const Conversation a = Create("Alpha notes");
  const Conversation b = Create("Beta");
  const Conversation c = Create("Gamma");
  // Appending to `a` makes it the most recently active.
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  Append(a.id, "user", "what is 100% of_this?");
  Append(b.id, "user", "tell me about PARIS");

  Result<std::vector<Conversation>> all = store_->ListConversations({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].id, c.id);  // untouched since creation: oldest activity
  EXPECT_EQ((*all)[0].message_count + (*all)[1].message_count, 2);

  auto ids = [&](ListOptions o) {
    std::vector<int64_t> out;
    Result<std::vector<Conversation>> list = store_->ListConversations(o);
    for (const Conversation& x : *list) out.push_back(x.id);
    return out;
  };
  EXPECT_EQ(ids({"paris"}), std::vector<int64_t>{b.id});  // message text, any case
  EXPECT_EQ(ids({"alpha"}), std::vector<int64_t>{a.id});  // title
  EXPECT_EQ(ids({"100%"}), std::vector<int64_t>{a.id});   // % is literal
  EXPECT_EQ(ids({"t%s"}), std::vector<int64_t>{});        // unescaped it would match "what is"
  EXPECT_EQ(ids({"1_0"}), std::vector<int64_t>{});        // unescaped it would match "100"
  EXPECT_EQ(ids({"of_this"}), std::vector<int64_t>{a.id});
  EXPECT_EQ(ids({"nothing like it"}), std::vector<int64_t>{});
  EXPECT_EQ(ids({"", 2, 0}).size(), 2u);
  EXPECT_EQ(ids({"", 2, 2}), std::vector<int64_t>{c.id});
}

TEST_F(StoreTest, ImportKeepsTimesAndAssignsNewIds) {
  Conversation c;
  c.title = "Imported";
  c.created_at = 951827696789;
  c.updated_at = 951827700000;
  std::vector<NewMessage> messages = {{"user", "one", std::nullopt, std::nullopt, 951827697000},
                                      {"assistant", "two", "m", json::object{{"tokens", 1}}}};
  Result<Conversation> imported = store_->ImportConversation(c, messages);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->created_at, 951827696789);
  EXPECT_EQ(imported->updated_at, 951827700000);
  ASSERT_EQ(imported->messages.size(), 2u);
  EXPECT_EQ(imported->messages[0].created_at, 951827697000);
  EXPECT_EQ(imported->messages[1].model, "m");
  // Importing again creates a second conversation.
  Result<Conversation> again = store_->ImportConversation(c, messages);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->id, imported->id);
  EXPECT_EQ(store_->ListConversations({})->size(), 2u);
}

TEST_F(StoreTest, ABadImportWritesNothing) {
  Conversation c;
  c.title = "Bad";
  std::vector<NewMessage> messages = {{"user", "fine"}, {"robot", "not a role"}};
  Status st = store_->ImportConversation(c, messages).status();
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("messages[1]: role"), std::string::npos) << st.message();
  EXPECT_TRUE(store_->ListConversations({})->empty());
}

TEST_F(StoreTest, ProfilesHaveUniqueNames) {
  Profile p{0, "Precise", "llama", "Answer exactly.", json::object{{"temperature", 0}}};
  Result<Profile> a = store_->CreateProfile(p);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(store_->CreateProfile(p).status().code(), Status::Code::kAlreadyExists);
  Result<Profile> b = store_->CreateProfile(Profile{0, "creative", "", "", {}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(store_->ReplaceProfile(b->id, p).status().code(), Status::Code::kAlreadyExists);
  p.system = "Answer exactly and briefly.";
  ASSERT_TRUE(store_->ReplaceProfile(a->id, p).ok());  // its own name is fine
  Result<std::vector<Profile>> list = store_->ListProfiles();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "creative");  // sorted by name, case-insensitive
  EXPECT_EQ((*list)[1].system, "Answer exactly and briefly.");
  EXPECT_EQ(store_->CreateProfile(Profile{}).status().code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(store_->DeleteProfile(a->id).ok());
  EXPECT_EQ(store_->DeleteProfile(a->id).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->ReplaceProfile(a->id, p).status().code(), Status::Code::kNotFound);
}

TEST_F(StoreTest, DataSurvivesReopen) {
  const Conversation c = Create("kept");
  Append(c.id, "user", "still here");
  Reopen();
  Result<Conversation> got = store_->GetConversation(c.id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->messages.size(), 1u);
  EXPECT_EQ(got->messages[0].content, "still here");
}

TEST_F(StoreTest, ConcurrentAppendsFromManyThreadsAllLand) {
  const Conversation c = Create("busy");
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Result<Message> m = store_->AppendMessage(
            c.id, NewMessage{"user", std::to_string(t) + ":" + std::to_string(i)});
        if (m.ok()) ids[t].push_back(m->id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t(kThreads * kEach));
  Result<Conversation> got = store_->GetConversation(c.id);
  ASSERT_EQ(got->messages.size(), size_t(kThreads * kEach));
  // Each thread's messages keep their order.
  std::vector<int> next(kThreads, 0);
  for (const Message& m : got->messages) {
    const int t = std::stoi(m.content.substr(0, m.content.find(':')));
    EXPECT_EQ(m.content, std::to_string(t) + ":" + std::to_string(next[t]++));
  }
}

TEST_F(StoreTest, RefusesANewerSchemaAndNonDatabaseFiles) {
  store_.reset();
  {
    SQLite::Database db((dir_ / "sub" / "inferno.db").string(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO schema_version VALUES (999, 'future', 0)");
  }
  Result<std::unique_ptr<Store>> s = Store::Open((dir_ / "sub" / "inferno.db").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("schema version 999"), std::string::npos);

  std::ofstream(dir_ / "junk.db") << "this is not a database, just some text long enough";
  s = Store::Open((dir_ / "junk.db").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("junk.db"), std::string::npos) << s.status().message();
}

// A debugger session row with a small record.
DebugSession MakeDebugSession(std::string id, std::string parent = "", int steps = 0) {
  DebugSession s;
  s.id = std::move(id);
  s.parent = std::move(parent);
  s.branch_step = s.parent.empty() ? -1 : 2;
  s.model = "tiny";
  s.steps = steps;
  s.record = R"({"id":")" + s.id + R"(","tokens":[1,2,3]})";
  return s;
}

TEST_F(StoreTest, DebugSessionSaveReplacesAndSurvivesReopen) {
  ASSERT_TRUE(store_->SaveDebugSession(MakeDebugSession("s1")).ok());
  Result<DebugSession> first = store_->GetDebugSession("s1");
  ASSERT_TRUE(first.ok());
  DebugSession later = MakeDebugSession("s1", "", 3);
  later.finish_reason = "length";
  later.record = R"({"id":"s1","tokens":[1,2,3,4]})";
  ASSERT_TRUE(store_->SaveDebugSession(later).ok());
  Reopen();
  Result<DebugSession> got = store_->GetDebugSession("s1");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->record, later.record);
  EXPECT_EQ(got->finish_reason, "length");
  EXPECT_EQ(got->steps, 3);
  EXPECT_EQ(got->created_at, first->created_at);  // the first save's time stays
  EXPECT_GT(got->updated_at, first->updated_at);
}

TEST_F(StoreTest, DebugSessionListsNewestFirstWithoutRecordsAndPages) {
  for (const char* id : {"s1", "s2", "s3"})
    ASSERT_TRUE(store_->SaveDebugSession(MakeDebugSession(id)).ok());
  ASSERT_TRUE(store_->SaveDebugSession(MakeDebugSession("s4", "s2")).ok());
  Result<std::vector<DebugSession>> all = store_->ListDebugSessions(10, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].id, "s4");
  EXPECT_EQ((*all)[0].parent, "s2");
  EXPECT_EQ((*all)[0].branch_step, 2);
  EXPECT_EQ((*all)[3].id, "s1");
  EXPECT_TRUE((*all)[0].record.empty());
  Result<std::vector<DebugSession>> page = store_->ListDebugSessions(2, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "s3");
  EXPECT_EQ((*page)[1].id, "s2");
}

TEST_F(StoreTest, DebugSessionDeleteUnknownAndBadInput) {
  ASSERT_TRUE(store_->SaveDebugSession(MakeDebugSession("s7")).ok());
  EXPECT_TRUE(store_->DeleteDebugSession("s7").ok());
  EXPECT_EQ(store_->DeleteDebugSession("s7").code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetDebugSession("s7").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->SaveDebugSession(MakeDebugSession("")).code(), Status::Code::kInvalidArgument);
}

bench::SuiteRow BenchRow(const std::string& model, int prompt, const std::string& status) {
  bench::SuiteRow r;
  r.timestamp = "2026-11-25T10:00:00Z";
  r.run_id = "20261125T100000Z-1";
  r.model = model;
  r.quant = "Q8_0";
  r.prompt_tokens = prompt;
  r.ttft_ms = 4.5;
  r.decode_tps = 812.25;
  r.decode_tps_sd = 3.5;
  r.peak_rss_bytes = 26660864;
  r.status = status;
  if (status != "ok") r.error = "bad magic, \"x\"";
  return r;
}

TEST_F(StoreTest, BenchRunsKeepRowsStatusAndOrder) {
  BenchRun run;
  run.run_key = "20261125T100000Z-1";
  run.hostname = "vm";
  run.threads = 2;
  run.models = {"llama-tiny-Q8_0", "broken"};
  run.prompt_sizes = {8, 16};
  run.repetitions = 1;
  run.generate_tokens = 4;
  Result<int64_t> id = store_->CreateBenchRun(run);
  ASSERT_TRUE(id.ok()) << id.status().message();
  ASSERT_TRUE(store_->AddBenchResult(*id, BenchRow("llama-tiny-Q8_0", 8, "ok")).ok());
  ASSERT_TRUE(store_->AddBenchResult(*id, BenchRow("llama-tiny-Q8_0", 16, "ok")).ok());
  ASSERT_TRUE(store_->AddBenchResult(*id, BenchRow("broken", 0, "failed")).ok());
  EXPECT_EQ(store_->AddBenchResult(*id + 100, BenchRow("x", 1, "ok")).code(),
            Status::Code::kNotFound);

  Result<BenchRun> got = store_->GetBenchRun(*id);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->status, "running");
  EXPECT_EQ(got->finished_at, 0);
  EXPECT_EQ(got->models, run.models);
  EXPECT_EQ(got->prompt_sizes, run.prompt_sizes);
  EXPECT_EQ(got->row_count, 3);
  ASSERT_EQ(got->rows.size(), 3u);
  EXPECT_EQ(got->rows[1].prompt_tokens, 16);
  EXPECT_DOUBLE_EQ(got->rows[0].decode_tps, 812.25);
  EXPECT_DOUBLE_EQ(got->rows[0].peak_rss_bytes, 26660864);
  EXPECT_EQ(got->rows[2].status, "failed");
  EXPECT_EQ(got->rows[2].error, "bad magic, \"x\"");
  // What the store gives back is what the CSV would hold.
  EXPECT_EQ(bench::CsvText(got->rows), bench::CsvText({BenchRow("llama-tiny-Q8_0", 8, "ok"),
                                                       BenchRow("llama-tiny-Q8_0", 16, "ok"),
                                                       BenchRow("broken", 0, "failed")}));

  ASSERT_TRUE(store_->FinishBenchRun(*id, "done", "").ok());
  EXPECT_EQ(store_->FinishBenchRun(*id, "failed", "again").code(), Status::Code::kNotFound)
      << "a finished run stays finished";
  EXPECT_EQ(store_->FinishBenchRun(*id, "paused", "").code(), Status::Code::kInvalidArgument);
  Reopen();  // committed to disk
  got = store_->GetBenchRun(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "done");
  EXPECT_GT(got->finished_at, 0);
}

TEST_F(StoreTest, BenchRunsListNewestFirstAndInterruptedRunsFail) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    BenchRun run;
    run.run_key = "k" + std::to_string(i);
    run.started_at = 1000 + i;
    Result<int64_t> id = store_->CreateBenchRun(run);
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  ASSERT_TRUE(store_->FinishBenchRun(ids[0], "cancelled", "").ok());
  Result<std::vector<BenchRun>> list = store_->ListBenchRuns(10, 0);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].run_key, "k2");
  EXPECT_EQ((*list)[2].run_key, "k0");
  EXPECT_EQ((*list)[2].status, "cancelled");
  EXPECT_TRUE((*list)[0].rows.empty());
  EXPECT_EQ(store_->ListBenchRuns(1, 1)->at(0).run_key, "k1");

  Result<int> failed = store_->FailRunningBenchRuns("interrupted");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 2);
  EXPECT_EQ(store_->GetBenchRun(ids[2])->status, "failed");
  EXPECT_EQ(store_->GetBenchRun(ids[2])->error, "interrupted");
  EXPECT_EQ(store_->GetBenchRun(ids[0])->status, "cancelled");

  ASSERT_TRUE(store_->AddBenchResult(ids[1], BenchRow("m", 8, "ok")).ok());
  ASSERT_TRUE(store_->DeleteBenchRun(ids[1]).ok());
  EXPECT_EQ(store_->GetBenchRun(ids[1]).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->DeleteBenchRun(ids[1]).code(), Status::Code::kNotFound);
}

StoredResponse MakeResponse(const std::string& id, const std::string& previous) {
  StoredResponse r;
  r.id = id;
  r.previous_id = previous;
  r.model = "m";
  r.input = R"([{"type":"message","role":"user","content":"hi"}])";
  r.response = R"({"id":")" + id + R"(","output":[]})";
  r.items = {{"msg_" + id, R"({"type":"message","id":"msg_)" + id + R"("})"}};
  r.created_at = 1700000000;
  return r;
}

TEST_F(StoreTest, ApiResponsesAndTheirItemsSurviveReopen) {
  ASSERT_TRUE(store_->SaveResponse(MakeResponse("resp_1", "")).ok());
  ASSERT_TRUE(store_->SaveResponse(MakeResponse("resp_2", "resp_1")).ok());
  Reopen();
  Result<StoredResponse> r = store_->GetResponse("resp_2");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->previous_id, "resp_1");
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(r->response, R"({"id":"resp_2","output":[]})");
  EXPECT_EQ(r->input, R"([{"type":"message","role":"user","content":"hi"}])");
  EXPECT_EQ(r->created_at, 1700000000);
  Result<std::string> item = store_->GetResponseItem("msg_resp_1");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(*item, R"({"type":"message","id":"msg_resp_1"})");
}

TEST_F(StoreTest, ApiResponseDeleteTakesItsItemsAndUnknownIdsAreNotFound) {
  ASSERT_TRUE(store_->SaveResponse(MakeResponse("resp_1", "")).ok());
  EXPECT_TRUE(store_->DeleteResponse("resp_1").ok());
  EXPECT_EQ(store_->DeleteResponse("resp_1").code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetResponse("resp_1").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetResponseItem("msg_resp_1").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->SaveResponse(MakeResponse("", "")).code(), Status::Code::kInvalidArgument);
}

TEST_F(StoreTest, ApiResponseWithADuplicateIdWritesNothing) {
  ASSERT_TRUE(store_->SaveResponse(MakeResponse("resp_1", "")).ok());
  StoredResponse again = MakeResponse("resp_1", "x");
  again.items = {{"msg_other", "{}"}};
  EXPECT_FALSE(store_->SaveResponse(again).ok());
  EXPECT_EQ(store_->GetResponse("resp_1")->previous_id, "");
  EXPECT_EQ(store_->GetResponseItem("msg_other").status().code(), Status::Code::kNotFound);
}

McpServer Http(const std::string& name) {
  McpServer s;
  s.name = name;
  s.transport = "http";
  s.url = "http://127.0.0.1:3000/mcp";
  s.headers = {{"Authorization", "Bearer k"}};
  return s;
}

TEST_F(StoreTest, McpServersAddListGetDeleteSurviveReopen) {
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

TEST_F(StoreTest, McpServersValidation) {
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

TEST_F(StoreTest, RemoteEndpointsAddListDeleteSurviveReopen) {
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

TEST_F(StoreTest, ImageMigrationEightCreatesTheTable) {
  EXPECT_EQ(Migrations()[7].version, 8);
  EXPECT_GE(*store_->schema_version(), 8);
  EXPECT_EQ(CountRows("message_images"), 0);
}

TEST_F(StoreTest, ImageImagesComeBackInOrderAfterReopen) {
  const int64_t conv = Create("").id;
  NewMessage m{"user", "Describe these."};
  m.images = {DataUrl("image/jpeg", kJpeg), DataUrl("image/png", kPng)};
  Result<Message> added = store_->AppendMessage(conv, m);
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->images, m.images);
  ASSERT_TRUE(store_->AppendMessage(conv, NewMessage{"assistant", "Two pictures."}).ok());
  Reopen();
  Result<Conversation> c = store_->GetConversation(conv);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->messages.size(), 2u);
  EXPECT_EQ(c->messages[0].images, m.images);
  EXPECT_TRUE(c->messages[1].images.empty());
}

TEST_F(StoreTest, ImageABadImageLeavesNoHalfMessage) {
  const int64_t conv = Create("").id;
  NewMessage m{"user", "look"};
  m.images = {DataUrl("image/png", kPng), DataUrl("image/png", kJpeg)};
  Result<Message> added = store_->AppendMessage(conv, m);
  EXPECT_EQ(added.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(added.status().message().find("images[1]"), std::string::npos);
  EXPECT_EQ(CountRows("messages"), 0);
  EXPECT_EQ(CountRows("message_images"), 0);
  // The same in an import: nothing of the conversation is written.
  Conversation c;
  c.title = "imported";
  std::vector<NewMessage> messages{NewMessage{"user", "fine"}, m};
  EXPECT_FALSE(store_->ImportConversation(c, messages).ok());
  EXPECT_EQ(CountRows("conversations"), 1);
  EXPECT_EQ(CountRows("message_images"), 0);
}

TEST_F(StoreTest, ImageTruncatingAndDeletingTakeTheImages) {
  const int64_t conv = Create("").id;
  NewMessage m{"user", "look"};
  m.images = {DataUrl("image/png", kPng)};
  ASSERT_TRUE(store_->AppendMessage(conv, m).ok());
  ASSERT_TRUE(store_->AppendMessage(conv, m).ok());
  EXPECT_EQ(CountRows("message_images"), 2);
  const int64_t second = store_->GetConversation(conv)->messages[1].id;
  ASSERT_TRUE(store_->DeleteMessagesFrom(conv, second).ok());
  EXPECT_EQ(CountRows("message_images"), 1);
  ASSERT_TRUE(store_->DeleteConversation(conv).ok());
  EXPECT_EQ(CountRows("message_images"), 0);
}

}  // namespace
}  // namespace inferno::store
