#include "crypto/sha.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/encoding.hpp"

namespace alcove::crypto {
namespace {

// FIPS 180-2 examples.
TEST(Sha, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha512("abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha, IncrementalMatchesOneShotAndRestarts) {
  std::string data;
  for (int i = 0; i < 100000; ++i) {
    data.push_back(static_cast<char>(i * 31));
  }
  Sha256Hasher h256;
  Sha512Hasher h512;
  for (std::size_t pos = 0; pos < data.size(); pos += 777) {
    h256.Update(std::string_view(data).substr(pos, 777));
    h512.Update(std::string_view(data).substr(pos, 777));
  }
  EXPECT_EQ(h256.Finish(), Sha256(data));
  EXPECT_EQ(h512.Finish(), Sha512(data));
  // After Finish the hasher starts over.
  h256.Update("abc");
  EXPECT_EQ(h256.Finish(), Sha256("abc"));
  EXPECT_EQ(h512.Finish(), Sha512(""));
}

}  // namespace
}  // namespace alcove::crypto
