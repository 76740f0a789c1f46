// The AES-256-GCM primitive against Project Wycheproof (CRYPTO-FORMATS.md §1).
#include "crypto/aead.hpp"

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

TEST(AesGcm, PassesEveryApplicableWycheproofVector) {
  const auto doc = LoadWycheproof("aes_gcm_test.json");
  ASSERT_TRUE(doc.is_object());
  int valid = 0;
  int invalid = 0;
  int refused_sizes = 0;
  for (const auto& g : doc.at("testGroups").as_array()) {
    const auto key_bits = g.at("keySize").to_number<int>();
    const auto iv_bits = g.at("ivSize").to_number<int>();
    const auto tag_bits = g.at("tagSize").to_number<int>();
    const bool applicable = key_bits == 256 && iv_bits == 96 && tag_bits == 128;
    for (const auto& t : g.at("tests").as_array()) {
      const auto id = t.at("tcId").to_number<int>();
      const auto key = HexField(t.at("key"));
      const auto iv = HexField(t.at("iv"));
      const auto aad = HexField(t.at("aad"));
      const auto msg = HexField(t.at("msg"));
      auto ct = HexField(t.at("ct"));
      const auto tag = HexField(t.at("tag"));
      ct.insert(ct.end(), tag.begin(), tag.end());
      const std::string result(t.at("result").as_string());
      std::vector<std::uint8_t> out(ct.size() >= 16 ? ct.size() - 16 : 0);
      auto opened = AesGcmOpen(key, iv, aad, ct, out);
      if (!applicable) {
        // Other key or nonce sizes are refused outright, valid or not.
        EXPECT_FALSE(opened) << "tcId " << id;
        std::vector<std::uint8_t> sealed(msg.size() + 16);
        EXPECT_FALSE(AesGcmSeal(key, iv, aad, msg, sealed)) << "tcId " << id;
        ++refused_sizes;
        continue;
      }
      if (result == "valid") {
        ASSERT_TRUE(opened) << "tcId " << id;
        EXPECT_EQ(out, msg) << "tcId " << id;
        std::vector<std::uint8_t> sealed(msg.size() + 16);
        ASSERT_TRUE(AesGcmSeal(key, iv, aad, msg, sealed)) << "tcId " << id;
        EXPECT_EQ(sealed, ct) << "tcId " << id;
        ++valid;
      } else {
        EXPECT_FALSE(opened) << "tcId " << id << " " << t.at("comment").as_string();
        if (!opened) {
          EXPECT_EQ(opened.error().public_message, "decryption failed");
          EXPECT_EQ(out, std::vector<std::uint8_t>(out.size(), 0)) << "output not wiped";
        }
        ++invalid;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
  EXPECT_GT(refused_sizes, 0);
  EXPECT_EQ(valid + invalid, 66);  // 39 valid + 27 invalid in the 256/96/128 groups
}

TEST(AesGcm, RefusesOtherKeyNonceAndTagSizes) {
  const std::vector<std::uint8_t> key32(32, 1), key16(16, 1), key24(24, 1);
  const std::vector<std::uint8_t> iv12(12, 2), iv8(8, 2), iv16(16, 2);
  const std::vector<std::uint8_t> msg(5, 3);
  std::vector<std::uint8_t> out(msg.size() + 16);
  ASSERT_TRUE(AesGcmSeal(key32, iv12, {}, msg, out));
  EXPECT_FALSE(AesGcmSeal(key16, iv12, {}, msg, out));
  EXPECT_FALSE(AesGcmSeal(key24, iv12, {}, msg, out));
  EXPECT_FALSE(AesGcmSeal(key32, iv8, {}, msg, out));
  EXPECT_FALSE(AesGcmSeal(key32, iv16, {}, msg, out));
  // A shorter tag (the output buffer for a 96-bit tag) is refused.
  std::vector<std::uint8_t> short_tag(msg.size() + 12);
  EXPECT_FALSE(AesGcmSeal(key32, iv12, {}, msg, short_tag));
  std::vector<std::uint8_t> plain(msg.size());
  ASSERT_TRUE(AesGcmOpen(key32, iv12, {}, out, plain));
  EXPECT_EQ(plain, msg);
  // The same bytes read as ciphertext with a 12-byte tag do not open.
  std::vector<std::uint8_t> plain_longer(msg.size() + 4);
  EXPECT_FALSE(AesGcmOpen(key32, iv12, {}, out, plain_longer));
  EXPECT_FALSE(AesGcmOpen(key16, iv12, {}, out, plain));
  EXPECT_FALSE(AesGcmOpen(key32, iv8, {}, out, plain));
}

TEST(AesGcm, SealsAndOpensAnEmptyPlaintext) {
  const std::vector<std::uint8_t> key(32, 7), iv(12, 9);
  std::vector<std::uint8_t> sealed(16);
  ASSERT_TRUE(AesGcmSeal(key, iv, AsBytes("aad"), {}, sealed));
  std::vector<std::uint8_t> none;
  EXPECT_TRUE(AesGcmOpen(key, iv, AsBytes("aad"), sealed, none));
  EXPECT_FALSE(AesGcmOpen(key, iv, AsBytes("aae"), sealed, none));
}

}  // namespace
}  // namespace alcove::crypto
