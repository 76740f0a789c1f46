// AES-256-KWP against Project Wycheproof, and the wrapped-DEK row of
// CRYPTO-FORMATS.md §2.
#include "crypto/key_wrap.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/encoding.hpp"
#include "support/wycheproof.hpp"
#include "crypto/hkdf.hpp"

namespace alcove::crypto {
namespace {

namespace json = boost::json;

using ::alcove::testing::HexField;
using ::alcove::testing::LoadWycheproof;

std::vector<std::uint8_t> ToVector(const SecureBuffer& b) {
  return {b.data(), b.data() + b.size()};
}

TEST(AesKwp, PassesEveryWycheproofVectorWith256BitKeys) {
  const auto doc = LoadWycheproof("aes_kwp_test.json");
  ASSERT_TRUE(doc.is_object());
  int valid = 0;
  int invalid = 0;
  int other_sizes = 0;
  for (const auto& g : doc.at("testGroups").as_array()) {
    const auto key_bits = g.at("keySize").to_number<int>();
    for (const auto& t : g.at("tests").as_array()) {
      const auto id = t.at("tcId").to_number<int>();
      const auto key = HexField(t.at("key"));
      const auto msg = HexField(t.at("msg"));
      const auto ct = HexField(t.at("ct"));
      if (key_bits != 256) {
        EXPECT_FALSE(KwpUnwrap(key, ct)) << "tcId " << id;
        if (!msg.empty()) {
          EXPECT_FALSE(KwpWrap(key, msg)) << "tcId " << id;
        }
        ++other_sizes;
        continue;
      }
      auto unwrapped = KwpUnwrap(key, ct);
      if (t.at("result").as_string() == "valid") {
        ASSERT_TRUE(unwrapped) << "tcId " << id;
        EXPECT_EQ(ToVector(*unwrapped), msg) << "tcId " << id;
        auto wrapped = KwpWrap(key, msg);
        ASSERT_TRUE(wrapped) << "tcId " << id;
        EXPECT_EQ(*wrapped, ct) << "tcId " << id;
        ++valid;
      } else {
        EXPECT_FALSE(unwrapped) << "tcId " << id << " " << t.at("comment").as_string();
        ++invalid;
      }
    }
  }
  EXPECT_EQ(valid, 25);
  EXPECT_EQ(invalid, 69);
  EXPECT_GT(other_sizes, 0);
}

// Key bytes cannot be copied, formatted or streamed by accident.
static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);
static_assert(!fmt::is_formattable<SecureBuffer>::value);

TEST(SecureBuffer, MovesOwnershipAndTruncatesByWiping) {
  auto a = SecureBuffer::CopyOf(std::vector<std::uint8_t>{1, 2, 3, 4});
  const std::uint8_t* p = a.data();
  SecureBuffer b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(a.data(), nullptr);
  b.Truncate(2);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.data()[0], 1);
  EXPECT_EQ(b.data()[1], 2);
  EXPECT_EQ(p[2], 0);  // still our allocation: the cut-off bytes are zero
  EXPECT_EQ(p[3], 0);
}

TEST(WrapDek, RowIsVersionByteMasterVersionAndFortyBytesOfKwp) {
  const std::vector<std::uint8_t> master(32, 0x42);
  const std::vector<std::uint8_t> dek(32, 0x17);
  const std::string dek_id = "0123456789abcdef0123456789abcdef";
  auto row = WrapDek(master, 0x01020304, dek_id, "client", dek);
  ASSERT_TRUE(row);
  ASSERT_EQ(row->size(), 45u);
  EXPECT_EQ((*row)[0], 0x01);
  EXPECT_EQ((*row)[1], 0x01);
  EXPECT_EQ((*row)[2], 0x02);
  EXPECT_EQ((*row)[3], 0x03);
  EXPECT_EQ((*row)[4], 0x04);
  EXPECT_EQ(*WrappedDekMasterVersion(*row), 0x01020304u);
  // The KWP part is KWP(HKDF-SHA256(master, info = "alcove/kek/v1" 0 id 0 purpose), dek).
  std::string info = "alcove/kek/v1";
  info.push_back('\0');
  info += dek_id;
  info.push_back('\0');
  info += "client";
  std::vector<std::uint8_t> kek(32);
  ASSERT_TRUE(HkdfExtractExpand(HkdfHash::kSha256, master, {}, AsBytes(info), kek));
  auto kwp = KwpWrap(kek, dek);
  ASSERT_TRUE(kwp);
  EXPECT_EQ(std::vector<std::uint8_t>(row->begin() + 5, row->end()), *kwp);

  auto back = UnwrapDek(master, dek_id, "client", *row);
  ASSERT_TRUE(back);
  EXPECT_EQ(ToVector(*back), dek);
}

TEST(WrapDek, UnwrapFailsForAnotherIdPurposeMasterKeyOrAFlippedBit) {
  const std::vector<std::uint8_t> master(32, 0x42);
  const std::vector<std::uint8_t> other_master(32, 0x43);
  const std::vector<std::uint8_t> dek(32, 0x17);
  const std::string id = "0123456789abcdef0123456789abcdef";
  auto row = WrapDek(master, 1, id, "client", dek);
  ASSERT_TRUE(row);
  EXPECT_FALSE(UnwrapDek(master, "0123456789abcdef0123456789abcdee", "client", *row));
  EXPECT_FALSE(UnwrapDek(master, id, "recording", *row));
  EXPECT_FALSE(UnwrapDek(other_master, id, "client", *row));
  for (std::size_t i = 0; i < row->size(); ++i) {
    if (i >= 1 && i <= 4) {
      continue;  // the master version only selects the key; the caller checks it exists
    }
    auto bad = *row;
    bad[i] ^= 0x01;
    EXPECT_FALSE(UnwrapDek(master, id, "client", bad)) << "byte " << i;
  }
  EXPECT_FALSE(WrapDek(master, 1, id, std::string("a\0b", 3), dek));
  EXPECT_FALSE(WrapDek(master, 1, id, "client", std::vector<std::uint8_t>(16, 1)));
}

}  // namespace
}  // namespace alcove::crypto
