// Field ciphertexts (CRYPTO-FORMATS.md §1): format, place binding and the single error.
#include "crypto/field_cipher.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/key_ring_test_env.hpp"

namespace alcove::crypto {
namespace {

using testing::KeyRingTestEnv;

constexpr TenantId kTenant = 7;
constexpr TenantId kOtherTenant = 8;

Place NotePlace() { return Place{kTenant, "notes", "body", "3f2a9c0d1e2b4a5f8c7d6e5f4a3b2c1d"}; }

void ExpectGenericFailure(const Result<PhiString>& r, const std::string& what) {
  ASSERT_FALSE(r) << what;
  const Error expected = DecryptionFailedError();
  EXPECT_EQ(r.error().code, expected.code) << what;
  EXPECT_EQ(r.error().internal, "decryption failed") << what;
  EXPECT_EQ(r.error().public_message, "decryption failed") << what;
}

class FieldCipherTest : public ::testing::Test {
 protected:
  FieldCipherTest() {
    auto key = env_.ring().CreateDek(kTenant, "client");
    EXPECT_TRUE(key);
    key_ = key.value_or(0);
  }
  FieldCipher Cipher() { return FieldCipher(env_.ring(), key_); }

  KeyRingTestEnv env_;
  KeyId key_ = 0;
};

TEST_F(FieldCipherTest, SealsAndOpensPlaintextsOfEverySizeIncludingEmpty) {
  const auto cipher = Cipher();
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 1000u, 70000u}) {
    const std::string plain(n, 'x');
    auto sealed = cipher.Seal(plain, NotePlace());
    ASSERT_TRUE(sealed) << n;
    EXPECT_EQ(sealed->size(), kFieldOverhead + n);
    auto opened = cipher.Open(*sealed, NotePlace());
    ASSERT_TRUE(opened) << n;
    EXPECT_EQ(opened->reveal(), plain);
  }
}

TEST_F(FieldCipherTest, FormatIsVersionKeyIdNonceCiphertextTag) {
  const auto cipher = Cipher();
  auto a = cipher.Seal("same text", NotePlace());
  auto b = cipher.Seal("same text", NotePlace());
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)[0], 0x01);
  const KeyId id =
      (KeyId{(*a)[1]} << 24) | (KeyId{(*a)[2]} << 16) | (KeyId{(*a)[3]} << 8) | KeyId{(*a)[4]};
  EXPECT_EQ(id, key_);
  // Fresh random nonces: the same plaintext never gives the same bytes.
  EXPECT_NE(std::vector<std::uint8_t>(a->begin() + 5, a->begin() + 17),
            std::vector<std::uint8_t>(b->begin() + 5, b->begin() + 17));
  EXPECT_NE(*a, *b);
}

// claim: C02
TEST_F(FieldCipherTest, CiphertextMovedToAnotherRowColumnTableOrTenantDoesNotOpen) {
  const auto cipher = Cipher();
  auto sealed = cipher.Seal("client said something private", NotePlace());
  ASSERT_TRUE(sealed);
  ASSERT_TRUE(cipher.Open(*sealed, NotePlace()));

  Place row = NotePlace();
  row.row_id = "3f2a9c0d1e2b4a5f8c7d6e5f4a3b2c1e";
  ExpectGenericFailure(cipher.Open(*sealed, row), "another row");
  Place column = NotePlace();
  column.column = "summary";
  ExpectGenericFailure(cipher.Open(*sealed, column), "another column");
  Place table = NotePlace();
  table.table = "summaries";
  ExpectGenericFailure(cipher.Open(*sealed, table), "another table");
  Place tenant = NotePlace();
  tenant.tenant = kOtherTenant;
  ExpectGenericFailure(cipher.Open(*sealed, tenant), "another tenant");

  // Another tenant's cipher (its own DEK) cannot open it either, at any place.
  auto other_key = env_.ring().CreateDek(kOtherTenant, "client");
  ASSERT_TRUE(other_key);
  const FieldCipher other(env_.ring(), *other_key);
  ExpectGenericFailure(other.Open(*sealed, NotePlace()), "other tenant's cipher");
  ExpectGenericFailure(other.Open(*sealed, tenant), "other tenant's cipher and place");
  // Nor does another client's DEK of the same tenant.
  auto sibling = env_.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(sibling);
  ExpectGenericFailure(FieldCipher(env_.ring(), *sibling).Open(*sealed, NotePlace()),
                       "another DEK family");
}

// claim: C02
TEST_F(FieldCipherTest, AnyFlippedBitDoesNotOpen) {
  const auto cipher = Cipher();
  auto sealed = cipher.Seal("phq-9: 14", NotePlace());
  ASSERT_TRUE(sealed);
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = *sealed;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ (1u << bit));
      ExpectGenericFailure(cipher.Open(bad, NotePlace()),
                           "byte " + std::to_string(i) + " bit " + std::to_string(bit));
    }
  }
}

// claim: C02
TEST_F(FieldCipherTest, WrongVersionUnknownKeyIdOrTruncationDoesNotOpen) {
  const auto cipher = Cipher();
  auto sealed = cipher.Seal("text", NotePlace());
  ASSERT_TRUE(sealed);
  for (int v : {0x00, 0x02, 0xff}) {
    auto bad = *sealed;
    bad[0] = static_cast<std::uint8_t>(v);
    ExpectGenericFailure(cipher.Open(bad, NotePlace()), "version byte");
  }
  auto unknown = *sealed;
  const KeyId other = key_ ^ 0x80000000u;
  unknown[1] = static_cast<std::uint8_t>(other >> 24);
  ExpectGenericFailure(cipher.Open(unknown, NotePlace()), "unknown key id");
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{5}, kFieldOverhead - 1, sealed->size() - 1}) {
    ExpectGenericFailure(cipher.Open(std::span(*sealed).first(n), NotePlace()),
                         "truncated to " + std::to_string(n));
  }
  auto longer = *sealed;
  longer.push_back(0);
  ExpectGenericFailure(cipher.Open(longer, NotePlace()), "extended");
}

TEST_F(FieldCipherTest, PlaceWithNulOrEmptyNameIsRefused) {
  const auto cipher = Cipher();
  // Without the rule, ("a", "b\0c") and ("a\0b", "c") would encode alike.
  const std::string nul_column("b\0c", 3);
  const std::string nul_table("a\0b", 3);
  auto r1 = cipher.Seal("x", Place{kTenant, "a", nul_column, "r"});
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(cipher.Seal("x", Place{kTenant, nul_table, "c", "r"}));
  EXPECT_FALSE(cipher.Seal("x", Place{kTenant, "t", "c", std::string("r\0", 2)}));
  EXPECT_FALSE(cipher.Seal("x", Place{kTenant, "", "c", "r"}));
  EXPECT_FALSE(cipher.Seal("x", Place{kTenant, "t", "", "r"}));
  EXPECT_FALSE(cipher.Seal("x", Place{kTenant, "t", "c", ""}));
  EXPECT_FALSE(EncodePlace(Place{kTenant, nul_table, "c", "r"}));
}

TEST(PlaceEncoding, IsTheDocumentedBytes) {
  auto aad = EncodePlace(Place{0x0102030405060708, "notes", "body", "r1"});
  ASSERT_TRUE(aad);
  std::string expected("alcove/field/v1\0", 16);
  expected += std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  expected += std::string("\0notes\0body\0r1", 14);
  EXPECT_EQ(std::string(aad->begin(), aad->end()), expected);
}

TEST_F(FieldCipherTest, SealingForAnotherTenantsPlaceIsRefused) {
  const auto cipher = Cipher();
  Place p = NotePlace();
  p.tenant = kOtherTenant;
  auto r = cipher.Seal("x", p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST_F(FieldCipherTest, OpensInAnotherProcessWithAnEmptyCache) {
  auto sealed = Cipher().Seal("carried over", NotePlace());
  ASSERT_TRUE(sealed);
  auto fresh = env_.NewRing();
  auto opened = FieldCipher(*fresh, key_).Open(*sealed, NotePlace());
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->reveal(), "carried over");
}

}  // namespace
}  // namespace alcove::crypto
