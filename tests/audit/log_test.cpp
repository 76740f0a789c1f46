// The audit log on both engines: appends in the caller's transaction (C40), the database
// refuses changes (C41), single writer under concurrency, tenant-scoped reads and proofs.
#include "audit/log.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "audit/checkpoint_signer.hpp"
#include "audit/receipt.hpp"
#include "audit_test_util.hpp"
#include "core/encoding.hpp"
#include "crypto/signing_key.hpp"
#include "store/fault_injecting_db.hpp"
#include "support/audit_tamper.hpp"

namespace alcove::audit {
namespace {

using store::Value;
using testing::MakeEvent;
using testing::TestDb;

std::int64_t Count(store::Db& db, std::string_view table) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT count(*) FROM " + std::string(table));
  EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
  return rows ? rows->at(0).Int(0) : -1;
}

std::uint64_t HeadSize(store::Db& db) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto head = ReadHead(**tx);
  EXPECT_TRUE(head);
  return head ? head->size() : 0;
}

Result<std::vector<LoggedEvent>> AppendMany(store::Db& db, int n, store::TenantId tenant = 1) {
  const Log log(db.engine());
  std::vector<LoggedEvent> out;
  for (int i = 0; i < n; ++i) {
    auto tx = db.BeginTenant(tenant);
    if (!tx) {
      return std::unexpected(tx.error());
    }
    auto logged = log.Append(**tx, MakeEvent(tenant, i));
    if (!logged) {
      return std::unexpected(logged.error());
    }
    if (auto st = (*tx)->Commit(); !st) {
      return std::unexpected(st.error());
    }
    out.push_back(std::move(*logged));
  }
  return out;
}

Result<VerifyOutcome> Verify(store::Db& db, std::span<const SignedCheckpoint> cps,
                             std::span<const std::uint8_t> key) {
  auto tx = db.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  if (db.engine() == store::Engine::kPostgres) {
    if (auto r = (*tx)->Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !r) {
      return std::unexpected(r.error());
    }
  }
  return VerifyLog(**tx, cps, key);
}

class AuditLog : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Engine::kPostgres) {
      ALCOVE_REQUIRE_PG(urls);
      db_ = testing::OpenPgTestDb(urls);
    } else {
      db_ = testing::OpenSqliteTestDb();
    }
    ASSERT_TRUE(db_ && db_->app);
    ASSERT_TRUE(crypto::CreateSigningKeyFile(key_dir_ / "signing.key"));
    auto key = crypto::SigningKey::Load(key_dir_ / "signing.key");
    ASSERT_TRUE(key);
    key_ = std::move(*key);
  }

  store::Db& db() { return *db_->app; }

  SignedCheckpoint CheckpointNow() {
    auto tx = db().Begin();
    EXPECT_TRUE(tx);
    auto head = ReadHead(**tx);
    EXPECT_TRUE(head);
    const Checkpoint cp{LogOrigin(key_->public_key()), head->size(), head->root()};
    return *ParseSignedCheckpoint(SignCheckpoint(*key_, cp));
  }

  std::unique_ptr<TestDb> db_;
  alcove::testing::TempDir key_dir_;
  std::unique_ptr<crypto::SigningKey> key_;
};

TEST_P(AuditLog, AppendsGiveDenseSequenceNumbersAndTheRootOfTheLeaves) {
  auto events = AppendMany(db(), 37);
  ASSERT_TRUE(events) << events.error().internal;
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].seq, i);
    EXPECT_TRUE(store::IsValidId((*events)[i].id));
    leaves.push_back(LeafHash(EncodeEvent((*events)[i])));
  }
  auto tx = db().Begin();
  ASSERT_TRUE(tx);
  auto head = ReadHead(**tx);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size(), 37u);
  EXPECT_EQ(head->root(), RootOf(leaves));
  tx->reset();
  const auto cp = CheckpointNow();
  auto outcome = Verify(db(), std::span(&cp, 1), key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
  EXPECT_EQ(outcome->events, 37u);
}

// claim: C40 — an event is appended in the caller's transaction: when a later statement
// of that transaction fails, neither the change nor its event remains.
TEST_P(AuditLog, C40FailedStatementAfterTheAppendLeavesNeitherChangeNorEvent) {
  ASSERT_TRUE(AppendMany(db(), 3));
  store::FaultInjectingDb faulty(db());
  const Log log(db().engine());
  {
    auto tx = faulty.BeginTenant(1);
    ASSERT_TRUE(tx);
    const Value change[] = {std::int64_t{1}, std::int64_t{1}};
    ASSERT_TRUE(
        (*tx)->Execute("INSERT INTO audit_test_changes (id, tenant_id) VALUES ($1, $2)", change));
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, 100)));
    faulty.FailStatement(1);
    const Value more[] = {std::int64_t{2}, std::int64_t{1}};
    EXPECT_FALSE(
        (*tx)->Execute("INSERT INTO audit_test_changes (id, tenant_id) VALUES ($1, $2)", more));
    EXPECT_FALSE((*tx)->Commit());
  }
  EXPECT_EQ(faulty.injected(), 1);
  EXPECT_EQ(Count(db(), "audit_test_changes"), 0);
  EXPECT_EQ(Count(db(), "audit_events"), 3);
  EXPECT_EQ(HeadSize(db()), 3u);
}

// claim: C40
TEST_P(AuditLog, C40FailedCommitLeavesNeitherChangeNorEvent) {
  store::FaultInjectingDb faulty(db());
  const Log log(db().engine());
  {
    auto tx = faulty.BeginTenant(1);
    ASSERT_TRUE(tx);
    const Value change[] = {std::int64_t{1}, std::int64_t{1}};
    ASSERT_TRUE(
        (*tx)->Execute("INSERT INTO audit_test_changes (id, tenant_id) VALUES ($1, $2)", change));
    ASSERT_TRUE(log.Append(**tx, MakeEvent(1, 1)));
    faulty.FailCommit(1);
    EXPECT_FALSE((*tx)->Commit());
  }
  EXPECT_EQ(Count(db(), "audit_test_changes"), 0);
  EXPECT_EQ(Count(db(), "audit_events"), 0);
  EXPECT_EQ(Count(db(), "audit_nodes"), 0);
  EXPECT_EQ(HeadSize(db()), 0u);
  // And the log goes on from where it was.
  auto events = AppendMany(db(), 2);
  ASSERT_TRUE(events);
  EXPECT_EQ((*events)[0].seq, 0u);
}

// claim: C40 — a failure at any statement inside Append spoils the caller's transaction,
// so the change it records cannot commit without it.
TEST_P(AuditLog, C40FailureInsideTheAppendSpoilsTheCallersTransaction) {
  ASSERT_TRUE(AppendMany(db(), 1));  // the next append also completes a subtree node
  store::FaultInjectingDb faulty(db());
  const Log log(db().engine());
  for (int n = 1; n <= 4; ++n) {
    {
      auto tx = faulty.BeginTenant(1);
      ASSERT_TRUE(tx);
      const Value change[] = {std::int64_t{n}, std::int64_t{1}};
      ASSERT_TRUE(
          (*tx)->Execute("INSERT INTO audit_test_changes (id, tenant_id) VALUES ($1, $2)", change));
      faulty.FailStatement(n);
      EXPECT_FALSE(log.Append(**tx, MakeEvent(1, n))) << n;
      EXPECT_FALSE((*tx)->Commit()) << n;
    }
    EXPECT_EQ(Count(db(), "audit_test_changes"), 0) << n;
    EXPECT_EQ(Count(db(), "audit_events"), 1) << n;
  }
  EXPECT_EQ(faulty.injected(), 4);
}

// claim: C40 — record access: RecordRead commits the event before it returns.
TEST_P(AuditLog, C40RecordReadCommitsItsEventBeforeReturning) {
  const Log log(db().engine());
  auto e = MakeEvent(5, 1, Action::kRecordAccessed);
  auto logged = log.RecordRead(db(), e);
  ASSERT_TRUE(logged) << logged.error().internal;
  auto tx = db().BeginTenant(5);
  ASSERT_TRUE(tx);
  auto list = ListEvents(**tx, 5, std::nullopt, 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).logged, *logged);
  tx->reset();
  // When the event cannot be committed, RecordRead fails: the caller sends nothing.
  store::FaultInjectingDb faulty(db());
  faulty.FailCommit(1);
  EXPECT_FALSE(log.RecordRead(faulty, e));
  EXPECT_EQ(Count(db(), "audit_events"), 1);
}

// Concurrent appends from several threads: one order, dense sequence numbers, a tree
// that verifies.
TEST_P(AuditLog, ConcurrentAppendsProduceOneConsistentTree) {
  constexpr int kThreads = 4;
  constexpr int kEach = 1000;  // issue 5: 4 threads x 1,000 events, one tree of 4,000
  const Log log(db().engine());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto tx = db().BeginTenant(t + 1);
        if (!tx || !log.Append(**tx, MakeEvent(t + 1, i)) || !(*tx)->Commit()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(db(), "audit_events"), kThreads * kEach);
  auto tx = db().Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT min(seq), max(seq), count(DISTINCT seq) FROM audit_events");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).Int(0), 0);
  EXPECT_EQ(rows->at(0).Int(1), kThreads * kEach - 1);
  EXPECT_EQ(rows->at(0).Int(2), kThreads * kEach);
  tx->reset();
  const auto cp = CheckpointNow();
  auto outcome = Verify(db(), std::span(&cp, 1), key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
  EXPECT_EQ(outcome->events, static_cast<std::uint64_t>(kThreads * kEach));
}

// claim: C41 — with its triggers (and, on PostgreSQL, its privileges) in place, the
// database refuses to change or delete audit rows.
TEST_P(AuditLog, C41TheDatabaseRefusesUpdateAndDeleteOfAuditRows) {
  ASSERT_TRUE(AppendMany(db(), 4));
  std::vector<std::string> statements = {
      "UPDATE audit_events SET at = 0 WHERE seq = 1",
      "UPDATE audit_events SET event = leaf_hash",
      "DELETE FROM audit_events WHERE seq = 3",
      "DELETE FROM audit_events",
      "UPDATE audit_nodes SET hash = hash",
      "DELETE FROM audit_nodes",
      "DELETE FROM audit_head",
      "UPDATE audit_head SET size = 0",
  };
  if (GetParam() == store::Engine::kSqlite) {
    statements.push_back(
        "INSERT OR REPLACE INTO audit_events SELECT seq, id, tenant_id, 0, action, event, "
        "leaf_hash FROM audit_events WHERE seq = 2");
    statements.push_back("REPLACE INTO audit_nodes (level, idx, hash) VALUES (1, 0, x'00')");
    statements.push_back("INSERT OR REPLACE INTO audit_head VALUES (1, 0, x'')");
  } else {
    statements.push_back("TRUNCATE audit_events");
    statements.push_back("TRUNCATE audit_nodes");
    statements.push_back("TRUNCATE audit_head");
  }
  // The server's role, and on PostgreSQL the owner as well (the triggers apply to it).
  std::vector<store::Db*> roles = {&db()};
  if (db_->owner_db) {
    roles.push_back(db_->owner_db.get());
  }
  for (store::Db* role : roles) {
    for (const auto& sql : statements) {
      auto tx = role->Begin();
      ASSERT_TRUE(tx);
      EXPECT_FALSE((*tx)->Execute(sql)) << sql;
    }
  }
  EXPECT_EQ(Count(db(), "audit_events"), 4);
  EXPECT_EQ(Count(db(), "audit_nodes"), 3);
  EXPECT_EQ(HeadSize(db()), 4u);
  const auto cp = CheckpointNow();
  auto outcome = Verify(db(), std::span(&cp, 1), key_->public_key());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
}

TEST_P(AuditLog, ListEventsIsScopedToTheTenantAndPages) {
  ASSERT_TRUE(AppendMany(db(), 5, 1));
  ASSERT_TRUE(AppendMany(db(), 3, 2));
  ASSERT_TRUE(AppendMany(db(), 2, 1));
  auto tx = db().BeginTenant(1);
  ASSERT_TRUE(tx);
  auto page = ListEvents(**tx, 1, std::nullopt, 4);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ(page->at(0).logged.seq, 9u);  // newest first
  for (const auto& e : *page) {
    EXPECT_EQ(e.logged.event.tenant, 1);
    EXPECT_EQ(e.leaf_hash, LeafHash(e.bytes));
  }
  auto next = ListEvents(**tx, 1, page->back().logged.seq, 100);
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ(next->at(0).logged.seq, 2u);
  EXPECT_EQ(next->back().logged.seq, 0u);
  auto other = ListEvents(**tx, 3, std::nullopt, 100);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
}

TEST_P(AuditLog, ProofForGivesAReceiptThatChecksOfflineAndTamperedOnesFail) {
  auto events = AppendMany(db(), 11, 7);
  ASSERT_TRUE(events);
  const auto cp = CheckpointNow();
  ASSERT_TRUE(AppendMany(db(), 2, 7));  // newer than the checkpoint
  const std::string vkey = VerifierKey(kCheckpointKeyName, key_->public_key());
  auto tx = db().BeginTenant(7);
  ASSERT_TRUE(tx);
  for (const auto& e : *events) {
    auto receipt = ProofFor(**tx, 7, e.id, cp, vkey);
    ASSERT_TRUE(receipt) << receipt.error().internal;
    auto parsed = ParseReceipt(FormatReceipt(*receipt));
    ASSERT_TRUE(parsed) << parsed.error().internal;
    EXPECT_EQ(*parsed, *receipt);
    auto check = CheckReceipt(*parsed, vkey);
    ASSERT_TRUE(check) << check.error().internal;
    EXPECT_EQ(check->seq, e.seq);
    EXPECT_EQ(check->event_id, e.id);
    EXPECT_EQ(check->tree_size, 11u);
  }
  auto receipt = ProofFor(**tx, 7, (*events)[5].id, cp, vkey);
  ASSERT_TRUE(receipt);
  // Tampering with any part fails.
  auto r1 = *receipt;
  r1.event.back() ^= 1;
  EXPECT_FALSE(CheckReceipt(r1));
  auto r2 = *receipt;
  r2.proof[1][0] ^= 1;
  EXPECT_FALSE(CheckReceipt(r2));
  auto r3 = *receipt;
  r3.checkpoint_note[r3.checkpoint_note.size() - 10] ^= 1;
  EXPECT_FALSE(CheckReceipt(r3));
  auto r4 = *receipt;  // a checkpoint signed by another key
  ASSERT_TRUE(crypto::CreateSigningKeyFile(key_dir_ / "other.key"));
  auto other = crypto::SigningKey::Load(key_dir_ / "other.key");
  ASSERT_TRUE(other);
  r4.checkpoint_note = SignCheckpoint(**other, cp.checkpoint);
  EXPECT_FALSE(CheckReceipt(r4));
  r4.verifier_key = VerifierKey(kCheckpointKeyName, (*other)->public_key());
  EXPECT_FALSE(CheckReceipt(r4, vkey));  // the auditor's key is not the receipt's
  EXPECT_TRUE(CheckReceipt(*receipt, vkey));
  // Another tenant's event is not found; an event after the checkpoint is not yet provable.
  auto wrong_tenant = ProofFor(**tx, 8, (*events)[0].id, cp, vkey);
  ASSERT_FALSE(wrong_tenant);
  EXPECT_EQ(wrong_tenant.error().code, ErrorCode::kNotFound);
  auto newer = ListEvents(**tx, 7, std::nullopt, 1);
  ASSERT_TRUE(newer);
  auto too_new = ProofFor(**tx, 7, newer->at(0).logged.id, cp, vkey);
  ASSERT_FALSE(too_new);
  EXPECT_EQ(too_new.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(AuditLog, ConsistencyProofsBetweenCheckpointsVerify) {
  ASSERT_TRUE(AppendMany(db(), 13));
  const auto first = CheckpointNow();
  ASSERT_TRUE(AppendMany(db(), 20));
  const auto second = CheckpointNow();
  auto tx = db().Begin();
  ASSERT_TRUE(tx);
  auto proof = ConsistencyProofBetween(**tx, first.checkpoint.size, second.checkpoint.size);
  ASSERT_TRUE(proof);
  EXPECT_TRUE(VerifyConsistency(first.checkpoint.size, second.checkpoint.size,
                                first.checkpoint.root, second.checkpoint.root, *proof));
  EXPECT_FALSE(ConsistencyProofBetween(**tx, 1, 34));
}

// Checkpoints every 100 events, every 60 s with new events, and at shutdown; a fake
// clock, no sleeps.
TEST_P(AuditLog, CheckpointerWritesEvery100EventsEvery60SecondsAndAtShutdown) {
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
TEST_P(AuditLog, C44EveryCommitIsCoveredByAStoredSignedCheckpointWhenCommitReturns) {
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
TEST_P(AuditLog, C44ConcurrentCommitsAreEachCoveredAndShareCheckpoints) {
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
TEST_P(AuditLog, TickCoversTheCommittedHeadWhenNoCommitReportedIt) {
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
TEST_P(AuditLog, AFailedCheckpointWriteLeavesTheCommitAndIsCoveredLater) {
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
TEST_P(AuditLog, C44TheSignerRefusesACommitFromARewoundTreeAndSignsNothingMore) {
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
TEST_P(AuditLog, C44ARoundSignsOnlyATreeThatExtendsTheSignedHead) {
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
TEST_P(AuditLog, C44ACommitAfterUnreportedAppendsIsProvedAndCoveredWhenCommitReturns) {
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
TEST_P(AuditLog, C44AnAnchoredWitnessCheckpointLargerThanTheLocalOnesIsTheHeadToExtend) {
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

INSTANTIATE_TEST_SUITE_P(Engines, AuditLog,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == store::Engine::kSqlite ? "Sqlite"
                                                                             : "Postgres";
                         });

}  // namespace
}  // namespace alcove::audit
