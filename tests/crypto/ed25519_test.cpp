// Ed25519 verification (audit checkpoint signatures) against every vector of
// Wycheproof's ed25519_test.json: valid signatures verify, invalid ones are rejected.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.hpp"
#include "crypto/signing_key.hpp"

namespace alcove::crypto {
namespace {

std::vector<std::uint8_t> Hex(boost::json::string_view s) {
  auto b = HexDecode(std::string_view(s.data(), s.size()));
  EXPECT_TRUE(b);
  return b ? *b : std::vector<std::uint8_t>{};
}

TEST(Ed25519, PassesEveryWycheproofVector) {
  const auto path =
      std::filesystem::path(ALCOVE_TESTVECTORS_DIR) / "wycheproof" / "ed25519_test.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing test vector file " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  const auto doc = boost::json::parse(ss.str()).as_object();
  int run = 0;
  int valid = 0;
  int invalid = 0;
  for (const auto& gv : doc.at("testGroups").as_array()) {
    const auto& group = gv.as_object();
    ASSERT_EQ(group.at("type").as_string(), "EddsaVerify");
    const auto pk = Hex(group.at("publicKey").as_object().at("pk").as_string());
    for (const auto& tv : group.at("tests").as_array()) {
      const auto& t = tv.as_object();
      SCOPED_TRACE(::testing::Message()
                   << "tcId " << t.at("tcId").as_int64() << ": " << t.at("comment").as_string());
      const auto msg = Hex(t.at("msg").as_string());
      const auto sig = Hex(t.at("sig").as_string());
      const std::string result(t.at("result").as_string());
      ASSERT_TRUE(result == "valid" || result == "invalid") << result;
      EXPECT_EQ(VerifyEd25519(pk, msg, sig), result == "valid");
      ++run;
      (result == "valid" ? valid : invalid)++;
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
  EXPECT_EQ(run, doc.at("numberOfTests").as_int64());
}

}  // namespace
}  // namespace alcove::crypto
