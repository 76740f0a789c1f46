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

namespace alcove::audit {
namespace {

using store::Value;
using testing::MakeEvent;
using testing::AppendMany;
using testing::HeadSize;
using testing::TestDb;
using testing::Verify;

std::int64_t Count(store::Db& db, std::string_view table) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT count(*) FROM " + std::string(table));
  EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
  return rows ? rows->at(0).Int(0) : -1;
}

class AuditLog : public testing::AuditDbTest {};


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

INSTANTIATE_TEST_SUITE_P(Engines, AuditLog,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == store::Engine::kSqlite ? "Sqlite"
                                                                             : "Postgres";
                         });

}  // namespace
}  // namespace alcove::audit
