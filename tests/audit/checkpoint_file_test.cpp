// The checkpoint files and the witness (C44): the history file is read from its end and
// streamed, never loaded whole; the ".latest" file is replaced atomically; audit.witness is
// checked at start-up; the sender keeps only the newest checkpoint and retries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "audit/checkpoint_signer.hpp"
#include "audit/merkle.hpp"
#include "audit/witness.hpp"
#include "crypto/signing_key.hpp"
#include "support/temp_dir.hpp"

namespace alcove::audit {
namespace {

using alcove::testing::TempDir;

class CheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::CreateSigningKeyFile(dir_ / "signing.key"));
    auto key = crypto::SigningKey::Load(dir_ / "signing.key");
    ASSERT_TRUE(key);
    key_ = std::move(*key);
  }
  std::string Note(std::uint64_t size) {
    Hash root{};
    root[0] = static_cast<std::uint8_t>(size);
    root[1] = static_cast<std::uint8_t>(size >> 8);
    return SignCheckpoint(*key_, Checkpoint{LogOrigin(key_->public_key()), size, root});
  }
  // A history file of notes of sizes 1..n, written in one go (each note and a blank line).
  std::filesystem::path WriteHistory(std::uint64_t n, std::uint64_t hole_bytes = 0) {
    const auto file = dir_ / "checkpoints";
    { std::ofstream out(file, std::ios::binary | std::ios::trunc); }
    if (hole_bytes > 0) {
      EXPECT_EQ(::truncate(file.c_str(), static_cast<off_t>(hole_bytes)), 0);  // sparse
    }
    std::ofstream out(file, std::ios::binary | std::ios::app);
    for (std::uint64_t i = 1; i <= n; ++i) {
      out << Note(i) << '\n';
    }
    return file;
  }
  TempDir dir_;
  std::unique_ptr<crypto::SigningKey> key_;
};

// claim: C44 — the last checkpoint of a large history file is read from its end.
TEST_F(CheckpointFiles, C44TheLastCheckpointIsReadFromTheEndNotTheWholeFile) {
  const auto file = WriteHistory(20'000);  // about 4 MB
  ASSERT_GT(std::filesystem::file_size(file), 3u * 1024 * 1024);
  std::size_t read = 0;
  auto last = ReadLastCheckpoint(file, &read);
  ASSERT_TRUE(last) << last.error().internal;
  ASSERT_TRUE(*last);
  EXPECT_EQ((*last)->checkpoint.size, 20'000u);
  EXPECT_TRUE(VerifyCheckpointSignature(**last, kCheckpointKeyName, key_->public_key()));
  EXPECT_EQ((*last)->text, Note(20'000));
  EXPECT_LE(read, 4096u);
}

// claim: C44 — start-up no longer depends on the history file's size: a file larger than
// the 256 MiB that start-up used to read whole (mostly a sparse hole here) still gives its
// last checkpoint, after reading a few KiB.
TEST_F(CheckpointFiles, C44AHistoryFileLargerThanTheOldReadCapStillGivesItsLastCheckpoint) {
  const auto file = WriteHistory(5, 300ull * 1024 * 1024);
  std::size_t read = 0;
  auto last = ReadLastCheckpoint(file, &read);
  ASSERT_TRUE(last) << last.error().internal;
  ASSERT_TRUE(*last);
  EXPECT_EQ((*last)->checkpoint.size, 5u);
  EXPECT_LE(read, 4096u);
}

TEST_F(CheckpointFiles, TheLastCheckpointOfSmallAndEmptyFiles) {
  EXPECT_FALSE(*ReadLastCheckpoint(dir_ / "missing"));
  { std::ofstream out(dir_ / "empty"); }
  EXPECT_FALSE(*ReadLastCheckpoint(dir_ / "empty"));
  const auto one = WriteHistory(1);
  auto last = ReadLastCheckpoint(one);
  ASSERT_TRUE(last && *last);
  EXPECT_EQ((*last)->checkpoint.size, 1u);
  const auto two = WriteHistory(2);
  last = ReadLastCheckpoint(two);
  ASSERT_TRUE(last && *last);
  EXPECT_EQ((*last)->checkpoint.size, 2u);
}

TEST_F(CheckpointFiles, ADamagedTailIsRefused) {
  const auto file = WriteHistory(3);
  std::ofstream(file, std::ios::binary | std::ios::app) << "alcove.audit/0000\n4\n";
  auto last = ReadLastCheckpoint(file);
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(last.error().internal.find("damaged"), std::string::npos);
  const auto garbage = dir_ / "garbage";
  std::ofstream(garbage, std::ios::binary) << std::string(100'000, 'x') << "\n\n";
  EXPECT_FALSE(ReadLastCheckpoint(garbage));
}

// Verification streams: the reader holds one buffer, not the file.
TEST_F(CheckpointFiles, TheReaderStreamsAFileInBoundedChunks) {
  const auto file = WriteHistory(20'000);
  auto reader = CheckpointFileReader::Open(file);
  ASSERT_TRUE(reader);
  auto first = (*reader)->Next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->checkpoint.size, 1u);
  EXPECT_LE((*reader)->bytes_read(), 64u * 1024);
  std::uint64_t n = 1;
  for (;;) {
    auto next = (*reader)->Next();
    ASSERT_TRUE(next) << next.error().internal;
    if (!*next) {
      break;
    }
    EXPECT_EQ((*next)->checkpoint.size, ++n);
  }
  EXPECT_EQ(n, 20'000u);
  EXPECT_EQ((*reader)->bytes_read(), std::filesystem::file_size(file));
}

TEST_F(CheckpointFiles, TheReaderNamesAnIncompleteNote) {
  const auto file = WriteHistory(2);
  std::ofstream(file, std::ios::binary | std::ios::app) << "alcove.audit/00\n";
  auto all = ReadCheckpointFile(file);
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().internal.find("note 3"), std::string::npos) << all.error().internal;
}

TEST_F(CheckpointFiles, TheLatestFileIsReplacedWholeAndHoldsExactlyOneNote) {
  const auto latest = dir_ / "checkpoints.latest";
  EXPECT_EQ(LatestCheckpointPath(dir_ / "checkpoints"), latest);
  EXPECT_FALSE(*ReadLatestCheckpointFile(latest));
  ASSERT_TRUE(ReplaceCheckpointFile(latest, Note(7)));
  ASSERT_TRUE(ReplaceCheckpointFile(latest, Note(9)));
  auto cp = ReadLatestCheckpointFile(latest);
  ASSERT_TRUE(cp && *cp);
  EXPECT_EQ((*cp)->checkpoint.size, 9u);
  EXPECT_EQ(std::filesystem::status(latest).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // No temporary file is left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    entries += e.path().filename().string().starts_with("checkpoints.latest") ? 1 : 0;
  }
  EXPECT_EQ(entries, 1);
  std::ofstream(latest, std::ios::binary | std::ios::app) << Note(10) << '\n';
  EXPECT_FALSE(ReadLatestCheckpointFile(latest));  // two notes: damaged
}

TEST(Witness, TheSettingIsADirectoryOutsideTheDataDirectoryOrAnHttpsUrl) {
  TempDir temp;
  const auto data = temp / "data";
  const auto outside = temp / "witness";
  std::filesystem::create_directories(data / "audit");
  std::filesystem::create_directories(outside);
  auto none = ParseWitness("", "", data);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto dir = ParseWitness(outside.string(), "", data);
  ASSERT_TRUE(dir) << dir.error().internal;
  EXPECT_EQ(dir->directory, std::filesystem::canonical(outside));
  auto url = ParseWitness("https://user:secret@witness.example:8443/w/alcove?token=t", "", data);
  ASSERT_TRUE(url) << url.error().internal;
  EXPECT_EQ(url->Describe(), "https://witness.example:8443");  // no credentials, no path
  for (const std::string& bad :
       {(data / "audit").string(), data.string(), (data / "audit/../audit").string(),
        std::string("relative/dir"), (temp / "missing").string(),
        std::string("http://witness.example/"), std::string("https://"), std::string("ftp://x/")}) {
    auto r = ParseWitness(bad, "", data);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().internal.find("audit.witness"), std::string::npos);
  }
  auto inside = ParseWitness((data / "audit").string(), "", data);
  EXPECT_NE(inside.error().internal.find("inside the data directory"), std::string::npos);
  // A symbolic link that leads into the data directory is inside it too.
  std::filesystem::create_directory_symlink(data / "audit", temp / "link");
  EXPECT_FALSE(ParseWitness((temp / "link").string(), "", data));
}

TEST(Witness, ADirectoryWitnessHoldsTheLatestAndTheHistory) {
  TempDir temp;
  ASSERT_TRUE(crypto::CreateSigningKeyFile(temp / "signing.key"));
  auto key = crypto::SigningKey::Load(temp / "signing.key");
  ASSERT_TRUE(key);
  auto note = [&](std::uint64_t size) {
    return SignCheckpoint(**key, Checkpoint{LogOrigin((*key)->public_key()), size, Hash{}});
  };
  ASSERT_TRUE(WriteWitnessDirectory(temp.path(), note(1), true));
  ASSERT_TRUE(WriteWitnessDirectory(temp.path(), note(2), false));
  auto latest = ReadLatestCheckpointFile(temp / "checkpoints.latest");
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->checkpoint.size, 2u);
  auto history = ReadCheckpointFile(temp / "checkpoints");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().checkpoint.size, 1u);
}

// claim: C44 — a directory witness never gives up what it holds for a checkpoint that
// does not extend it: a smaller one, another root at the same size, or one whose supplied
// consistency proof fails; an extension (with a proof that verifies) replaces it.
TEST(Witness, C44TheDirectoryRefusesASmallerOrForkedCheckpoint) {
  TempDir temp;
  ASSERT_TRUE(crypto::CreateSigningKeyFile(temp / "signing.key"));
  auto key = crypto::SigningKey::Load(temp / "signing.key");
  ASSERT_TRUE(key);
  std::vector<Hash> leaves;
  for (std::uint8_t i = 0; i < 8; ++i) {
    leaves.push_back(LeafHash(std::span(&i, 1)));
  }
  const auto subtrees = [&](SubtreeId id) -> Result<Hash> {
    const auto first = static_cast<std::ptrdiff_t>(id.index << id.level);
    return RootOf(std::span(leaves).subspan(first, std::size_t{1} << id.level));
  };
  auto note = [&](std::uint64_t size, const Hash& root) {
    return SignCheckpoint(**key, Checkpoint{LogOrigin((*key)->public_key()), size, root});
  };
  auto root = [&](std::uint64_t size) { return RootOf(std::span(leaves).first(size)); };
  auto held = [&] {
    auto latest = ReadLatestCheckpointFile(temp / "checkpoints.latest");
    EXPECT_TRUE(latest && *latest);
    return latest && *latest ? (*latest)->checkpoint : Checkpoint{};
  };
  ASSERT_TRUE(WriteWitnessDirectory(temp.path(), note(5, root(5)), true));
  auto smaller = WriteWitnessDirectory(temp.path(), note(4, root(4)), true);
  ASSERT_FALSE(smaller);
  EXPECT_EQ(smaller.error().code, ErrorCode::kConflict);
  EXPECT_NE(smaller.error().internal.find("smaller"), std::string::npos);
  auto forked = WriteWitnessDirectory(temp.path(), note(5, root(6)), false);
  ASSERT_FALSE(forked);
  EXPECT_EQ(forked.error().code, ErrorCode::kConflict);
  EXPECT_EQ(held().size, 5u);
  EXPECT_EQ(held().root, root(5));
  // A larger tree whose proof does not lead from the held root is refused too.
  auto proof = ConsistencyProof(5, 8, subtrees);
  ASSERT_TRUE(proof);
  Hash other = root(8);
  other[0] ^= 1;
  auto bad = WriteWitnessDirectory(temp.path(), note(8, other), false, &*proof);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(WriteWitnessDirectory(temp.path(), note(8, root(8)), false, &*proof));
  EXPECT_EQ(held().size, 8u);
  ASSERT_TRUE(WriteWitnessDirectory(temp.path(), note(8, root(8)), true));  // the same again
  auto history = ReadCheckpointFile(temp / "checkpoints");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);  // the refused ones were not appended
  EXPECT_EQ(history->back().checkpoint.size, 8u);
}

// claim: C44 — after a restart the sender offers the witness nothing smaller than it
// holds, and a checkpoint the witness refuses (kConflict) is dropped, not retried.
TEST(Witness, C44TheSenderNeverOffersLessThanTheWitnessHoldsAndDropsARefusal) {
  std::mutex mu;
  std::vector<std::string> tried;
  WitnessSender sender(
      [&](const std::string& note, bool) -> Status {
        std::lock_guard lock(mu);
        tried.push_back(note);
        if (note == "note 12") {
          return Fail(ErrorCode::kConflict, "refused another root at the same size");
        }
        return {};
      },
      "test witness", WitnessSender::Options{});
  sender.Held(10);
  sender.Offer("note 7", 7, true);  // less than the witness holds: never sent
  sender.Offer("note 12", 12, false);
  EXPECT_FALSE(sender.WaitDelivered(12, std::chrono::milliseconds(300)));
  sender.Offer("note 13", 13, false);
  ASSERT_TRUE(sender.WaitDelivered(13, std::chrono::seconds(30)));
  sender.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(tried, (std::vector<std::string>{"note 12", "note 13"}));
  EXPECT_EQ(sender.failures(), 1u);
}

// The sender never blocks the caller, keeps only the newest undelivered checkpoint (and
// whether any replaced one was for the history), and retries after a failure.
TEST(Witness, TheSenderKeepsTheNewestAndRetries) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::pair<std::string, bool>> delivered;
  int calls = 0;
  WitnessSender::Options options;
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(4);
  WitnessSender sender(
      [&](const std::string& note, bool history) -> Status {
        std::unique_lock lock(mu);
        ++calls;
        if (calls == 1) {
          cv.wait(lock, [&] { return release; });  // the witness hangs on the first
          return Fail(ErrorCode::kUnavailable, "witness down");
        }
        if (calls == 2) {
          return Fail(ErrorCode::kUnavailable, "witness still down");
        }
        delivered.emplace_back(note, history);
        return {};
      },
      "test witness", options);
  sender.Offer("note 1", 1, false);
  // While the first delivery hangs, many more are offered; Offer returns at once.
  for (std::uint64_t i = 2; i <= 50; ++i) {
    sender.Offer("note " + std::to_string(i), i, i == 10);
  }
  sender.Offer("note 3", 3, false);  // older than the pending one: ignored
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(sender.WaitDelivered(50, std::chrono::seconds(30)));
  sender.Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].first, "note 50");
  EXPECT_TRUE(delivered[0].second);  // note 10 was for the history
  EXPECT_EQ(sender.failures(), 2u);
  EXPECT_EQ(calls, 3);
}

// The same checkpoint offered again for the history while it is being delivered without
// is delivered again, for the history (the shutdown checkpoint must reach the witness's
// history file).
TEST(Witness, AHistoryOfferDuringTheDeliveryOfTheSameNoteIsNotLost) {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  std::vector<bool> histories;
  WitnessSender sender(
      [&](const std::string&, bool history) -> Status {
        std::unique_lock lock(mu);
        histories.push_back(history);
        started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        return {};
      },
      "test witness", WitnessSender::Options{});
  sender.Offer("note 5", 5, false);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started; });
  }
  sender.Offer("note 5", 5, true);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  sender.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(histories, (std::vector<bool>{false, true}));
}

TEST(Witness, StopDeliversWhatIsPending) {
  std::atomic<int> calls{0};
  auto sender = std::make_unique<WitnessSender>(
      [&](const std::string&, bool) -> Status {
        ++calls;
        return {};
      },
      "test witness", WitnessSender::Options{});
  sender->Offer("note 5", 5, true);
  sender->Stop();
  EXPECT_EQ(sender->delivered_size(), 5u);
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace alcove::audit
