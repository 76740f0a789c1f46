#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint_signer.hpp"
#include "audit/event.hpp"
#include "audit/log.hpp"
#include "crypto/signing_key.hpp"
#include "store/db.hpp"
#include "store/ids.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"

namespace alcove::audit::testing {

// A table the tests change next to their audit events (an audited change).
inline constexpr store::Migration kTestTable{
    1000, "audit_test_changes",
    "CREATE TABLE audit_test_changes (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL) STRICT",
    "CREATE TABLE audit_test_changes (id BIGINT PRIMARY KEY, tenant_id BIGINT NOT NULL)"};

inline std::vector<store::Migration> TestMigrations() {
  std::vector<store::Migration> all;
  for (const auto& list : {store::StoreMigrations(), AuditMigrations()}) {
    all.insert(all.end(), list.begin(), list.end());
  }
  all.push_back(kTestTable);
  return all;
}

inline Event MakeEvent(store::TenantId tenant, int i, Action action = Action::kSessionLogCreated) {
  Event e;
  e.actor = *Actor::Account("acct" + std::to_string(tenant));
  e.tenant = tenant;
  e.action = action;
  e.object_type = "session_log";
  e.object_id = store::NewId();
  e.time = 1'795'000'000'000'000 + i;
  e.client_ip = "127.0.0.1";
  e.user_agent_digest = UserAgentDigest("test-agent");
  EXPECT_TRUE(e.details.SetInt("n", i));
  return e;
}

// A migrated database on one engine: `app` is what the server uses; `owner` runs DDL
// (the same object on SQLite). PostgreSQL needs the test cluster (pg_test_env.hpp).
struct TestDb {
  std::unique_ptr<alcove::testing::TempDir> dir;
  std::unique_ptr<alcove::testing::PgTestSchema> schema;
  std::unique_ptr<store::Db> app;
  std::unique_ptr<store::Db> owner_db;  // PostgreSQL only
  store::Db& owner() { return owner_db ? *owner_db : *app; }
};

inline std::unique_ptr<store::Db> OpenPg(const std::string& url, std::size_t pool) {
  store::PostgresOptions o;
  o.url = url;
  o.max_connections = pool;
  auto db = store::OpenPostgres(o);
  EXPECT_TRUE(db) << (db ? "" : db.error().internal);
  return db ? std::move(*db) : nullptr;
}

inline std::unique_ptr<TestDb> OpenSqliteTestDb() {
  auto t = std::make_unique<TestDb>();
  t->dir = std::make_unique<alcove::testing::TempDir>();
  auto db = store::OpenSqlite(t->dir->path() / "alcove.db");
  EXPECT_TRUE(db);
  t->app = std::move(*db);
  const auto all = TestMigrations();
  EXPECT_TRUE(store::ApplyMigrations(*t->app, all));
  return t;
}

inline std::unique_ptr<TestDb> OpenPgTestDb(const alcove::testing::PgUrls& urls) {
  auto t = std::make_unique<TestDb>();
  t->schema = std::make_unique<alcove::testing::PgTestSchema>(urls);
  t->owner_db = OpenPg(t->schema->OwnerUrl(), 2);
  if (!t->owner_db) {
    return nullptr;
  }
  const auto all = TestMigrations();
  auto st = store::ApplyMigrations(*t->owner_db, all);
  EXPECT_TRUE(st) << (st ? "" : st.error().internal);
  t->app = OpenPg(t->schema->AppUrl(), 8);
  return t->app ? std::move(t) : nullptr;
}

// The number of rows of `table` (-1 and a test failure if it cannot be read).
inline std::int64_t CountRows(store::Db& db, std::string_view table) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  if (!tx) {
    return -1;
  }
  auto rows = (*tx)->Query("SELECT count(*) FROM " + std::string(table));
  EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
  return rows ? rows->at(0).Int(0) : -1;
}

// VerifyLog over the whole log without checkpoints, in one snapshot (REPEATABLE READ on
// PostgreSQL), as `alcove audit verify` reads it.
inline Result<VerifyOutcome> VerifyWithoutCheckpoints(store::Db& db) {
  auto tx = db.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  if (db.engine() == store::Engine::kPostgres) {
    if (auto r = (*tx)->Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !r) {
      return std::unexpected(r.error());
    }
  }
  return VerifyLog(**tx, {}, std::vector<std::uint8_t>(32, 0));
}

// The parameter name of tests that run on both engines.
inline std::uint64_t HeadSize(store::Db& db) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto head = ReadHead(**tx);
  EXPECT_TRUE(head);
  return head ? head->size() : 0;
}

inline Result<std::vector<LoggedEvent>> AppendMany(store::Db& db, int n, store::TenantId tenant = 1) {
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

inline Result<VerifyOutcome> Verify(store::Db& db, std::span<const SignedCheckpoint> cps,
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

// A migrated database on the parameter's engine and an Ed25519 checkpoint key.
class AuditDbTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Engine::kPostgres) {
      ALCOVE_REQUIRE_PG(urls);
      db_ = OpenPgTestDb(urls);
    } else {
      db_ = OpenSqliteTestDb();
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

inline std::string EngineName(const ::testing::TestParamInfo<store::Engine>& info) {
  return info.param == store::Engine::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace alcove::audit::testing
