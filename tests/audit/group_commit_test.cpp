// Group commit of audited reads on both engines: concurrent Log::RecordRead calls share
// one transaction and one commit, each caller gets its own event back only once it is
// committed (C40), a failed batch fails every caller in it and leaves nothing, and an
// invalid event fails alone. Log::RecordReads commits the events of one read together.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "audit/log.hpp"
#include "audit_test_util.hpp"
#include "store/fault_injecting_db.hpp"

namespace alcove::audit {
namespace {

using testing::CountRows;
using testing::MakeEvent;
using testing::VerifyWithoutCheckpoints;

// A Db decorator for these tests: counts the commits that succeed, remembers how the last
// transaction was begun, and can hold the next Begin* until released, so a test can line
// callers up behind a leader that has taken its batch, without sleeping.
// Thread-safety: any thread.
class ObservedDb final : public store::Db {
 public:
  explicit ObservedDb(store::Db& inner) : inner_(inner) {}

  store::Engine engine() const override { return inner_.engine(); }
  Result<std::unique_ptr<store::Transaction>> Begin() override {
    return Wrap(std::nullopt, [&] { return inner_.Begin(); });
  }
  Result<std::unique_ptr<store::Transaction>> BeginTenant(store::TenantId tenant) override {
    return Wrap(tenant, [&] { return inner_.BeginTenant(tenant); });
  }

  // The next Begin* waits, before reaching the database, until Release().
  void HoldNextBegin() {
    std::lock_guard lock(mu_);
    hold_next_ = true;
    held_ = false;
  }
  // Blocks until a Begin* is being held.
  void WaitUntilHeld() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return held_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

  std::int64_t commits() const { return commits_.load(); }
  // The tenant the last transaction was confined to (nullopt: Begin()).
  std::optional<store::TenantId> last_tenant() const {
    std::lock_guard lock(mu_);
    return last_tenant_;
  }

 private:
  class Tx final : public store::Transaction {
   public:
    Tx(std::unique_ptr<store::Transaction> inner, std::atomic<std::int64_t>& commits)
        : inner_(std::move(inner)), commits_(commits) {}
    Result<std::vector<store::Row>> Query(std::string_view sql,
                                          std::span<const store::Value> params) override {
      return inner_->Query(sql, params);
    }
    Result<std::int64_t> Execute(std::string_view sql,
                                 std::span<const store::Value> params) override {
      return inner_->Execute(sql, params);
    }
    Status ExecuteScript(std::string_view sql) override { return inner_->ExecuteScript(sql); }
    Status Commit() override {
      auto st = inner_->Commit();
      if (st) {
        commits_.fetch_add(1);
      }
      return st;
    }
    std::optional<store::TenantId> tenant() const override { return inner_->tenant(); }
    void OnCommit(std::string_view key, std::function<void()> hook) override {
      inner_->OnCommit(key, std::move(hook));
    }

   private:
    std::unique_ptr<store::Transaction> inner_;
    std::atomic<std::int64_t>& commits_;
  };

  template <typename BeginFn>
  Result<std::unique_ptr<store::Transaction>> Wrap(std::optional<store::TenantId> tenant,
                                                   BeginFn begin) {
    {
      std::unique_lock lock(mu_);
      last_tenant_ = tenant;
      if (hold_next_) {
        hold_next_ = false;
        held_ = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return !held_; });
      }
    }
    auto tx = begin();
    if (!tx) {
      return tx;
    }
    return std::make_unique<Tx>(std::move(*tx), commits_);
  }

  store::Db& inner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool hold_next_ = false;
  bool held_ = false;
  std::optional<store::TenantId> last_tenant_;
  std::atomic<std::int64_t> commits_{0};
};

// Yields (no wall-clock sleep) until `n` RecordRead(s) calls are queued behind a leader.
void WaitForQueued(const Log& log, std::size_t n) {
  while (log.waiting() < n) {
    std::this_thread::yield();
  }
}

class GroupCommit : public ::testing::TestWithParam<store::Engine> {
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

  // Starts the leader of a batch: a RecordRead of `event` that has taken its batch (only
  // itself) and is held in Begin until observed.Release().
  std::thread StartHeldLeader(const Log& log, store::Db& through, ObservedDb& observed,
                              const Event& event, Result<LoggedEvent>& result) {
    observed.HoldNextBegin();
    std::thread leader(
        [&log, &through, &event, &result] { result = log.RecordRead(through, event); });
    observed.WaitUntilHeld();
    EXPECT_EQ(log.waiting(), 0u);
    return leader;
  }

  std::unique_ptr<testing::TestDb> db_;
};

// claim: C40 — 8 threads x 200 audited reads: every call returns its own committed event
// with a distinct sequence number, the numbers are dense, the log verifies, and the reads
// shared commits.
TEST_P(GroupCommit, ConcurrentRecordReadsGetDenseDistinctSeqsAndShareCommits) {
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  constexpr int kTotal = kThreads * kEach;
  ObservedDb observed(db());
  const Log log(db().engine());
  std::vector<std::vector<LoggedEvent>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Event e = MakeEvent(t + 1, i, Action::kRecordAccessed);
        auto logged = log.RecordRead(observed, e);
        if (!logged || logged->event != e) {
          ++failures;
          continue;
        }
        got[t].push_back(std::move(*logged));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  ASSERT_EQ(failures.load(), 0);
  std::vector<std::uint64_t> seqs;
  std::set<std::string> ids;
  for (const auto& mine : got) {
    // One thread's reads are committed in its order.
    EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end(),
                               [](const auto& a, const auto& b) { return a.seq < b.seq; }));
    for (const auto& l : mine) {
      seqs.push_back(l.seq);
      ids.insert(l.id);
    }
  }
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kTotal));
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    ASSERT_EQ(seqs[i], i);
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(CountRows(db(), "audit_events"), kTotal);
  auto outcome = VerifyWithoutCheckpoints(db());
  ASSERT_TRUE(outcome) << outcome.error().internal;
  EXPECT_TRUE(outcome->ok) << outcome->problem;
  EXPECT_EQ(outcome->events, static_cast<std::uint64_t>(kTotal));
  // Each event is in exactly one commit; batches are bounded.
  RecordProperty("commits", std::to_string(observed.commits()));
  EXPECT_LT(observed.commits(), kTotal);
  EXPECT_GE(observed.commits(),
            static_cast<std::int64_t>((kTotal + Log::kMaxBatch - 1) / Log::kMaxBatch));
  // What a caller got back is what the log holds.
  auto tx = db().BeginTenant(3);
  ASSERT_TRUE(tx);
  auto listed = ListEvents(**tx, 3, std::nullopt, 500);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), static_cast<std::size_t>(kEach));
  for (std::size_t i = 0; i < listed->size(); ++i) {
    EXPECT_EQ(listed->at(i).logged, got[2][kEach - 1 - i]);
  }
}

// claim: C40 — never a success for an event that was not committed: when a batch's
// commit fails, every caller in it gets the error and none of its events is in the log.
TEST_P(GroupCommit, EveryCallerInABatchWhoseCommitFailsGetsAnErrorAndNothingIsLogged) {
  constexpr int kFollowers = 6;
  ObservedDb observed(db());
  store::FaultInjectingDb faulty(observed);
  const Log log(db().engine());
  const Event first = MakeEvent(1, 0, Action::kRecordAccessed);
  Result<LoggedEvent> first_result;
  std::thread leader = StartHeldLeader(log, faulty, observed, first, first_result);
  // The leader's commit is the 1st from now; the followers' batch commits 2nd.
  faulty.FailCommit(2);
  std::vector<Event> events;
  for (int i = 0; i < kFollowers; ++i) {
    events.push_back(MakeEvent(1 + i % 3, i + 1, Action::kRecordAccessed));
  }
  std::vector<Result<LoggedEvent>> results(kFollowers);
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] { results[i] = log.RecordRead(faulty, events[i]); });
  }
  WaitForQueued(log, kFollowers);
  observed.Release();
  leader.join();
  for (auto& th : followers) {
    th.join();
  }
  ASSERT_TRUE(first_result) << first_result.error().internal;
  EXPECT_EQ(first_result->seq, 0u);
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  }
  EXPECT_EQ(faulty.injected(), 1);
  EXPECT_EQ(observed.commits(), 1);
  EXPECT_EQ(CountRows(db(), "audit_events"), 1);
  auto outcome = VerifyWithoutCheckpoints(db());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
  EXPECT_EQ(outcome->events, 1u);
  // The log goes on from where it was.
  auto next = log.RecordRead(db(), events[0]);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->seq, 1u);
}

// claim: C40 — a statement failing half-way through a batch fails the whole batch.
TEST_P(GroupCommit, AStatementFailingInsideABatchFailsEveryCallerInIt) {
  constexpr int kFollowers = 4;
  ObservedDb observed(db());
  store::FaultInjectingDb faulty(observed);
  const Log log(db().engine());
  const Event first = MakeEvent(1, 0, Action::kRecordAccessed);
  Result<LoggedEvent> first_result;
  std::thread leader = StartHeldLeader(log, faulty, observed, first, first_result);
  // The leader's append of seq 0 runs statements 1-3 (read head, insert, update head);
  // the batch's run 4 (read head), 5 and 6 (seq 1 and its subtree node), 7 (seq 2).
  faulty.FailStatement(7);
  std::vector<Event> events;
  for (int i = 0; i < kFollowers; ++i) {
    events.push_back(MakeEvent(2, i + 1, Action::kRecordAccessed));
  }
  std::vector<Result<LoggedEvent>> results(kFollowers);
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] { results[i] = log.RecordRead(faulty, events[i]); });
  }
  WaitForQueued(log, kFollowers);
  observed.Release();
  leader.join();
  for (auto& th : followers) {
    th.join();
  }
  ASSERT_TRUE(first_result);
  for (const auto& r : results) {
    EXPECT_FALSE(r);
  }
  EXPECT_EQ(faulty.injected(), 1);
  EXPECT_EQ(CountRows(db(), "audit_events"), 1);
  EXPECT_EQ(CountRows(db(), "audit_nodes"), 0);
  auto outcome = VerifyWithoutCheckpoints(db());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
}

// An invalid event fails at once, alone (it never joins a batch); the others commit.
TEST_P(GroupCommit, AnInvalidEventFailsAloneAndTheOthersCommit) {
  constexpr int kFollowers = 5;
  ObservedDb observed(db());
  const Log log(db().engine());
  const Event first = MakeEvent(1, 0, Action::kRecordAccessed);
  Result<LoggedEvent> first_result;
  std::thread leader = StartHeldLeader(log, observed, observed, first, first_result);
  std::vector<Event> events;
  for (int i = 0; i < kFollowers; ++i) {
    events.push_back(MakeEvent(1, i + 1, Action::kRecordAccessed));
  }
  std::vector<Result<LoggedEvent>> results(kFollowers);
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] { results[i] = log.RecordRead(observed, events[i]); });
  }
  WaitForQueued(log, kFollowers);
  // Returns while the leader is still held: it did not wait for any batch.
  Event invalid = MakeEvent(1, 99, Action::kRecordAccessed);
  invalid.object_type = "Not a token";
  auto refused = log.RecordRead(observed, invalid);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(log.waiting(), static_cast<std::size_t>(kFollowers));
  observed.Release();
  leader.join();
  for (auto& th : followers) {
    th.join();
  }
  ASSERT_TRUE(first_result);
  std::set<std::uint64_t> seqs = {first_result->seq};
  for (int i = 0; i < kFollowers; ++i) {
    ASSERT_TRUE(results[i]) << results[i].error().internal;
    EXPECT_EQ(results[i]->event, events[i]);
    seqs.insert(results[i]->seq);
  }
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kFollowers + 1));
  EXPECT_EQ(*seqs.rbegin(), static_cast<std::uint64_t>(kFollowers));
  EXPECT_EQ(observed.commits(), 2);  // the leader alone, then the five together
  EXPECT_EQ(CountRows(db(), "audit_events"), kFollowers + 1);
}

// The events of one read are committed together, in order, or not at all.
TEST_P(GroupCommit, RecordReadsCommitsTheEventsOfOneReadTogetherOrNone) {
  ObservedDb observed(db());
  const Log log(db().engine());
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(MakeEvent(4, i, Action::kRecordAccessed));
  }
  auto logged = log.RecordReads(observed, events);
  ASSERT_TRUE(logged) << logged.error().internal;
  ASSERT_EQ(logged->size(), 5u);
  for (std::size_t i = 0; i < logged->size(); ++i) {
    EXPECT_EQ(logged->at(i).seq, i);
    EXPECT_EQ(logged->at(i).event, events[i]);
  }
  EXPECT_EQ(observed.commits(), 1);
  EXPECT_EQ(observed.last_tenant(), std::optional<store::TenantId>(4));  // confined
  // Nothing to record: no transaction.
  auto none = log.RecordReads(observed, {});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(observed.commits(), 1);
  // One invalid event: none is appended.
  auto with_invalid = events;
  with_invalid[3].client_ip = "not an ip";
  auto refused = log.RecordReads(observed, with_invalid);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  // A failed commit: none is in the log.
  store::FaultInjectingDb faulty(observed);
  faulty.FailCommit(1);
  EXPECT_FALSE(log.RecordReads(faulty, events));
  EXPECT_EQ(CountRows(db(), "audit_events"), 5);
  // Events of several tenants, more than one batch holds: one unconfined transaction.
  std::vector<Event> many;
  for (std::size_t i = 0; i < Log::kMaxBatch + 44; ++i) {
    many.push_back(MakeEvent(1 + static_cast<int>(i % 2), static_cast<int>(i)));
  }
  auto all = log.RecordReads(observed, many);
  ASSERT_TRUE(all) << all.error().internal;
  ASSERT_EQ(all->size(), many.size());
  EXPECT_EQ(all->front().seq, 5u);
  EXPECT_EQ(all->back().seq, 5 + many.size() - 1);
  EXPECT_EQ(observed.commits(), 2);
  EXPECT_EQ(observed.last_tenant(), std::nullopt);
  auto outcome = VerifyWithoutCheckpoints(db());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->problem;
  EXPECT_EQ(outcome->events, 5 + many.size());
}

INSTANTIATE_TEST_SUITE_P(Engines, GroupCommit,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         testing::EngineName);

}  // namespace
}  // namespace alcove::audit
