#include "store/timestamps.h"

#include <gtest/gtest.h>

namespace inferno::store {
namespace {

TEST(Timestamps, FormatsKnownInstants) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  // 2000-02-29T12:34:56.789Z: 951827696 s after the epoch (date -u -d ... +%s).
  EXPECT_EQ(FormatIso8601(951827696789), "2000-02-29T12:34:56.789Z");
}

TEST(Timestamps, ParsesWhatItFormatsAndOffsets) {
  EXPECT_EQ(ParseIso8601("2000-02-29T12:34:56.789Z"), 951827696789);
  EXPECT_EQ(ParseIso8601("2000-02-29T12:34:56Z"), 951827696000);
  EXPECT_EQ(ParseIso8601("2000-02-29T14:34:56.789+02:00"), 951827696789);
  EXPECT_EQ(ParseIso8601("2000-02-29T11:34:56.789123-01:00"), 951827696789);
  const int64_t now = NowMs();
  EXPECT_EQ(ParseIso8601(FormatIso8601(now)), now);
}

TEST(Timestamps, RejectsMalformed) {
  for (const char* bad : {"", "2000-02-29", "2000-02-29T12:34:56", "2001-02-29T00:00:00Z",
                          "2000-13-01T00:00:00Z", "2000-01-01T24:00:00Z", "2000-01-01T00:00:00.Z",
                          "2000-01-01T00:00:00Zjunk", "yesterday", "2000-01-01T00:00:00+1:00"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace inferno::store
