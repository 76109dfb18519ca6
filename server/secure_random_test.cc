#include "server/secure_random.h"

#include <gtest/gtest.h>

#include <set>

namespace inferno::server {
namespace {

TEST(RandomHex128, UniqueAndHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string s = RandomHex128();
    ASSERT_EQ(s.size(), 32u);
    ASSERT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace inferno::server
