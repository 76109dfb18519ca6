#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;

class DebugSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_dbgstore_" + std::to_string(getpid()) + "_" +
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
  static DebugSession Make(std::string id, std::string parent = "", int steps = 0) {
    DebugSession s;
    s.id = std::move(id);
    s.parent = std::move(parent);
    s.branch_step = s.parent.empty() ? -1 : 2;
    s.model = "tiny";
    s.steps = steps;
    s.record = R"({"id":")" + s.id + R"(","tokens":[1,2,3]})";
    return s;
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(DebugSessionStoreTest, SaveReplacesAndSurvivesReopen) {
  ASSERT_TRUE(store_->SaveDebugSession(Make("s1")).ok());
  Result<DebugSession> first = store_->GetDebugSession("s1");
  ASSERT_TRUE(first.ok());
  DebugSession later = Make("s1", "", 3);
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

TEST_F(DebugSessionStoreTest, ListsNewestFirstWithoutRecordsAndPages) {
  for (const char* id : {"s1", "s2", "s3"}) ASSERT_TRUE(store_->SaveDebugSession(Make(id)).ok());
  ASSERT_TRUE(store_->SaveDebugSession(Make("s4", "s2")).ok());
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

TEST_F(DebugSessionStoreTest, DeleteUnknownAndBadInput) {
  ASSERT_TRUE(store_->SaveDebugSession(Make("s7")).ok());
  EXPECT_TRUE(store_->DeleteDebugSession("s7").ok());
  EXPECT_EQ(store_->DeleteDebugSession("s7").code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetDebugSession("s7").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->SaveDebugSession(Make("")).code(), Status::Code::kInvalidArgument);
}

TEST_F(DebugSessionStoreTest, MaxNumberIgnoresOtherIdShapes) {
  Result<uint64_t> none = store_->MaxDebugSessionNumber();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  for (const char* id : {"s9", "s41", "s3", "imported"}) {
    ASSERT_TRUE(store_->SaveDebugSession(Make(id)).ok());
  }
  EXPECT_EQ(*store_->MaxDebugSessionNumber(), 41u);
}

}  // namespace
}  // namespace inferno::store
