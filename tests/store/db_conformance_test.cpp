// One conformance suite for both drivers: the same repository SQL must behave the same
// on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "store/db.hpp"
#include "store/fault_injecting_db.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"

namespace alcove::store {
namespace {

using testing::TempDir;

// The tables of this suite, in both dialects.
constexpr Migration kTestMigrations[] = {
    {1000, "test_values",
     "CREATE TABLE vals (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, b BLOB) STRICT",
     "CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, s TEXT, b BYTEA)"},
    {1001, "test_constraints",
     "CREATE TABLE parent (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE) STRICT;"
     "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES "
     "parent(id), amount INTEGER NOT NULL CHECK (amount >= 0)) STRICT;"
     "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL) STRICT;"
     "INSERT INTO counter (id, n) VALUES (1, 0)",
     "CREATE TABLE parent (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE);"
     "CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES "
     "parent(id), amount BIGINT NOT NULL CHECK (amount >= 0));"
     "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
     "INSERT INTO counter (id, n) VALUES (1, 0)"},
};

std::vector<Migration> AllTestMigrations() {
  std::vector<Migration> all(StoreMigrations().begin(), StoreMigrations().end());
  all.insert(all.end(), std::begin(kTestMigrations), std::end(kTestMigrations));
  return all;
}

struct SqliteEngine {
  static constexpr const char* kName = "sqlite";
  std::unique_ptr<TempDir> dir;
  bool Available() { return true; }
  void Prepare() { dir = std::make_unique<TempDir>(); }
  Result<std::unique_ptr<Db>> Open() { return OpenSqlite(*dir / "alcove.db"); }
};

struct PostgresEngine {
  static constexpr const char* kName = "postgres";
  std::unique_ptr<testing::PgTestSchema> schema;
  bool Available() { return testing::FindPgUrls().has_value(); }
  void Prepare() { schema = std::make_unique<testing::PgTestSchema>(*testing::FindPgUrls()); }
  Result<std::unique_ptr<Db>> Open() {
    PostgresOptions o;
    o.url = schema->OwnerUrl();
    return OpenPostgres(o);
  }
};

template <typename E>
class DbConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!engine_.Available()) {
      if (testing::PgRequired()) {
        FAIL() << testing::kPgMissing;
      }
      GTEST_SKIP() << testing::kPgMissing;
    }
    engine_.Prepare();
    auto db = engine_.Open();
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
  }

  void Migrate() {
    const auto all = AllTestMigrations();
    auto st = ApplyMigrations(*db_, all);
    ASSERT_TRUE(st) << st.error().internal;
  }

  std::int64_t Count(std::string_view table) {
    auto tx = db_->Begin();
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT count(*) FROM " + std::string(table));
    EXPECT_TRUE(rows) << rows.error().internal;
    return rows ? rows->at(0).Int(0) : -1;
  }

  E engine_;
  std::unique_ptr<Db> db_;
};

using Engines = ::testing::Types<SqliteEngine, PostgresEngine>;
class EngineNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(DbConformance, Engines, EngineNames);

TYPED_TEST(DbConformance, ValuesRoundTripExactly) {
  this->Migrate();
  const Bytes with_nuls{0, 1, 0, 255, 0};
  const std::vector<std::vector<Value>> rows = {
      {std::int64_t{1}, std::int64_t{INT64_MIN}, std::string(""), Bytes{}},
      {std::int64_t{2}, std::int64_t{INT64_MAX}, std::string("h\xc3\xa9llo \xe2\x9c\x93"),
       with_nuls},
      {std::int64_t{3}, std::int64_t{0}, Null{}, Null{}},
      {std::int64_t{4}, Null{}, std::string("'; DROP TABLE vals; --"), Bytes(100000, 0xab)},
      {std::int64_t{5}, std::int64_t{-1}, std::string(5000, 'x'), Bytes{0}},
  };
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    for (const auto& r : rows) {
      auto n = (*tx)->Execute("INSERT INTO vals (id, i, s, b) VALUES ($1, $2, $3, $4)", r);
      ASSERT_TRUE(n) << n.error().internal;
      EXPECT_EQ(*n, 1);
    }
    ASSERT_TRUE((*tx)->Commit());
  }
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  auto got = (*tx)->Query("SELECT id, i, s, b FROM vals ORDER BY id");
  ASSERT_TRUE(got) << got.error().internal;
  ASSERT_EQ(got->size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t c = 0; c < 4; ++c) {
      EXPECT_EQ((*got)[i].at(c), rows[i][c]) << "row " << i << " column " << c;
    }
  }
  EXPECT_TRUE((*got)[0].Blob(3).empty());
  EXPECT_FALSE((*got)[0].IsNull(3));
  EXPECT_EQ((*got)[0].Text(2), "");
  EXPECT_EQ((*got)[1].Blob(3), with_nuls);
  EXPECT_EQ((*got)[2].OptionalText(2), std::nullopt);
}

TYPED_TEST(DbConformance, ParametersAreNumberedAndMayRepeat) {
  this->Migrate();
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  const Value p[] = {std::int64_t{7}, std::int64_t{-8}};
  auto rows = (*tx)->Query("SELECT $2, $1, $2 + $1", p);
  ASSERT_TRUE(rows) << rows.error().internal;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).Int(0), -8);
  EXPECT_EQ(rows->at(0).Int(1), 7);
  EXPECT_EQ(rows->at(0).Int(2), -1);
  const Value q[] = {std::int64_t{1}, std::string("a"), std::string("a")};
  auto n = (*tx)->Execute("INSERT INTO vals (id, s) VALUES ($1, $2)", std::span(q, 2));
  ASSERT_TRUE(n) << n.error().internal;
  auto found = (*tx)->Query("SELECT id FROM vals WHERE s = $2 AND id = $1", std::span(q, 2));
  ASSERT_TRUE(found) << found.error().internal;
  EXPECT_EQ(found->size(), 1u);
}

TYPED_TEST(DbConformance, ExecuteCountsChangedRows) {
  this->Migrate();
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  for (std::int64_t i = 1; i <= 5; ++i) {
    const Value p[] = {i, i * 10};
    ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES ($1, $2)", p));
  }
  const Value p[] = {std::int64_t{30}};
  auto n = (*tx)->Execute("UPDATE vals SET s = 'big' WHERE i >= $1", p);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3);
  auto d = (*tx)->Execute("DELETE FROM vals WHERE i > 1000");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, 0);
}

TYPED_TEST(DbConformance, DestroyingWithoutCommitRollsBack) {
  this->Migrate();
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (1, 1)"));
  }
  EXPECT_EQ(this->Count("vals"), 0);
  {
    auto tx = this->db_->BeginTenant(5);
    ASSERT_TRUE(tx);
    EXPECT_EQ((*tx)->tenant(), 5);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (1, 1)"));
    ASSERT_TRUE((*tx)->Commit());
  }
  EXPECT_EQ(this->Count("vals"), 1);
}

TYPED_TEST(DbConformance, AFailedStatementRollsBackTheWholeTransaction) {
  this->Migrate();
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  ASSERT_TRUE((*tx)->Execute("INSERT INTO parent (id, email) VALUES (1, 'a@x')"));
  auto dup = (*tx)->Execute("INSERT INTO parent (id, email) VALUES (2, 'a@x')");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  auto later = (*tx)->Execute("INSERT INTO parent (id, email) VALUES (3, 'c@x')");
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE((*tx)->Commit());
  tx->reset();
  EXPECT_EQ(this->Count("parent"), 0);
}

TYPED_TEST(DbConformance, ConstraintViolationsAreConflictsWithoutValuesInMessages) {
  this->Migrate();
  const std::string secret = "client-content-7f3a";
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    const Value p[] = {secret};
    ASSERT_TRUE((*tx)->Execute("INSERT INTO parent (id, email) VALUES (1, $1)", p));
    ASSERT_TRUE((*tx)->Commit());
  }
  struct Case {
    const char* sql;
    std::vector<Value> params;
  };
  const std::vector<Case> cases = {
      {"INSERT INTO parent (id, email) VALUES (2, $1)", {secret}},        // unique
      {"INSERT INTO parent (id, email) VALUES (1, $1)", {secret + "x"}},  // primary key
      {"INSERT INTO child (id, parent_id, amount) VALUES (1, $1, 1)", {std::int64_t{99}}},  // fk
      {"INSERT INTO child (id, parent_id, amount) VALUES (1, 1, $1)", {std::int64_t{-5}}},  // check
      {"INSERT INTO parent (id, email) VALUES ($1, NULL)", {std::int64_t{3}}},  // not null
  };
  for (const auto& c : cases) {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    auto r = (*tx)->Execute(c.sql, c.params);
    ASSERT_FALSE(r) << c.sql;
    EXPECT_EQ(r.error().code, ErrorCode::kConflict) << c.sql << ": " << r.error().internal;
    EXPECT_EQ(r.error().internal.find(secret), std::string::npos) << r.error().internal;
    EXPECT_EQ(r.error().public_message.find(secret), std::string::npos);
  }
  // Deleting a referenced parent is a conflict too.
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO child (id, parent_id, amount) VALUES (1, 1, 1)"));
    ASSERT_TRUE((*tx)->Commit());
  }
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  auto r = (*tx)->Execute("DELETE FROM parent WHERE id = 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TYPED_TEST(DbConformance, OneStatementPerCallAndNoNulInText) {
  this->Migrate();
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    EXPECT_FALSE(
        (*tx)->Execute("INSERT INTO vals (id) VALUES (1); INSERT INTO vals (id) VALUES (2)"));
  }
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    const Value p[] = {std::string("a\0b", 3)};
    auto r = (*tx)->Execute("INSERT INTO vals (id, s) VALUES (1, $1)", p);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(this->Count("vals"), 0);
}

TYPED_TEST(DbConformance, ConcurrentWritersLoseNothing) {
  this->Migrate();
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  auto writer = [&](std::int64_t base) {
    for (int i = 0; i < kPerThread; ++i) {
      auto tx = this->db_->Begin();
      if (!tx) {
        ++failures;
        continue;
      }
      const Value p[] = {base + i, std::int64_t{i}};
      if (!(*tx)->Execute("INSERT INTO vals (id, i) VALUES ($1, $2)", p) ||
          !(*tx)->Execute("UPDATE counter SET n = n + 1 WHERE id = 1") || !(*tx)->Commit()) {
        ++failures;
      }
    }
  };
  std::thread a(writer, 0);
  std::thread b(writer, 100000);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->Count("vals"), 2 * kPerThread);
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT n FROM counter WHERE id = 1");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).Int(0), 2 * kPerThread);
}

TYPED_TEST(DbConformance, MigrationsApplyOnceAndAreRecorded) {
  const FakeClock clock(1'700'000'000'000'000);
  const auto all = AllTestMigrations();
  ASSERT_TRUE(ApplyMigrations(*this->db_, all, clock));
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute("UPDATE counter SET n = 41"));
    ASSERT_TRUE((*tx)->Commit());
  }
  // Again, and from a second connection: nothing re-runs (the counter row is kept).
  ASSERT_TRUE(ApplyMigrations(*this->db_, all, clock));
  auto again = this->engine_.Open();
  ASSERT_TRUE(again);
  ASSERT_TRUE(ApplyMigrations(**again, all, clock));
  auto versions = AppliedMigrationVersions(*this->db_);
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, (std::vector<std::int32_t>{1, 1000, 1001}));
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT n FROM counter");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).Int(0), 41);
  auto rec = (*tx)->Query("SELECT name, applied_at FROM schema_migrations WHERE version = 1001");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->at(0).Text(0), "test_constraints");
  EXPECT_EQ(rec->at(0).Int(1), clock.Now());
}

TYPED_TEST(DbConformance, MigrationsRefuseAVersionTheBinaryDoesNotKnow) {
  auto all = AllTestMigrations();
  ASSERT_TRUE(ApplyMigrations(*this->db_, all));
  all.pop_back();  // an older binary: knows 1 and 1000 but not 1001
  auto st = ApplyMigrations(*this->db_, all);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(st.error().internal.find("1001"), std::string::npos) << st.error().internal;
  EXPECT_NE(st.error().internal.find("newer"), std::string::npos) << st.error().internal;
}

TYPED_TEST(DbConformance, AFailingMigrationLeavesNoTraceAndStopsLaterOnes) {
  const Migration bad[] = {
      {2000, "good", "CREATE TABLE g (id INTEGER PRIMARY KEY) STRICT",
       "CREATE TABLE g (id BIGINT PRIMARY KEY)"},
      {2001, "bad", "CREATE TABLE half (id INTEGER) STRICT; THIS IS NOT SQL",
       "CREATE TABLE half (id BIGINT); THIS IS NOT SQL"},
      {2002, "later", "CREATE TABLE later (id INTEGER) STRICT", "CREATE TABLE later (id BIGINT)"},
  };
  auto st = ApplyMigrations(*this->db_, bad);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().internal.find("migration 2001 (bad)"), std::string::npos)
      << st.error().internal;
  auto versions = AppliedMigrationVersions(*this->db_);
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, std::vector<std::int32_t>{2000});
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  EXPECT_FALSE((*tx)->Query("SELECT count(*) FROM half"));
  const Migration dup[] = {{5, "a", "", ""}, {5, "b", "", ""}};
  tx->reset();
  EXPECT_FALSE(ApplyMigrations(*this->db_, dup));
}

TYPED_TEST(DbConformance, FaultInjectedStatementFailureRollsBack) {
  this->Migrate();
  FaultInjectingDb faulty(*this->db_);
  faulty.FailStatement(2);
  {
    auto tx = faulty.Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (1, 1)"));
    auto second = (*tx)->Execute("INSERT INTO vals (id, i) VALUES (2, 2)");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
    EXPECT_FALSE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (3, 3)"));
    EXPECT_FALSE((*tx)->Commit());
  }
  EXPECT_EQ(faulty.injected(), 1);
  EXPECT_EQ(this->Count("vals"), 0);
  // Disarmed: the same work now commits.
  faulty.FailStatement(0);
  auto tx = faulty.BeginTenant(3);
  ASSERT_TRUE(tx);
  EXPECT_EQ((*tx)->tenant(), 3);
  ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (1, 1)"));
  ASSERT_TRUE((*tx)->Commit());
  tx->reset();
  EXPECT_EQ(this->Count("vals"), 1);
}

TYPED_TEST(DbConformance, FaultInjectedCommitFailureRollsBack) {
  this->Migrate();
  FaultInjectingDb faulty(*this->db_);
  faulty.FailCommit(2, ErrorCode::kInternal);
  {
    auto tx = faulty.Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (1, 1)"));
    ASSERT_TRUE((*tx)->Commit());
  }
  {
    auto tx = faulty.Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO vals (id, i) VALUES (2, 2)"));
    ASSERT_TRUE((*tx)->Execute("UPDATE counter SET n = 99"));
    auto st = (*tx)->Commit();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  }
  EXPECT_EQ(this->Count("vals"), 1);
  auto tx = this->db_->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT n FROM counter");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).Int(0), 0);
}

}  // namespace
}  // namespace alcove::store
