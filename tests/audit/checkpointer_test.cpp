// The Checkpointer on both engines (claim C44): the history's cadence, every commit
// covered before it returns, and only extensions of the last signed head ever signed.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "audit/checkpoint_signer.hpp"
#include "audit/log.hpp"
#include "audit_test_util.hpp"
#include "core/clock.hpp"
#include "support/audit_tamper.hpp"

namespace alcove::audit {
namespace {

using testing::AppendMany;
using testing::HeadSize;
using testing::MakeEvent;
using testing::Verify;

class Checkpointing : public testing::AuditDbTest {};

// Checkpoints every 100 events, every 60 s with new events, and at shutdown; a fake
// clock, no sleeps.
TEST_P(Checkpointing, CheckpointerWritesEvery100EventsEvery60SecondsAndAtShutdown) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  Checkpointer& cp = **c;
  EXPECT_EQ(cp.Tick(), false);  // nothing yet
  ASSERT_TRUE(AppendMany(db(), 99));
  EXPECT_EQ(cp.Tick(), false);
  ASSERT_TRUE(AppendMany(db(), 1));
  EXPECT_EQ(cp.Tick(), true);
  ASSERT_TRUE(cp.Latest());
  EXPECT_EQ(cp.Latest()->checkpoint.size, 100u);
  ASSERT_TRUE(AppendMany(db(), 5));
  clock.Advance(59 * kMicrosPerSecond);
  EXPECT_EQ(cp.Tick(), false);
  clock.Advance(1 * kMicrosPerSecond);
  EXPECT_EQ(cp.Tick(), true);
  EXPECT_EQ(cp.Latest()->checkpoint.size, 105u);
  clock.Advance(120 * kMicrosPerSecond);
  EXPECT_EQ(cp.Tick(), false);  // no new events, no checkpoint
  EXPECT_EQ(cp.Flush(), false);
  ASSERT_TRUE(AppendMany(db(), 1));
  cp.Stop();  // shutdown flushes
  auto all = ReadCheckpointFile(file);
  ASSERT_TRUE(all) << all.error().internal;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->at(2).checkpoint.size, 106u);
  for (const auto& one : *all) {
    EXPECT_TRUE(VerifyCheckpointSignature(one, kCheckpointKeyName, key_->public_key()));
  }
  auto outcome = Verify(db(), *all, key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
  EXPECT_EQ(outcome->checkpoints, 3u);
  // A new Checkpointer continues from the file.
  auto again = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->Latest()->checkpoint.size, 106u);
  EXPECT_EQ((*again)->Flush(), false);
}

// claim: C44 — every commit that appended is covered by a stored, signed checkpoint
// before its Commit returns: in the ".latest" file (replaced atomically), not the history
// file, which keeps its cadence. A rolled-back transaction is never signed.
TEST_P(Checkpointing, C44EveryCommitIsCoveredByAStoredSignedCheckpointWhenCommitReturns) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  CheckpointerOptions options;
  options.poll = std::chrono::hours(1);
  auto c = Checkpointer::Create(db(), *key_, file, clock, options);
  ASSERT_TRUE(c);
  Log log(db().engine());
  log.SetCommitListener([&](const CommittedHead& head) { (*c)->Committed(head); });
  (*c)->Start();  // the thread polls hourly: only the commits can have signed
  auto latest_on_disk = [&] {
    auto cp = ReadLatestCheckpointFile(LatestCheckpointPath(file));
    EXPECT_TRUE(cp) << cp.error().internal;
    return cp && *cp ? (*cp)->checkpoint.size : 0;
  };
  for (int i = 0; i < 12; ++i) {
    auto tx = db().BeginTenant(1);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, i)));
    if (i % 3 == 0) {
      ASSERT_TRUE(log.Append(**tx, MakeEvent(1, i)));  // two events, one transaction
    }
    ASSERT_TRUE((*tx)->Commit());
    const auto head = HeadSize(db());
    ASSERT_TRUE((*c)->Latest());
    EXPECT_EQ((*c)->Latest()->checkpoint.size, head);
    EXPECT_EQ(latest_on_disk(), head);
    EXPECT_TRUE(VerifyCheckpointSignature(*(*c)->Latest(), kCheckpointKeyName, key_->public_key()));
  }
  EXPECT_EQ((*c)->signed_count(), 12u);  // one per commit, not one per event
  const auto before = HeadSize(db());
  {
    auto tx = db().BeginTenant(1);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, 99)));
    // rolled back: never committed, never signed
  }
  EXPECT_EQ((*c)->Latest()->checkpoint.size, before);
  EXPECT_EQ((*c)->signed_count(), 12u);
  // A group commit of reads is covered too.
  ASSERT_TRUE(log.RecordRead(db(), MakeEvent(2, 1)));
  EXPECT_EQ((*c)->Latest()->checkpoint.size, before + 1);
  EXPECT_EQ(latest_on_disk(), before + 1);
  // The history file has not grown per commit (its cadence is 100 events or 60 s).
  auto history = ReadCheckpointFile(file);
  ASSERT_TRUE(history);
  EXPECT_TRUE(history->empty());
  (*c)->Stop();
  history = ReadCheckpointFile(file);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);  // shutdown
  EXPECT_EQ(history->back().checkpoint.size, before + 1);
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  ASSERT_TRUE(latest && *latest);
  std::vector<SignedCheckpoint> all = *history;
  all.push_back(**latest);
  auto outcome = Verify(db(), all, key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
}

// claim: C44 — concurrent commits share checkpoints (a commit that arrives while one is
// being written waits and is covered by the next), and each is covered when it returns.
TEST_P(Checkpointing, C44ConcurrentCommitsAreEachCoveredAndShareCheckpoints) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  Log log(db().engine());
  log.SetCommitListener([&](const CommittedHead& head) { (*c)->Committed(head); });
  constexpr int kThreads = 4;
  constexpr int kEach = 15;
  std::atomic<int> uncovered{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        for (int attempt = 0;; ++attempt) {
          auto tx = db().BeginTenant(1 + t % 2);
          if (!tx) {
            if (attempt < 100) {
              continue;  // busy: try again
            }
            ++failed;
            return;
          }
          auto logged = log.Append(**tx, MakeEvent(1 + t % 2, i));
          if (!logged || !(*tx)->Commit()) {
            if (attempt < 100) {
              continue;
            }
            ++failed;
            return;
          }
          const auto latest = (*c)->Latest();
          if (!latest || latest->checkpoint.size <= logged->seq) {
            ++uncovered;
          }
          break;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(uncovered.load(), 0);
  EXPECT_EQ(HeadSize(db()), std::uint64_t{kThreads * kEach});
  ASSERT_TRUE((*c)->Latest());
  EXPECT_EQ((*c)->Latest()->checkpoint.size, std::uint64_t{kThreads * kEach});
  EXPECT_LE((*c)->signed_count(), std::uint64_t{kThreads * kEach});
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  ASSERT_TRUE(latest && *latest);
  auto outcome = Verify(db(), std::span(&**latest, 1), key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
}

// Tick covers what a failed write left uncovered: the checkpoint is read from the
// database's committed head.
TEST_P(Checkpointing, TickCoversTheCommittedHeadWhenNoCommitReportedIt) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  ASSERT_TRUE(AppendMany(db(), 3));  // no listener: as if the writes had failed
  EXPECT_FALSE((*c)->Latest());
  EXPECT_EQ((*c)->Tick(), false);  // covered, but not yet due for the history
  ASSERT_TRUE((*c)->Latest());
  EXPECT_EQ((*c)->Latest()->checkpoint.size, 3u);
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->checkpoint.size, 3u);
}

// A checkpoint write that fails does not undo or fail the commit (it has happened); the
// event is covered by the next round once the files can be written again.
TEST_P(Checkpointing, AFailedCheckpointWriteLeavesTheCommitAndIsCoveredLater) {
  FakeClock clock(1'795'000'000'000'000);
  const auto dir = key_dir_ / "cp";
  std::filesystem::create_directories(dir);
  const auto file = dir / "checkpoints";
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  Log log(db().engine());
  log.SetCommitListener([&](const CommittedHead& head) { (*c)->Committed(head); });
  std::filesystem::remove_all(dir);  // every write fails now
  {
    auto tx = db().BeginTenant(1);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, 0)));
    ASSERT_TRUE((*tx)->Commit());
  }
  EXPECT_EQ(HeadSize(db()), 1u);
  EXPECT_FALSE((*c)->Latest());
  EXPECT_FALSE((*c)->Tick());  // still failing
  std::filesystem::create_directories(dir);
  EXPECT_EQ((*c)->Tick(), false);  // covered (the history's cadence is not due)
  ASSERT_TRUE((*c)->Latest());
  EXPECT_EQ((*c)->Latest()->checkpoint.size, 1u);
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->checkpoint.size, 1u);
}

// claim: C44 — with the server's Checkpointer running, an intruder rewinds the newest
// events in the database (guards removed, tree and head rewound consistently); the next
// commits start from the rewound tree and are refused: nothing more is signed, the latest
// file keeps the honest checkpoint, and verify against it names the removal.
TEST_P(Checkpointing, C44TheSignerRefusesACommitFromARewoundTreeAndSignsNothingMore) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  Log log(db().engine());
  log.SetCommitListener([&](const CommittedHead& head) { (*c)->Committed(head); });
  auto commit = [&](int i) {
    auto tx = db().BeginTenant(1);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, i)));
    ASSERT_TRUE((*tx)->Commit());
  };
  for (int i = 0; i < 5; ++i) {
    commit(i);
  }
  const SignedCheckpoint honest = *(*c)->Latest();
  ASSERT_EQ(honest.checkpoint.size, 5u);
  EXPECT_FALSE((*c)->refusal());
  auto keep = alcove::testing::RewindAuditTail(db_->owner(), 2);
  ASSERT_TRUE(keep) << keep.error().internal;
  const auto signed_before = (*c)->signed_count();
  for (int i = 0; i < 4; ++i) {
    commit(10 + i);  // the commit itself succeeds: it has happened
  }
  ASSERT_TRUE((*c)->refusal());
  EXPECT_NE((*c)->refusal()->find("fewer than the 5 already checked"), std::string::npos)
      << *(*c)->refusal();
  EXPECT_EQ((*c)->signed_count(), signed_before);
  EXPECT_EQ((*c)->Tick(), false);
  EXPECT_EQ((*c)->Flush(), false);
  EXPECT_EQ((*c)->signed_count(), signed_before);
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->text, honest.text);
  auto history = ReadCheckpointFile(file);
  ASSERT_TRUE(history);
  EXPECT_TRUE(history->empty());
  auto outcome = Verify(db(), std::span(&**latest, 1), key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->ok);
  EXPECT_NE(outcome->problem.find("differs from signed checkpoint"), std::string::npos)
      << outcome->problem;
  // A new Checkpointer (a restart) refuses again at its first round.
  auto again = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->Tick(), false);
  EXPECT_TRUE((*again)->refusal());
  EXPECT_EQ((*again)->signed_count(), 0u);
}

// claim: C44 — a round checks the stored tree against the last signed head with an RFC
// 6962 consistency proof: events appended elsewhere (no report) that extend it are signed;
// a tail rewritten and grown beyond the signed size, or rewritten at the same size, is
// refused.
TEST_P(Checkpointing, C44ARoundSignsOnlyATreeThatExtendsTheSignedHead) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  ASSERT_TRUE(AppendMany(db(), 6));
  EXPECT_EQ((*c)->Tick(), false);
  ASSERT_EQ((*c)->Latest()->checkpoint.size, 6u);
  ASSERT_TRUE(AppendMany(db(), 7));  // another process: an extension, proved and signed
  EXPECT_EQ((*c)->Tick(), false);
  ASSERT_EQ((*c)->Latest()->checkpoint.size, 13u);
  const auto honest = *(*c)->Latest();
  ASSERT_TRUE(alcove::testing::RewindAuditTail(db_->owner(), 3));
  ASSERT_TRUE(AppendMany(db(), 3));  // the same size again, another root
  EXPECT_EQ((*c)->Tick(), false);
  ASSERT_TRUE((*c)->refusal());
  EXPECT_NE((*c)->refusal()->find("another root"), std::string::npos) << *(*c)->refusal();
  ASSERT_TRUE(AppendMany(db(), 4));  // grown beyond: the proof fails
  auto grown = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(grown);
  EXPECT_EQ((*grown)->Tick(), false);
  ASSERT_TRUE((*grown)->refusal());
  EXPECT_NE((*grown)->refusal()->find("does not extend"), std::string::npos)
      << *(*grown)->refusal();
  EXPECT_EQ((*grown)->Latest()->text, honest.text);
  EXPECT_EQ((*c)->Latest()->text, honest.text);
}

// claim: C44 — a commit whose predecessors were appended without a report (another
// process) waits, asks the background thread for a round (a consistency proof), and is
// covered before its Commit returns.
TEST_P(Checkpointing, C44ACommitAfterUnreportedAppendsIsProvedAndCoveredWhenCommitReturns) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  CheckpointerOptions options;
  options.poll = std::chrono::hours(1);
  auto c = Checkpointer::Create(db(), *key_, file, clock, options);
  ASSERT_TRUE(c);
  Log log(db().engine());
  log.SetCommitListener([&](const CommittedHead& head) { (*c)->Committed(head); });
  (*c)->Start();
  ASSERT_TRUE(AppendMany(db(), 3));  // no listener
  {
    auto tx = db().BeginTenant(1);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, 3)));
    ASSERT_TRUE((*tx)->Commit());
  }
  ASSERT_TRUE((*c)->Latest());
  EXPECT_EQ((*c)->Latest()->checkpoint.size, 4u);
  EXPECT_FALSE((*c)->refusal());
  (*c)->Stop();
}

// claim: C44 — a witness's checkpoint larger than the local files (rewound with the
// database) is the head to extend: the rewound tree is refused.
TEST_P(Checkpointing, C44AnAnchoredWitnessCheckpointLargerThanTheLocalOnesIsTheHeadToExtend) {
  FakeClock clock(1'795'000'000'000'000);
  const auto file = key_dir_ / "checkpoints";
  ASSERT_TRUE(AppendMany(db(), 8));
  const SignedCheckpoint witness = CheckpointNow();
  ASSERT_TRUE(alcove::testing::RewindAuditTail(db_->owner(), 3));
  const SignedCheckpoint forged = CheckpointNow();  // with the stolen key
  ASSERT_TRUE(ReplaceCheckpointFile(LatestCheckpointPath(file), forged.text));
  auto c = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(c);
  ASSERT_TRUE((*c)->Anchor(witness));
  EXPECT_EQ((*c)->Tick(), false);
  ASSERT_TRUE((*c)->refusal());
  EXPECT_EQ((*c)->signed_count(), 0u);
  // The other way round: the local files are ahead, the witness's older one is a prefix.
  ASSERT_TRUE(AppendMany(db(), 2));
  const SignedCheckpoint older = CheckpointNow();
  ASSERT_TRUE(AppendMany(db(), 2));
  ASSERT_TRUE(ReplaceCheckpointFile(LatestCheckpointPath(file), CheckpointNow().text));
  auto fine = Checkpointer::Create(db(), *key_, file, clock);
  ASSERT_TRUE(fine);
  ASSERT_TRUE((*fine)->Anchor(older));
  EXPECT_FALSE((*fine)->refusal());
  ASSERT_TRUE((*fine)->Anchor(forged));  // the forged head is a prefix of this log too
  EXPECT_FALSE((*fine)->refusal());
  ASSERT_TRUE((*fine)->Anchor(witness));  // smaller than local, and not a prefix: refused
  EXPECT_TRUE((*fine)->refusal());
}

INSTANTIATE_TEST_SUITE_P(Engines, Checkpointing,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         testing::EngineName);

}  // namespace
}  // namespace alcove::audit
