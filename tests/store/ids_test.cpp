#include "store/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace alcove::store {
namespace {

TEST(Ids, AreThirtyTwoLowercaseHexCharactersAndDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = NewId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_TRUE(IsValidId(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated id " << id;
  }
}

TEST(Ids, AreNotSequential) {
  // Consecutive ids share no long common prefix (128 random bits each).
  const std::string a = NewId();
  const std::string b = NewId();
  EXPECT_NE(a.substr(0, 8), b.substr(0, 8));
}

TEST(Ids, ParseRefusesAnythingElse) {
  const std::string good = NewId();
  EXPECT_TRUE(ParseId(good));
  for (const std::string& bad :
       {std::string(""), good.substr(1), good + "0", std::string(32, 'A'),
        std::string("../") + good.substr(3), good.substr(0, 30) + "/x", good.substr(0, 30) + "..",
        good.substr(0, 31) + std::string(1, '\0'), std::string(32, 'g'), std::string(32, ' ')}) {
    auto r = ParseId(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(IsValidId(bad));
  }
}

}  // namespace
}  // namespace alcove::store
