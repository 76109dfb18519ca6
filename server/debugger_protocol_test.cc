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
