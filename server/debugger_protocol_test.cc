#include "server/debugger_protocol.h"

#include <gtest/gtest.h>

namespace inferno::server::debugger {
namespace {

// A session stopped before it ran ends with the same `done` shape as any other: every timing
// present (zero: nothing was measured), as docs/protocol.md shows it.
TEST(DebuggerProtocolTest, DoneBeforeLaunchHasTheDocumentedShape) {
  Event done;
  done.type = Event::Type::kDone;
  done.finish_reason = "cancelled";
  EXPECT_EQ(DoneJson(7, "s1", done),
            R"({"type":"done","seq":7,"session":"s1","finish_reason":"cancelled",)"
            R"("timings":{"load_ms":0E0,"prompt_tokens":0,"cached_tokens":0,"prompt_ms":0E0,)"
            R"("prompt_tokens_per_second":0E0,"generated_tokens":0,"decode_ms":0E0,)"
            R"("decode_tokens_per_second":0E0,"ttft_ms":0E0}})");
}

}  // namespace
}  // namespace inferno::server::debugger

namespace inferno::server::debugger {
namespace {

// A start message's `images` go before the last user message's text (or the raw prompt's), as
// references Prepare() reads; a malformed list names the field.
TEST(DebuggerProtocolTest, StartImagesGoBeforeTheLastUserText) {
  ClientMessage m;
  ASSERT_TRUE(ParseStartFields(boost::json::parse(R"({"messages":[
      {"role":"user","content":"first"},{"role":"assistant","content":"ok"},
      {"role":"user","content":"what is this?"}],"images":["QkJC"]})")
                                   .as_object(),
                               Limits{}, &m)
                  .ok());
  ASSERT_EQ(m.request.messages.size(), 3u);
  EXPECT_EQ(m.request.messages[0].content, "first");
  EXPECT_EQ(m.request.messages[2].content, "<__media__>what is this?");
  EXPECT_EQ(m.request.images, std::vector<std::string>{"data:;base64,QkJC"});
  ClientMessage raw;
  ASSERT_TRUE(ParseStartFields(
                  boost::json::parse(R"({"prompt":"Hi","images":["data:image/png;base64,AA"]})")
                      .as_object(),
                  Limits{}, &raw)
                  .ok());
  EXPECT_EQ(raw.request.prompt, "<__media__>Hi");
  ClientMessage bad;
  Status st = ParseStartFields(boost::json::parse(R"({"prompt":"Hi","images":[1]})").as_object(),
                               Limits{}, &bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("images"), std::string::npos) << st.message();
}

// A start message's images do not count against max_frame_bytes (a photo is larger than a
// prompt), up to max_image_frame_bytes; the rest of the message still does, and nothing above
// max_image_frame_bytes is parsed.
TEST(DebuggerProtocolTest, ImagesMayExceedTheFrameLimitUpToTheImageLimit) {
  Limits limits;
  limits.max_frame_bytes = 1000;
  limits.max_image_frame_bytes = 10000;
  const std::string image(5000, 'A');
  auto ok =
      ParseClientMessage(R"({"type":"start","prompt":"Hi","images":[")" + image + R"("]})", limits);
  ASSERT_TRUE(std::holds_alternative<ClientMessage>(ok));
  EXPECT_EQ(std::get<ClientMessage>(ok).request.images.size(), 1u);
  const std::string padding(5000, 'x');
  for (const std::string& frame :
       {R"({"type":"start","prompt":")" + padding + R"("})",
        R"({"type":"start","prompt":")" + padding + R"(","images":["QUFB"]})",
        R"({"type":"ping","data":")" + padding + R"("})",
        R"({"type":"start","prompt":"Hi","images":[")" + std::string(12000, 'A') + R"("]})"}) {
    auto err = ParseClientMessage(frame, limits);
    ASSERT_TRUE(std::holds_alternative<ParseError>(err)) << frame.substr(0, 40);
    EXPECT_EQ(std::get<ParseError>(err).code, code::kTooLarge);
  }
}

}  // namespace
}  // namespace inferno::server::debugger
