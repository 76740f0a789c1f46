// The backup file format (cli/backup_archive.hpp): what the writer makes reads back, and
// the reader refuses every damaged, truncated, foreign or ill-formed file.
#include "cli/backup_archive.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace alcove::cli {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void PutBe(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

// A file in the format, built by hand, with a correct checksum.
std::string Build(const std::vector<std::pair<std::string, std::string>>& entries,
                  std::string_view tail = "", std::uint8_t version = 1) {
  std::string body(kBackupMagic);
  body.push_back(static_cast<char>(version));
  PutBe(body, 1'795'392'000'000'000, 8);
  for (const auto& [name, content] : entries) {
    body.push_back('\x01');
    PutBe(body, name.size(), 2);
    body += name;
    PutBe(body, content.size(), 8);
    body += content;
  }
  body.push_back('\0');
  body += tail;
  const auto digest = crypto::Sha256(body);
  body.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return body;
}

TEST(BackupArchive, WhatTheWriterMakesReadsBack) {
  testing::TempDir tmp;
  const fs::path db = tmp / "source.db";
  Spit(db, std::string(3 * 1024 * 1024 + 17, 'd'));  // more than one copy chunk
  const fs::path file = tmp / "x.backup";
  {
    auto w = BackupWriter::Create(file, 42);
    ASSERT_TRUE(w) << w.error().internal;
    ASSERT_TRUE((*w)->AddText(kBackupConfigEntry, "[server]\n"));
    ASSERT_TRUE((*w)->AddSecret(kBackupSigningKeyEntry, crypto::SecretString(std::string("k"))));
    ASSERT_TRUE((*w)->AddText(kBackupCheckpointsEntry, ""));
    ASSERT_TRUE((*w)->AddFile(kBackupDatabaseEntry, db));
    EXPECT_FALSE((*w)->AddText(kBackupConfigEntry, "twice"));
    EXPECT_FALSE((*w)->AddText("master.key", "never"));
    ASSERT_TRUE((*w)->Finish());
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = BackupReader::Open(file);
  ASSERT_TRUE(r) << r.error().internal;
  EXPECT_EQ((*r)->created_at(), 42);
  EXPECT_EQ((*r)->ReadSmall(kBackupConfigEntry, 100).value_or(""), "[server]\n");
  EXPECT_EQ((*r)->ReadSecret(kBackupSigningKeyEntry, 100)->reveal(), "k");
  EXPECT_EQ((*r)->ReadSmall(kBackupCheckpointsEntry, 100).value_or("x"), "");
  EXPECT_FALSE((*r)->ReadSmall(kBackupDatabaseEntry, 100));  // too large for that
  ASSERT_TRUE((*r)->ExtractTo(kBackupDatabaseEntry, tmp / "out.db", 0600));
  EXPECT_EQ(Slurp(tmp / "out.db"), Slurp(db));
  EXPECT_FALSE((*r)->ExtractTo(kBackupDatabaseEntry, tmp / "out.db", 0600)) << "never overwrites";
  EXPECT_TRUE(BackupReader::Open(file).has_value());
}

TEST(BackupArchive, RecordingsAudioEntriesAreNamedByAStoreIdOnly) {
  const std::string id(32, 'a');
  EXPECT_TRUE(IsBackupBlobEntry("blobs/" + id));
  EXPECT_FALSE(IsBackupBlobEntry("blobs/"));
  EXPECT_FALSE(IsBackupBlobEntry("blobs/../master.key"));
  EXPECT_FALSE(IsBackupBlobEntry("blobs/partial-" + id));
  EXPECT_FALSE(IsBackupBlobEntry("blobs/" + std::string(32, 'A')));
  EXPECT_FALSE(IsBackupBlobEntry("blobs/" + id + "/x"));
  testing::TempDir tmp;
  const fs::path file = tmp / "b.backup";
  {
    auto w = BackupWriter::Create(file, 7);
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->AddText("blobs/" + id, "ciphertext"));
    EXPECT_FALSE((*w)->AddText("blobs/" + id, "twice"));
    EXPECT_FALSE((*w)->AddText("blobs/../master.key", "never"));
    ASSERT_TRUE((*w)->Finish());
  }
  auto r = BackupReader::Open(file);
  ASSERT_TRUE(r) << r.error().internal;
  EXPECT_EQ((*r)->BlobEntries(), std::vector<std::string>{"blobs/" + id});
  EXPECT_EQ((*r)->ReadSmall("blobs/" + id, 100).value_or(""), "ciphertext");
}

TEST(BackupArchive, AWriterThatDoesNotFinishLeavesNoFile) {
  testing::TempDir tmp;
  {
    auto w = BackupWriter::Create(tmp / "x.backup", 1);
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->AddText(kBackupConfigEntry, "a"));
    EXPECT_FALSE((*w)->AddFile(kBackupDatabaseEntry, tmp / "missing.db"));
  }
  EXPECT_FALSE(fs::exists(tmp / "x.backup"));
  Spit(tmp / "taken", "x");
  auto w = BackupWriter::Create(tmp / "taken", 1);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Slurp(tmp / "taken"), "x");
}

TEST(BackupArchive, RefusesEveryDamagedOrIllFormedFile) {
  testing::TempDir tmp;
  const std::string good = Build({{"alcove.toml", "a"}, {"alcove.db", "bbbb"}});
  Spit(tmp / "good", good);
  ASSERT_TRUE(BackupReader::Open(tmp / "good"));
  std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"header only", good.substr(0, 17)},
      {"foreign", std::string(200, 'x')},
      {"version 2", Build({}, "", 2)},
      {"unknown name", Build({{"master.key", "k"}})},
      {"path name", Build({{"../alcove.toml", "k"}})},
      {"twice", Build({{"alcove.toml", "a"}, {"alcove.toml", "b"}})},
      {"bytes after the end", Build({{"alcove.toml", "a"}}, "extra")},
  };
  for (std::size_t cut = 1; cut < good.size(); cut += 7) {
    cases.emplace_back("cut at " + std::to_string(cut), good.substr(0, good.size() - cut));
  }
  for (std::size_t i = 0; i < good.size(); i += 5) {
    std::string flipped = good;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x40);
    cases.emplace_back("flipped byte " + std::to_string(i), flipped);
  }
  {
    // A size that runs past the end, with a checksum that matches.
    std::string body(kBackupMagic);
    body.push_back('\x01');
    PutBe(body, 0, 8);
    body += std::string("\x01\x00\x0b", 3) + "alcove.toml";
    PutBe(body, 1'000'000, 8);
    body += "a";
    body.push_back('\0');
    const auto digest = crypto::Sha256(body);
    body.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    cases.emplace_back("size past the end", body);
  }
  for (const auto& [what, bytes] : cases) {
    Spit(tmp / "case", bytes);
    auto r = BackupReader::Open(tmp / "case");
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << what;
    EXPECT_NE(r.error().internal.find("not a usable Alcove backup"), std::string::npos)
        << what << ": " << r.error().internal;
  }
  auto missing = BackupReader::Open(tmp / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace alcove::cli
