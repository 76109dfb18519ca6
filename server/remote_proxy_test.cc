#include "server/remote_proxy.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inferno::server {
namespace {

namespace json = boost::json;

TEST(SseRelay, ReencodesEventsWithThePublicModelAcrossSplitReads) {
  SseRelay relay("peer/tiny");
  const std::string stream =
      "data: {\"model\":\"/models/tiny.gguf\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\r\n"
      "\r\n: a comment\n\ndata: {\"model\":\"x\",\"choices\":[]}\n\ndata: [DONE]\n\n";
  std::string out;
  // One byte at a time: events come out only when complete.
  for (char c : stream) ASSERT_TRUE(relay.Feed(std::string_view(&c, 1), &out).ok());
  EXPECT_EQ(out,
            "data: {\"model\":\"peer/tiny\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
            "data: {\"model\":\"peer/tiny\",\"choices\":[]}\n\ndata: [DONE]\n\n");
  EXPECT_TRUE(relay.done());
  EXPECT_TRUE(relay.saw_done_marker());
}

TEST(SseRelay, MultiLineDataIsOneJsonText) {
  SseRelay relay("r/m");
  std::string out;
  ASSERT_TRUE(relay.Feed("event: x\ndata: {\"a\":\ndata: 1}\n\n", &out).ok());
  EXPECT_EQ(out, "data: {\"a\":1}\n\n");
  EXPECT_FALSE(relay.done());
}

TEST(SseRelay, MalformedEventStopsTheRelay) {
  SseRelay relay("r/m");
  std::string out;
  Status st =
      relay.Feed("data: {\"ok\":1}\n\ndata: {\"choices\": [tick\n\ndata: {\"b\":2}\n\n", &out);
  EXPECT_EQ(st.message(), "a stream event that is not a JSON object: '{\"choices\": [tick'");
  EXPECT_EQ(out, "data: {\"ok\":1}\n\n");
  std::string out2;
  EXPECT_FALSE(relay.Feed("data: [1,2]\n\n", &out2).ok());  // JSON, but not an object
}

TEST(SseRelay, TheRemotesErrorEventEndsTheStream) {
  SseRelay relay("r/m");
  std::string out;
  ASSERT_TRUE(relay.Feed("data: {\"error\":{\"message\":\"boom\"}}\n\n", &out).ok());
  EXPECT_TRUE(relay.done());
  EXPECT_FALSE(relay.saw_done_marker());
  EXPECT_EQ(out, "data: {\"error\":{\"message\":\"boom\"}}\n\n");
}

TEST(RemoteModelList, ReadsOpenAiLists) {
  Result<std::vector<std::string>> ids =
      ParseModelList(R"({"object":"list","data":[{"id":"a"},{"id":""},{"name":"b"},{"id":"c/d"},)"
                     R"({"id":"broken","error":"not a GGUF file"}],"models":[]})");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "c/d"}));
  EXPECT_FALSE(ParseModelList("{\"models\":[]}").ok());
  EXPECT_FALSE(ParseModelList("<html>").ok());
}

TEST(RemoteRegistry, FindsOnlyKnownEndpointPrefixes) {
  RemoteRegistry registry({}, nullptr);
  ASSERT_TRUE(registry.AddConfigured({"gpu", "http://10.1.2.3:8000", "sk-x", 0}).ok());
  EXPECT_EQ(registry.AddConfigured({"gpu", "http://other", "", 0}).code(),
            Status::Code::kAlreadyExists);
  std::optional<RemoteTarget> t = registry.Find("gpu/org/Model-70B");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->model, "org/Model-70B");
  EXPECT_EQ(t->base_url, "http://10.1.2.3:8000");
  EXPECT_EQ(t->api_key, "sk-x");
  EXPECT_EQ(t->public_id, "gpu/org/Model-70B");
  EXPECT_FALSE(registry.Find("gpu/").has_value());
  EXPECT_FALSE(registry.Find("cpu/model").has_value());
  EXPECT_FALSE(registry.Find("gpu").has_value());
  std::vector<RemoteEndpointInfo> list = registry.List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0].has_key);
  EXPECT_FALSE(list[0].stored);
  EXPECT_EQ(registry.Remove("gpu").code(), Status::Code::kUnsupported);
}

}  // namespace
}  // namespace inferno::server
