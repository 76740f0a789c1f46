// HKDF-SHA256 and HKDF-SHA512 against Project Wycheproof.
#include "crypto/hkdf.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "support/wycheproof.hpp"

namespace alcove::crypto {
namespace {

namespace json = boost::json;

using ::alcove::testing::HexField;
using ::alcove::testing::LoadWycheproof;

// Runs every vector of `file`; returns how many ran.
int RunHkdfVectors(const std::string& file, HkdfHash hash) {
  const auto doc = LoadWycheproof(file);
  EXPECT_TRUE(doc.is_object());
  if (!doc.is_object()) {
    return 0;
  }
  int ran = 0;
  for (const auto& g : doc.at("testGroups").as_array()) {
    for (const auto& t : g.at("tests").as_array()) {
      const auto id = t.at("tcId").to_number<int>();
      const auto ikm = HexField(t.at("ikm"));
      const auto salt = HexField(t.at("salt"));
      const auto info = HexField(t.at("info"));
      const auto size = t.at("size").to_number<std::size_t>();
      const auto okm = HexField(t.at("okm"));
      const std::string result(t.at("result").as_string());
      std::vector<std::uint8_t> out(size);
      auto st = HkdfExtractExpand(hash, ikm, salt, info, out);
      if (result == "valid") {
        EXPECT_TRUE(st) << file << " tcId " << id;
        EXPECT_EQ(out, okm) << file << " tcId " << id;
      } else {
        // The invalid vectors ask for more than 255 blocks of output.
        EXPECT_FALSE(st) << file << " tcId " << id << " " << t.at("comment").as_string();
      }
      ++ran;
    }
  }
  return ran;
}

TEST(Hkdf, Sha256PassesEveryWycheproofVector) {
  EXPECT_EQ(RunHkdfVectors("hkdf_sha256_test.json", HkdfHash::kSha256), 86);
}

TEST(Hkdf, Sha512PassesEveryWycheproofVector) {
  EXPECT_EQ(RunHkdfVectors("hkdf_sha512_test.json", HkdfHash::kSha512), 83);
}

TEST(Hkdf, ExpandOnlyMatchesRfc5869TestCase1) {
  // RFC 5869 A.1: PRK and OKM.
  const auto prk = *HexDecode("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const auto info = *HexDecode("f0f1f2f3f4f5f6f7f8f9");
  std::vector<std::uint8_t> okm(42);
  ASSERT_TRUE(HkdfExpand(HkdfHash::kSha256, prk, info, okm));
  EXPECT_EQ(HexEncode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  std::vector<std::uint8_t> too_long(HkdfMaxOutput(HkdfHash::kSha256) + 1);
  EXPECT_FALSE(HkdfExpand(HkdfHash::kSha256, prk, info, too_long));
  std::vector<std::uint8_t> empty;
  EXPECT_FALSE(HkdfExpand(HkdfHash::kSha256, prk, info, empty));
  EXPECT_FALSE(HkdfExpand(HkdfHash::kSha256, {}, info, okm));
}

}  // namespace
}  // namespace alcove::crypto
