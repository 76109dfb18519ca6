#include "store/store_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::store {
namespace {

namespace json = boost::json;

Status ParseFields(const char* text, ConversationFields* f) {
  return ParseConversationFields(json::parse(text), f);
}

TEST(StoreJson, ConversationFieldsTypesAreChecked) {
  ConversationFields f;
  ASSERT_TRUE(ParseFields(R"({"title":"t","settings":{"top_k":40},"extra":1})", &f).ok());
  EXPECT_EQ(f.title, "t");
  EXPECT_FALSE(f.model.has_value());
  EXPECT_EQ(f.settings->at("top_k").as_int64(), 40);
  ConversationFields g;
  Status st = ParseFields(R"({"title":5})", &g);
  EXPECT_EQ(st.message(), "title must be a string, not a number");
  st = ParseFields(R"({"settings":[1]})", &g);
  EXPECT_EQ(st.message(), "settings must be an object, not an array");
  st = ParseFields(R"([])", &g);
  EXPECT_EQ(st.message(), "the request body must be a JSON object, not an array");
}

TEST(StoreJson, MessageNeedsRoleAndContent) {
  NewMessage m;
  EXPECT_EQ(ParseNewMessage(json::parse(R"({"content":"x"})"), &m).message(), "role is required");
  EXPECT_EQ(ParseNewMessage(json::parse(R"({"role":"user","content":null})"), &m).message(),
            "content is required");
  EXPECT_EQ(ParseNewMessage(json::parse(R"({"role":"user","content":"x","metrics":"fast"})"), &m)
                .message(),
            "metrics must be an object, not a string");
  EXPECT_EQ(
      ParseNewMessage(json::parse(R"({"role":"user","content":"x","images":"a"})"), &m).message(),
      "images must be an array of strings, not a string");
  EXPECT_EQ(
      ParseNewMessage(json::parse(R"({"role":"user","content":"x","images":[1]})"), &m).message(),
      "images must be an array of strings, not a number");
  NewMessage with;
  ASSERT_TRUE(
      ParseNewMessage(json::parse(R"({"role":"user","content":"x","images":["data:a","data:b"]})"),
                      &with)
          .ok());
  EXPECT_EQ(with.images, (std::vector<std::string>{"data:a", "data:b"}));
}

TEST(StoreJson, ExportRoundTripsThroughParse) {
  Conversation c;
  c.id = 7;
  c.title = "T";
  c.system = "S";
  c.settings = json::object{{"temperature", 0.7}};
  c.created_at = 1000;
  c.updated_at = 2000;
  c.messages = {
      Message{3,
              "user",
              "hi",
              std::nullopt,
              std::nullopt,
              1500,
              std::nullopt,
              {"data:image/png;base64,iVBORw0KGgo="}},
      Message{4, "assistant", "hello", "llama", json::object{{"tokens", 2}}, 1600, "they greet"}};
  c.message_count = 2;
  const json::object doc = ExportDocument(c);
  EXPECT_EQ(doc.at("format"), "inferno.conversation");
  EXPECT_EQ(doc.at("version"), 1);
  const json::object& conv = doc.at("conversation").as_object();
  EXPECT_EQ(conv.at("id"), "7");
  EXPECT_EQ(conv.at("created_at"), "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(conv.at("messages").as_array()[1].as_object().at("metrics").as_object().at("tokens"),
            2);
  EXPECT_FALSE(conv.at("messages").as_array()[0].as_object().contains("model"));

  Conversation back;
  std::vector<NewMessage> messages;
  ASSERT_TRUE(ParseExportDocument(json::parse(json::serialize(doc)), &back, &messages).ok());
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].reasoning, "they greet");
  EXPECT_EQ(messages[0].images, c.messages[0].images);  // an export carries the images
  EXPECT_TRUE(messages[1].images.empty());
  EXPECT_FALSE(conv.at("messages").as_array()[1].as_object().contains("images"));
  EXPECT_FALSE(messages[0].reasoning.has_value());
  EXPECT_EQ(back.title, "T");
  EXPECT_EQ(back.system, "S");
  EXPECT_EQ(back.created_at, 1000);
  EXPECT_EQ(back.updated_at, 2000);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].created_at, 1500);
  EXPECT_EQ(messages[1].model, "llama");
  EXPECT_EQ(messages[1].metrics->at("tokens"), 2);
}

TEST(StoreJson, ExportDocumentsAreCheckedFieldByField) {
  Conversation c;
  std::vector<NewMessage> m;
  auto err = [&](const char* text) {
    return ParseExportDocument(json::parse(text), &c, &m).message();
  };
  EXPECT_NE(err(R"({"format":"other","version":1,"conversation":{}})").find("format must be"),
            std::string::npos);
  EXPECT_NE(err(R"({"format":"inferno.conversation","version":2,"conversation":{}})")
                .find("export version 2 is not supported"),
            std::string::npos);
  EXPECT_EQ(err(R"({"format":"inferno.conversation","version":1})"), "conversation is required");
  EXPECT_EQ(err(R"({"format":"inferno.conversation","version":1,"conversation":{"messages":[)"
                R"({"role":"user","content":"a"},{"role":"user"}]}})"),
            "conversation.messages[1].content is required");
  EXPECT_NE(err(R"({"format":"inferno.conversation","version":1,"conversation":{"created_at":)"
                R"("last week"}})")
                .find("conversation.created_at must be an ISO-8601 time"),
            std::string::npos);
  EXPECT_EQ(err(R"({"format":"inferno.conversation","version":1,"conversation":{"messages":7}})"),
            "conversation.messages must be an array, not a number");
}

TEST(StoreJson, IdsAreStrictPositiveDecimals) {
  EXPECT_EQ(ParseId("42"), 42);
  for (const char* bad : {"", "0", "042", "-1", "4x", "1e3", "9999999999999999999"}) {
    EXPECT_FALSE(ParseId(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace inferno::store
