#include "engine/runtime/probes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace inferno {
namespace {

using ::testing::ElementsAre;

TEST(RouterProbe, RecordsRowsAndKeepsTheLastPromptPositionForTheFirstToken) {
  RouterProbe probe;
  ProbeOptions off;
  probe.Prepare(off);
  EXPECT_FALSE(probe.Wants(CaptureName::kRouter, 0));

  ProbeOptions on;
  on.router = true;
  probe.Prepare(on);
  EXPECT_TRUE(probe.Wants(CaptureName::kRouter, 3));
  EXPECT_FALSE(probe.Wants(CaptureName::kLayerOut, 3));
  const int32_t e0[2] = {4, 1}, e1[2] = {0, 7};
  const float w[2] = {0.6f, 0.4f};
  probe.Router(0, 0, e0, w);
  probe.Router(0, 1, e1, w);
  const std::vector<RouterRow> prompt = probe.Take(/*keep_position=*/1);
  ASSERT_EQ(prompt.size(), 2u);
  EXPECT_EQ(prompt[0].position, 0);
  EXPECT_THAT(prompt[0].experts, ElementsAre(4, 1));
  EXPECT_THAT(prompt[1].weights, ElementsAre(0.6f, 0.4f));

  Event e;
  FillRouter(probe, &e);  // the first token's query: the last prompt position, kept
  ASSERT_EQ(e.router.size(), 1u);
  EXPECT_EQ(e.router[0].position, 1);
  FillRouter(probe, &e);
  EXPECT_TRUE(e.router.empty());
}

TEST(FirstWantingHook, ForwardsTheRouterToTheHookThatWantsIt) {
  RouterProbe router;
  ProbeOptions on;
  on.router = true;
  router.Prepare(on);
  TokenProbe token;
  FirstWantingHook both(&token, &router);
  EXPECT_TRUE(both.Wants(CaptureName::kRouter, 2));
  const int32_t experts[1] = {3};
  const float weights[1] = {1.0f};
  both.Router(2, 5, experts, weights);
  const std::vector<RouterRow> rows = router.Take();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].layer, 2);
  EXPECT_EQ(rows[0].position, 5);
}

}  // namespace
}  // namespace inferno
