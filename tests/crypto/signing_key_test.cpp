#include "crypto/signing_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "core/encoding.hpp"
#include "core/files.hpp"
#include "support/temp_dir.hpp"

namespace alcove::crypto {
namespace {

using alcove::testing::TempDir;

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(SigningKey, CreatedFileIsPrivateLoadsAndSigns) {
  TempDir dir;
  const auto path = dir / "audit-signing.key";
  ASSERT_TRUE(CreateSigningKeyFile(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(ReadAll(path).find("alcove-audit-signing-key v1\n") != std::string::npos);

  auto key = SigningKey::Load(path);
  ASSERT_TRUE(key) << key.error().internal;
  const std::string message = "alcove.example/audit\n100\nq6ZpcGz0u0aK6fxZ2ODbXcxKYLY=\n";
  const auto sig = (*key)->Sign(message);
  EXPECT_TRUE(VerifyEd25519((*key)->public_key(), AsBytes(message), sig));
  EXPECT_FALSE(VerifyEd25519((*key)->public_key(), AsBytes(message + "x"), sig));
  auto bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifyEd25519((*key)->public_key(), AsBytes(message), bad));
  // The public line of the file is the key's public key.
  EXPECT_NE(ReadAll(path).find("public " + Base64Encode((*key)->public_key())), std::string::npos);
}

TEST(SigningKey, RefusesToOverwriteAnExistingFile) {
  TempDir dir;
  const auto path = dir / "k";
  ASSERT_TRUE(CreateSigningKeyFile(path));
  const std::string before = ReadAll(path);
  auto again = CreateSigningKeyFile(path);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ReadAll(path), before);
}

TEST(SigningKey, LoadRefusesGroupOrOtherReadableFiles) {
  TempDir dir;
  const auto path = dir / "k";
  ASSERT_TRUE(CreateSigningKeyFile(path));
  for (const mode_t mode : {0640, 0604, 0660, 0644}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto key = SigningKey::Load(path);
    ASSERT_FALSE(key) << std::oct << mode;
    EXPECT_EQ(key.error().code, ErrorCode::kFailedPrecondition);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(SigningKey::Load(path));
  auto missing = SigningKey::Load(dir / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(SigningKey, LoadRefusesMalformedFilesWithoutEchoingKeyBytes) {
  TempDir dir;
  // RFC 8032 §7.1 test 1 seed and public key.
  const std::string seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  const std::string pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  const auto b64 = [](const std::string& hex) { return Base64Encode(*HexDecode(hex)); };
  const std::string other_pub = Base64Encode(std::vector<std::uint8_t>(32, 7));
  const std::pair<std::string, std::string> cases[] = {
      {"no header", "seed " + b64(seed) + "\npublic " + b64(pub) + "\n"},
      {"no public", "alcove-audit-signing-key v1\nseed " + b64(seed) + "\n"},
      {"short seed", "alcove-audit-signing-key v1\nseed AAAA\npublic " + b64(pub) + "\n"},
      {"mismatch", "alcove-audit-signing-key v1\nseed " + b64(seed) + "\npublic " + other_pub},
      {"junk", "alcove-audit-signing-key v1\nseed " + b64(seed) + "\npublic " + b64(pub) +
                   "\nsomething else\n"},
  };
  int i = 0;
  for (const auto& [what, content] : cases) {
    SCOPED_TRACE(what);
    const auto path = dir / ("k" + std::to_string(i++));
    ASSERT_TRUE(WriteNewFile(path, content, 0600));
    auto key = SigningKey::Load(path);
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(key.error().internal.find(b64(seed)), std::string::npos);
  }
}

// A key file holding the RFC 8032 §7.1 TEST 1 seed signs exactly as the RFC says.
TEST(SigningKey, SignsLikeRfc8032) {
  TempDir dir;
  const auto path = dir / "rfc.key";
  const auto seed = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const auto pub = *HexDecode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  ASSERT_TRUE(WriteNewFile(path,
                           "# test\nalcove-audit-signing-key v1\nseed " + Base64Encode(seed) +
                               "\npublic " + Base64Encode(pub) + "\n",
                           0600));
  auto key = SigningKey::Load(path);
  ASSERT_TRUE(key) << key.error().internal;
  EXPECT_EQ(HexEncode((*key)->public_key()), HexEncode(pub));
  EXPECT_EQ(HexEncode((*key)->Sign(std::string_view())),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

}  // namespace
}  // namespace alcove::crypto
