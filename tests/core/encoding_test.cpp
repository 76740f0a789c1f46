#include "core/encoding.hpp"

#include <gtest/gtest.h>

namespace alcove {
namespace {

TEST(Encoding, Rfc4648Base64Vectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : cases) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), enc);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(std::string(dec->begin(), dec->end()), plain);
  }
}

TEST(Encoding, Base64UrlIsUnpaddedAndUrlSafe) {
  const std::vector<std::uint8_t> bytes = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(Base64UrlEncode(bytes), "-__-");
  EXPECT_EQ(Base64UrlEncode(AsBytes("f")), "Zg");
  auto dec = Base64UrlDecode("-__-");
  ASSERT_TRUE(dec);
  EXPECT_EQ(*dec, bytes);
}

TEST(Encoding, DecodersRejectMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg="));      // wrong length
  EXPECT_FALSE(Base64Decode("Z!=="));     // bad alphabet
  EXPECT_FALSE(Base64Decode("Zh=="));     // non-canonical trailing bits
  EXPECT_FALSE(Base64UrlDecode("Zg=="));  // padding not allowed
  EXPECT_FALSE(Base64UrlDecode("+/"));    // standard alphabet not allowed
  EXPECT_FALSE(Base64UrlDecode("A"));     // impossible length
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
}

TEST(Encoding, HexRoundTrip) {
  const std::vector<std::uint8_t> bytes = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(HexEncode(bytes), "007f80ff");
  EXPECT_EQ(*HexDecode("007F80ff"), bytes);
}

}  // namespace
}  // namespace alcove
