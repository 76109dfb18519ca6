// The Responses API over a real store: a chain rebuilt from previous_response_id (inputs
// and outputs in order, a deleted link ending it), item references resolved, ids given to
// input items, and the pages of input_items.
#include "server/responses_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"

namespace inferno::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class ResponsesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inferno_responses_store_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    Result<std::unique_ptr<store::Store>> s = store::Store::Open((dir_ / "inferno.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  // A response answering `said` with `answer`, continuing `previous`.
  void Keep(const std::string& id, const std::string& previous, const std::string& said,
            const std::string& answer) {
    json::array input{json::object{{"role", "user"}, {"content", said}}};
    json::object response{{"id", id},
                          {"model", "m"},
                          {"created_at", 1700000000},
                          {"output", json::array{json::object{{"id", "msg_" + id},
                                                              {"type", "message"},
                                                              {"role", "assistant"},
                                                              {"content", answer}}}}};
    KeepResponse(store_.get(), previous, input, response);
  }
  static std::vector<std::string> Texts(const json::array& items) {
    std::vector<std::string> out;
    for (const json::value& i : items) out.emplace_back(i.at("content").as_string());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(ResponsesStoreTest, AChainIsEveryTurnsInputThenOutputOldestFirst) {
  Keep("resp_1", "", "a", "b");
  Keep("resp_2", "resp_1", "c", "d");
  Keep("resp_3", "resp_2", "e", "f");
  json::array items;
  ASSERT_FALSE(ChainItems(store_.get(), "resp_3", &items));
  EXPECT_EQ(Texts(items), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(items[0].at("type"), "message");  // input items are kept with a type and an id
  EXPECT_TRUE(items[0].at("id").as_string().starts_with("msg_"));

  // Deleting the middle turn ends the chain there.
  ASSERT_TRUE(store_->DeleteResponse("resp_2").ok());
  items.clear();
  ASSERT_FALSE(ChainItems(store_.get(), "resp_3", &items));
  EXPECT_EQ(Texts(items), (std::vector<std::string>{"e", "f"}));

  std::optional<ApiError> unknown = ChainItems(store_.get(), "resp_9", &items);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->param, "previous_response_id");
  EXPECT_EQ(ChainItems(nullptr, "resp_1", &items)->status, 400);
}

TEST_F(ResponsesStoreTest, ReferencesResolveToTheStoredItems) {
  Keep("resp_1", "", "a", "b");
  json::array items{json::object{{"type", "item_reference"}, {"id", "msg_resp_1"}},
                    json::object{{"role", "user"}, {"content", "x"}}};
  ASSERT_FALSE(ResolveItems(store_.get(), &items));
  EXPECT_EQ(Texts(items), (std::vector<std::string>{"b", "x"}));
  json::array missing{json::object{{"role", "user"}, {"content", "x"}},
                      json::object{{"type", "item_reference"}, {"id", "msg_nope"}}};
  std::optional<ApiError> err = ResolveItems(store_.get(), &missing);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->status, 404);
  EXPECT_EQ(err->param, "input[1]");
}

TEST_F(ResponsesStoreTest, ItemPagesGoBothWaysFromACursor) {
  json::array items;
  for (const char* id : {"i1", "i2", "i3", "i4", "i5"}) items.push_back(json::object{{"id", id}});
  auto ids = [](const json::object& page) {
    std::string out;
    for (const json::value& i : page.at("data").as_array()) out += i.at("id").as_string();
    return out;
  };
  const json::object first = ItemPage(items, /*asc=*/false, "", 2);
  EXPECT_EQ(ids(first), "i5i4");
  EXPECT_EQ(first.at("first_id"), "i5");
  EXPECT_EQ(first.at("last_id"), "i4");
  EXPECT_EQ(first.at("has_more"), true);
  const json::object last = ItemPage(items, false, "i2", 2);
  EXPECT_EQ(ids(last), "i1");
  EXPECT_EQ(last.at("has_more"), false);
  EXPECT_EQ(ids(ItemPage(items, /*asc=*/true, "i3", 20)), "i4i5");
  const json::object none = ItemPage(json::array{}, true, "", 20);
  EXPECT_EQ(none.at("first_id"), nullptr);
  EXPECT_EQ(none.at("object"), "list");
}

}  // namespace
}  // namespace inferno::server
