#include "server/load_sweep.h"

#include <gtest/gtest.h>

namespace inferno::server {
namespace {

TEST(LoadSweep, PercentilesAreNearestRankMembers) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // 1..100, unsorted
  EXPECT_EQ(Percentile(v, 50), 50);
  EXPECT_EQ(Percentile(v, 95), 95);
  EXPECT_EQ(Percentile(v, 99), 99);
  EXPECT_EQ(Percentile(v, 100), 100);
  EXPECT_EQ(Percentile({7}, 99), 7);
  EXPECT_EQ(Percentile({}, 50), 0);
  // Four values: p50 is the 2nd, p95 and p99 the 4th.
  EXPECT_EQ(Percentile({40, 10, 30, 20}, 50), 20);
  EXPECT_EQ(Percentile({40, 10, 30, 20}, 95), 40);
}

LoadSample Ok(double ttft, double latency, int tokens) {
  LoadSample s;
  s.ok = true;
  s.ttft_ms = ttft;
  s.latency_ms = latency;
  s.prompt_tokens = 20;
  s.generated_tokens = tokens;
  return s;
}

TEST(LoadSweep, LevelRowCountsFailuresAndOrdersPercentiles) {
  LoadSample failed;
  failed.error = "could not connect";
  const std::vector<LoadSample> samples = {Ok(10, 110, 11), Ok(30, 130, 11), failed,
                                           Ok(20, 220, 11)};
  const bench::SuiteRow row = LevelRow(4, samples, 500);
  EXPECT_EQ(row.input_type, "load");
  EXPECT_EQ(row.concurrency, 4);
  EXPECT_EQ(row.requests, 4);
  EXPECT_EQ(row.failed_requests, 1);
  EXPECT_EQ(row.status, "ok");
  EXPECT_EQ(row.error, "could not connect");
  EXPECT_EQ(row.ttft_p50_ms, 20);
  EXPECT_EQ(row.ttft_p99_ms, 30);
  EXPECT_EQ(row.latency_p50_ms, 130);
  EXPECT_EQ(row.latency_p95_ms, 220);
  EXPECT_DOUBLE_EQ(row.ttft_ms, 20);
  EXPECT_DOUBLE_EQ(row.total_ms, (110 + 130 + 220) / 3.0);
  EXPECT_EQ(row.prompt_tokens, 20);
  EXPECT_EQ(row.generated_tokens, 11);
  // 33 tokens over half a second.
  EXPECT_DOUBLE_EQ(row.throughput_tps, 66);
  // Per request: 10 tokens after the first, over latency - ttft.
  EXPECT_DOUBLE_EQ(row.decode_tps, (100.0 + 100.0 + 50.0) / 3);
}

TEST(LoadSweep, ALevelWithoutOneAnswerFails) {
  LoadSample failed;
  failed.error = "HTTP 404";
  const bench::SuiteRow row = LevelRow(1, {failed, failed}, 10);
  EXPECT_EQ(row.status, "failed");
  EXPECT_EQ(row.failed_requests, 2);
  EXPECT_EQ(row.throughput_tps, 0);
}

TEST(LoadSweep, AServerThatIsNotThereFailsTheFirstLevel) {
  LoadSweepOptions o;
  o.base_url = "http://127.0.0.1:1";  // nothing listens on port 1 of loopback
  o.model = std::string("m");  // not = "m": GCC 12 -Wrestrict false positive
  o.concurrency = {1, 4};
  o.requests = 2;
  o.timeouts.connect_ms = 500;
  o.timeouts.connect_retries = 0;
  std::vector<bench::SuiteRow> rows;
  const Status st = RunLoadSweep(o, [&](const bench::SuiteRow& r) { rows.push_back(r); });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("every request at concurrency 1 failed"), std::string::npos)
      << st.message();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].failed_requests, 2);
}

}  // namespace
}  // namespace inferno::server
