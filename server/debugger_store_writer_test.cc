// WriteBehindStore: saves return at once, are found before they are written, and are all
// written by the time the store is destroyed.
#include "server/debugger_store_writer.h"

#include <gtest/gtest.h>

#include "server/test_gated_store.h"

namespace inferno::server::debugger {
namespace {

// "s<i>", built by appending: GCC 12 warns falsely (-Wrestrict) about "s" + std::to_string(i).
std::string Id(int i) {
  std::string id = "s";
  id += std::to_string(i);
  return id;
}

SessionRecord Record(const std::string& id, const std::string& finish = "") {
  SessionRecord r;
  r.id = id;
  r.model = id;  // any non-empty model
  r.finish_reason = finish;
  return r;
}

TEST(WriteBehindStore, SavesReturnWhileTheDiskIsStuckAndAreFoundMeanwhile) {
  auto disk = std::make_shared<GatedStore>();
  {
    WriteBehindStore store(disk);
    store.Save(Record("a"));
    ASSERT_TRUE(disk->WaitEntered(1));  // the writer is stuck writing "a"
    store.Save(Record("a", "length"));  // a newer version while the old one is written
    store.Save(Record("b"));
    store.Save(Record("b", "stop"));  // replaces the queued "b"
    ASSERT_TRUE(store.Find("a"));
    EXPECT_EQ(store.Find("a")->finish_reason, "length");
    ASSERT_TRUE(store.Find("b"));
    EXPECT_EQ(store.Find("b")->finish_reason, "stop");
    EXPECT_FALSE(store.Find("c"));
    EXPECT_EQ(disk->written(), 0);
    disk->Open();
    store.Flush();
    EXPECT_EQ(disk->Find("a")->finish_reason, "length");
    EXPECT_EQ(disk->Find("b")->finish_reason, "stop");
    EXPECT_EQ(disk->written(), 3);  // a, a again, b once
  }
}

TEST(WriteBehindStore, DestructionWritesEverythingQueued) {
  auto disk = std::make_shared<GatedStore>();
  {
    WriteBehindStore store(disk, 4);
    store.Save(Record("first"));
    ASSERT_TRUE(disk->WaitEntered(1));
    for (int i = 0; i < 4; ++i) store.Save(Record(Id(i), "length"));
    disk->Open();
  }
  EXPECT_TRUE(disk->Find("first"));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(disk->Find(Id(i)));
    EXPECT_EQ(disk->Find(Id(i))->finish_reason, "length");
  }
}

}  // namespace
}  // namespace inferno::server::debugger
