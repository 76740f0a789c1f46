// HMAC-SHA256 against Project Wycheproof.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "support/wycheproof.hpp"
#include "crypto/hkdf.hpp"

namespace alcove::crypto {
namespace {

namespace json = boost::json;

using ::alcove::testing::HexField;
using ::alcove::testing::LoadWycheproof;

// Full-length (256-bit) tags: HmacSha256 computes them and HmacSha256Verify accepts
// exactly the valid ones. Truncated-tag groups (tagSize 128): our API has no truncated
// tags, so HmacSha256Verify must refuse every one of them, valid or not; and to check
// the computation itself, a valid truncated tag must equal the prefix of our full tag
// and an invalid one must not.
TEST(HmacSha256, PassesEveryWycheproofVector) {
  const auto doc = LoadWycheproof("hmac_sha256_test.json");
  ASSERT_TRUE(doc.is_object());
  int full = 0;
  int truncated = 0;
  for (const auto& g : doc.at("testGroups").as_array()) {
    const auto tag_bits = g.at("tagSize").to_number<std::size_t>();
    for (const auto& t : g.at("tests").as_array()) {
      const auto id = t.at("tcId").to_number<int>();
      const auto key = HexField(t.at("key"));
      const auto msg = HexField(t.at("msg"));
      const auto tag = HexField(t.at("tag"));
      const bool valid = t.at("result").as_string() == "valid";
      auto mac = HmacSha256(key, msg);
      ASSERT_TRUE(mac) << "tcId " << id;
      const std::vector<std::uint8_t> prefix(mac->begin(),
                                             mac->begin() + static_cast<long>(tag.size()));
      if (tag_bits == 256) {
        EXPECT_EQ(HmacSha256Verify(key, msg, tag), valid) << "tcId " << id;
        EXPECT_EQ(prefix == tag, valid) << "tcId " << id;
        ++full;
      } else {
        EXPECT_EQ(tag.size() * 8, tag_bits);
        EXPECT_FALSE(HmacSha256Verify(key, msg, tag)) << "tcId " << id;
        EXPECT_EQ(prefix == tag, valid) << "tcId " << id;
        ++truncated;
      }
    }
  }
  EXPECT_EQ(full, 87);
  EXPECT_EQ(truncated, 87);
}

}  // namespace
}  // namespace alcove::crypto
