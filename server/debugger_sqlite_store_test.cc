#include "server/debugger_sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace inferno::server::debugger {
namespace {

namespace json = boost::json;

SessionRecord Sample() {
  SessionRecord r;
  r.id = "s7";
  r.model = "tiny";
  r.parent = "s3";
  r.branch_step = 2;
  r.request = json::parse(R"({"prompt":"Hi","max_tokens":9,"sampling":{"temperature":0.5},
                              "probes":{"top_k":2},"branch":{"session":"s3","step":2}})")
                  .as_object();
  r.prompt_tokens = {1, 15043};
  r.prompt_pieces = {"<s>", " Hi"};
  r.tokens = {310, 29991};
  r.steps = {StepRecord{310,
                        " a",
                        3.5f,
                        0.25f,
                        1,
                        2.0f,
                        {{5, " b", 4.0f, 0.5f}, {310, " a", 3.5f, 0.25f}},
                        /*reasoning=*/true},
             StepRecord{29991, "\xe2\x80", 1.0f, 0.125f, 0, 0.5f, {}}};
  r.steps[1].draft = DraftMark::kRejected;  // speculative decoding: the draft proposed 5
  r.steps[1].draft_id = 5;
  r.finish_reason = "length";
  return r;
}

TEST(SessionRecordJson, RoundTripsAndRebuildsTheSettings) {
  const SessionRecord r = Sample();
  const json::object o = RecordToJson(r);
  // Split UTF-8 bytes are shown valid, as every other JSON the debugger sends.
  EXPECT_TRUE(json::serialize(o).find("\\u") != std::string::npos ||
              json::serialize(o).find("\xef\xbf\xbd") != std::string::npos);
  Result<SessionRecord> back = RecordFromJson(json::parse(json::serialize(o)), Limits{});
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->id, "s7");
  EXPECT_EQ(back->parent, "s3");
  EXPECT_EQ(back->branch_step, 2);
  EXPECT_EQ(back->prompt_tokens, r.prompt_tokens);
  EXPECT_EQ(back->prompt_pieces, r.prompt_pieces);
  EXPECT_EQ(back->tokens, r.tokens);
  ASSERT_EQ(back->steps.size(), 2u);
  EXPECT_EQ(back->steps[0].top.size(), 2u);
  EXPECT_EQ(back->steps[0].top[0].id, 5);
  EXPECT_FLOAT_EQ(back->steps[0].top[0].prob, 0.5f);
  EXPECT_FLOAT_EQ(back->steps[1].prob, 0.125f);
  EXPECT_EQ(back->steps[0].rank, 1);
  // A thinking model's thought stays marked; the answer's tokens have no phase.
  EXPECT_TRUE(back->steps[0].reasoning);
  EXPECT_FALSE(back->steps[1].reasoning);
  EXPECT_EQ(o.at("steps").as_array()[0].as_object().at("phase"), "reasoning");
  EXPECT_FALSE(o.at("steps").as_array()[1].as_object().contains("phase"));
  // Speculative decoding's marks too; a step no draft was about has none.
  EXPECT_EQ(back->steps[1].draft, DraftMark::kRejected);
  EXPECT_EQ(back->steps[1].draft_id, 5);
  EXPECT_EQ(back->steps[0].draft, DraftMark::kNone);
  EXPECT_FALSE(o.at("steps").as_array()[0].as_object().contains("draft"));
  // The settings a branch reuses come from the stored start message.
  EXPECT_EQ(back->generate.max_tokens, 9);
  EXPECT_FLOAT_EQ(back->generate.sampling.temperature, 0.5f);
  EXPECT_EQ(back->generate.top_k_events, 2);
}

// The owner's Origin is kept with the record; records without one (stored by older versions)
// read back without an owner, which is not the same as a non-browser owner ("").
TEST(SessionRecordJson, KeepsTheOwnerOriginWhenKnown) {
  SessionRecord r = Sample();
  EXPECT_FALSE(RecordToJson(r).contains("owner_origin"));
  Result<SessionRecord> legacy = RecordFromJson(RecordToJson(r), Limits{});
  ASSERT_TRUE(legacy.ok()) << legacy.status().message();
  EXPECT_FALSE(legacy->owner_origin.has_value());
  for (const char* origin : {"http://127.0.0.1:8080", ""}) {
    r.owner_origin = origin;
    Result<SessionRecord> back = RecordFromJson(RecordToJson(r), Limits{});
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->owner_origin, std::optional<std::string>(origin));
  }
  json::object unset = RecordToJson(r);
  unset["owner_origin"] = nullptr;
  ASSERT_TRUE(RecordFromJson(unset, Limits{}).ok());
  EXPECT_FALSE(RecordFromJson(unset, Limits{})->owner_origin.has_value());
  json::object bad = RecordToJson(r);
  bad["owner_origin"] = 5;
  Result<SessionRecord> refused = RecordFromJson(bad, Limits{});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("owner_origin"), std::string::npos);
}

TEST(SessionRecordJson, RejectsBrokenRecordsNamingTheField) {
  json::object o = RecordToJson(Sample());
  auto fails = [&](json::object bad, const char* field) {
    Result<SessionRecord> r = RecordFromJson(bad, Limits{});
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
  };
  json::object b = o;
  b.erase("model");
  fails(b, "model");
  b = o;
  b["tokens"] = json::array{1};
  fails(b, "steps");
  b = o;
  b["prompt_tokens"] = json::array{-4};
  fails(b, "prompt_tokens");
  b = o;
  b["request"] = json::object{{"max_tokens", 3}};  // no prompt
  fails(b, "request");
  b = o;
  b["steps"].as_array()[0].as_object()["top"] = json::array{json::object{{"id", 1}}};
  fails(b, "top");
  b = o;
  b["steps"].as_array()[0].as_object()["draft"] = "maybe";
  fails(b, "draft");
  b = o;
  b["steps"].as_array()[1].as_object().erase("draft_id");
  fails(b, "draft_id");
  EXPECT_FALSE(RecordFromJson(json::array{}, Limits{}).ok());
}

// A run with an image keeps it: the start message's data URL (what a branch sends again) and
// where its tokens sat in the prompt with their grid (what the UI lays attention on).
TEST(SessionRecordJson, KeepsTheImagesOfTheRun) {
  SessionRecord r = Sample();
  const std::string url = "data:image/png;base64,iVBORw0KGgo=";
  r.request["images"] = json::array{json::string(url)};
  r.prompt_images = {{1, 64, 8, 8}};
  const json::object o = RecordToJson(r);
  EXPECT_EQ(json::serialize(o.at("images")), R"([{"first":1,"tokens":64,"rows":8,"cols":8}])");
  Result<SessionRecord> back = RecordFromJson(json::parse(json::serialize(o)), Limits{});
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->prompt_images.size(), 1u);
  EXPECT_EQ(back->prompt_images[0].first, 1);
  EXPECT_EQ(back->prompt_images[0].rows, 8);
  EXPECT_EQ(back->prompt_images[0].cols, 8);
  EXPECT_EQ(back->generate.images, std::vector<std::string>{url});
  // A grid that does not hold its tokens is refused, naming the field.
  json::object bad = o;
  bad["images"] = json::parse(R"([{"first":1,"tokens":64,"rows":8,"cols":9}])");
  Result<SessionRecord> refused = RecordFromJson(bad, Limits{});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'images'"), std::string::npos);
}

TEST(SqliteSessionStore, SavesAndFinds) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("inferno_sqlite_sessions_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  Result<std::unique_ptr<store::Store>> db = store::Store::Open((dir / "inferno.db").string());
  ASSERT_TRUE(db.ok()) << db.status().message();
  SqliteSessionStore sessions(**db, Limits{});
  EXPECT_FALSE(sessions.Find("s7").has_value());
  sessions.Save(Sample());
  std::optional<SessionRecord> found = sessions.Find("s7");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->tokens, Sample().tokens);
  // With an image, the store keeps it too.
  SessionRecord with_image = Sample();
  with_image.id = "s8";
  with_image.request["images"] = json::array{"data:image/png;base64,iVBORw0KGgo="};
  with_image.prompt_images = {{1, 16, 4, 4}};
  sessions.Save(with_image);
  found = sessions.Find("s8");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->generate.images.size(), 1u);
  ASSERT_EQ(found->prompt_images.size(), 1u);
  EXPECT_EQ(found->prompt_images[0].n_tokens, 16);
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace inferno::server::debugger
