// audit::Query on both engines: what the audit routes read — a tenant's events page by
// page (next_before), filtered by object, an event's sequence number and its receipt —
// never another tenant's.
#include "audit/query.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "audit/checkpoint_signer.hpp"
#include "audit/receipt.hpp"
#include "audit_test_util.hpp"
#include "crypto/signing_key.hpp"
#include "store/ids.hpp"

namespace alcove::audit {
namespace {

using testing::MakeEvent;

class AuditQuery : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Engine::kPostgres) {
      ALCOVE_REQUIRE_PG(urls);
      db_ = testing::OpenPgTestDb(urls);
    } else {
      db_ = testing::OpenSqliteTestDb();
    }
    ASSERT_TRUE(db_ && db_->app);
  }

  store::Db& db() { return *db_->app; }

  // Records `event` (one read) and returns it as logged.
  LoggedEvent Record(const Event& event) {
    auto logged = log_->RecordRead(db(), event);
    EXPECT_TRUE(logged) << (logged ? "" : logged.error().internal);
    return logged ? *logged : LoggedEvent{};
  }

  Event About(store::TenantId tenant, int i, const std::string& object_id) {
    Event e = MakeEvent(tenant, i, Action::kRecordAccessed);
    e.object_type = "client";
    e.object_id = object_id;
    return e;
  }

  static std::vector<std::uint64_t> Seqs(const EventPage& page) {
    std::vector<std::uint64_t> out;
    for (const auto& e : page.events) {
      out.push_back(e.logged.seq);
    }
    return out;
  }

  std::unique_ptr<testing::TestDb> db_;
  std::unique_ptr<Log> log_ = std::make_unique<Log>(GetParam());
};

TEST_P(AuditQuery, ListShowsOnlyTheTenantsEventsNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    Record(MakeEvent(1, i, Action::kRecordAccessed));
    if (i < 3) {
      Record(MakeEvent(2, i, Action::kRecordAccessed));
    }
  }
  const Query query(db());
  auto page = query.List(1, std::nullopt, 50);
  ASSERT_TRUE(page) << page.error().internal;
  EXPECT_EQ(Seqs(*page), (std::vector<std::uint64_t>{7, 6, 4, 2, 0}));
  for (const auto& e : page->events) {
    EXPECT_EQ(e.logged.event.tenant, 1);
    EXPECT_EQ(e.leaf_hash, LeafHash(e.bytes));
  }
  EXPECT_FALSE(page->next_before);
  auto other = query.List(2, std::nullopt, 50);
  ASSERT_TRUE(other);
  EXPECT_EQ(Seqs(*other), (std::vector<std::uint64_t>{5, 3, 1}));
  auto none = query.List(3, std::nullopt, 50);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->events.empty());
  EXPECT_FALSE(none->next_before);
}

TEST_P(AuditQuery, ListPagesThroughNextBeforeWithoutRepeats) {
  for (int i = 0; i < 7; ++i) {
    Record(MakeEvent(1, i, Action::kRecordAccessed));
  }
  const Query query(db());
  std::vector<std::uint64_t> seen;
  std::optional<std::uint64_t> before;
  std::vector<std::size_t> sizes;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = query.List(1, before, 3);
    ASSERT_TRUE(page);
    sizes.push_back(page->events.size());
    for (auto s : Seqs(*page)) {
      seen.push_back(s);
    }
    if (!page->next_before) {
      break;
    }
    EXPECT_EQ(*page->next_before, page->events.back().logged.seq);
    before = page->next_before;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 1}));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{6, 5, 4, 3, 2, 1, 0}));
  // A page that ends exactly at the beginning of the log has no next page.
  auto last = query.List(1, 3, 3);
  ASSERT_TRUE(last);
  EXPECT_EQ(Seqs(*last), (std::vector<std::uint64_t>{2, 1, 0}));
  EXPECT_FALSE(last->next_before);
  // The limit is clamped to 1..kMaxLimit.
  auto one = query.List(1, std::nullopt, 0);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->events.size(), 1u);
}

TEST_P(AuditQuery, ListFiltersByObjectWithinTheTenant) {
  const std::string x = store::NewId();
  const std::string y = store::NewId();
  for (int i = 0; i < 8; ++i) {
    Record(About(1, i, i % 2 == 0 ? x : y));  // x at 0, 2, 4, 6
  }
  Record(About(2, 8, x));  // the same object id in another tenant: seq 8
  Record(MakeEvent(1, 9, Action::kLoginSucceeded));
  {
    auto tx = db().Begin();  // an event about no object: seq 10
    ASSERT_TRUE(tx);
    Event login = MakeEvent(1, 10, Action::kLoginSucceeded);
    login.object_type.clear();
    login.object_id.clear();
    ASSERT_TRUE(log_->Append(**tx, login));
    ASSERT_TRUE((*tx)->Commit());
  }
  const Query query(db());
  auto about_x = query.List(1, std::nullopt, 50, x);
  ASSERT_TRUE(about_x);
  EXPECT_EQ(Seqs(*about_x), (std::vector<std::uint64_t>{6, 4, 2, 0}));
  EXPECT_FALSE(about_x->next_before);
  // Paged by two.
  auto first = query.List(1, std::nullopt, 2, x);
  ASSERT_TRUE(first);
  EXPECT_EQ(Seqs(*first), (std::vector<std::uint64_t>{6, 4}));
  ASSERT_TRUE(first->next_before);
  auto second = query.List(1, first->next_before, 2, x);
  ASSERT_TRUE(second);
  EXPECT_EQ(Seqs(*second), (std::vector<std::uint64_t>{2, 0}));
  EXPECT_FALSE(second->next_before);
  // The other tenant sees only its own event about x.
  auto theirs = query.List(2, std::nullopt, 50, x);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(Seqs(*theirs), (std::vector<std::uint64_t>{8}));
  // "" is the events about no object; a text that is no token matches nothing.
  auto no_object = query.List(1, std::nullopt, 50, "");
  ASSERT_TRUE(no_object);
  EXPECT_EQ(Seqs(*no_object), (std::vector<std::uint64_t>{10}));
  auto bad = query.List(1, std::nullopt, 50, "../x");
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad->events.empty());
  EXPECT_FALSE(bad->next_before);
}

// An object filter reads at most kMaxScanned events per call and says where to go on.
TEST_P(AuditQuery, AnObjectFilterReadsABoundedNumberOfEventsPerCall) {
  const std::string x = store::NewId();
  Record(About(1, 0, x));  // seq 0
  constexpr std::size_t kOthers = Query::kMaxScanned + 100;
  std::vector<Event> others;
  for (std::size_t i = 1; i <= kOthers; ++i) {
    others.push_back(About(1, static_cast<int>(i), "other"));
    if (others.size() == Log::kMaxBatch || i == kOthers) {
      ASSERT_TRUE(log_->RecordReads(db(), others));
      others.clear();
    }
  }
  const Query query(db());
  auto first = query.List(1, std::nullopt, 10, x);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->events.empty());
  ASSERT_TRUE(first->next_before);
  // Newest first from seq kOthers: the kMaxScanned-th event read is this one.
  EXPECT_EQ(*first->next_before, kOthers - Query::kMaxScanned + 1);
  auto second = query.List(1, first->next_before, 10, x);
  ASSERT_TRUE(second);
  EXPECT_EQ(Seqs(*second), (std::vector<std::uint64_t>{0}));
  EXPECT_FALSE(second->next_before);
}

TEST_P(AuditQuery, SeqOfAndProofFindOnlyTheTenantsOwnEvents) {
  std::vector<LoggedEvent> mine;
  for (int i = 0; i < 4; ++i) {
    mine.push_back(Record(MakeEvent(1, i, Action::kRecordAccessed)));
    Record(MakeEvent(2, i, Action::kRecordAccessed));
  }
  const Query query(db());
  for (const auto& e : mine) {
    auto seq = query.SeqOf(1, e.id);
    ASSERT_TRUE(seq) << seq.error().internal;
    EXPECT_EQ(*seq, e.seq);
  }
  for (const std::string& id : {mine[0].id, store::NewId(), std::string("not-an-id")}) {
    auto missing = query.SeqOf(2, id);
    ASSERT_FALSE(missing) << id;
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(missing.error().public_message, "not found");
  }

  alcove::testing::TempDir dir;
  ASSERT_TRUE(crypto::CreateSigningKeyFile(dir.path() / "signing.key"));
  auto key = crypto::SigningKey::Load(dir.path() / "signing.key");
  ASSERT_TRUE(key);
  std::uint64_t size = 0;
  {
    auto tx = db().Begin();
    ASSERT_TRUE(tx);
    auto head = ReadHead(**tx);
    ASSERT_TRUE(head);
    size = head->size();
    const Checkpoint cp{LogOrigin((*key)->public_key()), size, head->root()};
    auto signed_cp = ParseSignedCheckpoint(SignCheckpoint(**key, cp));
    ASSERT_TRUE(signed_cp);
    const std::string vkey = VerifierKey(kCheckpointKeyName, (*key)->public_key());
    tx->reset();
    auto receipt = query.Proof(1, mine[2].id, *signed_cp, vkey);
    ASSERT_TRUE(receipt) << receipt.error().internal;
    auto check = CheckReceipt(*receipt, vkey);
    ASSERT_TRUE(check) << check.error().internal;
    EXPECT_EQ(check->seq, mine[2].seq);
    EXPECT_EQ(check->tree_size, size);
    auto theirs = query.Proof(2, mine[2].id, *signed_cp, vkey);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
    // An event after the checkpoint is not provable yet.
    const auto newer = Record(MakeEvent(1, 9, Action::kRecordAccessed));
    auto too_new = query.Proof(1, newer.id, *signed_cp, vkey);
    ASSERT_FALSE(too_new);
    EXPECT_EQ(too_new.error().code, ErrorCode::kFailedPrecondition);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditQuery,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         testing::EngineName);

}  // namespace
}  // namespace alcove::audit
