// Storage speeds on both engines: one-row transactions, point reads, 1,000-row batches.
// SQLite always (a temporary file, synchronous=FULL as in production); PostgreSQL when
// TEST_PG_OWNER_URL and TEST_PG_APP_URL name the cluster of scripts/pg-test-cluster
// (the benchmark migrates a schema of its own as the owner and runs as the app role).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/db.hpp"
#include "store/ids.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace {

using namespace alcove::store;

constexpr Migration kBenchTable[] = {
    {1000, "bench_items",
     "CREATE TABLE bench_items (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, "
     "payload BLOB NOT NULL) STRICT",
     "CREATE TABLE bench_items (id BIGINT PRIMARY KEY, tenant_id BIGINT NOT NULL, "
     "payload BYTEA NOT NULL)"},
};

const Bytes& Payload() {
  static const Bytes p(256, 0x5a);
  return p;
}

struct Target {
  std::unique_ptr<Db> db;
  std::int64_t next_id = 1;
};

void Die(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::exit(1);
}

void Migrate(Db& db) {
  std::vector<Migration> all(StoreMigrations().begin(), StoreMigrations().end());
  all.insert(all.end(), std::begin(kBenchTable), std::end(kBenchTable));
  if (auto st = ApplyMigrations(db, all); !st) {
    Die(st.error().internal);
  }
}

Target& Sqlite() {
  static Target t = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "alcove-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      Die("mkdtemp failed");
    }
    static const std::filesystem::path dir = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    auto db = OpenSqlite(dir / kSqliteFileName);
    if (!db) {
      Die(db.error().internal);
    }
    Migrate(**db);
    return Target{std::move(*db)};
  }();
  return t;
}

Target& Postgres() {
  static Target t = [] {
    const char* owner_url = std::getenv("TEST_PG_OWNER_URL");
    const char* app_url = std::getenv("TEST_PG_APP_URL");
    const std::string schema = "bench_" + NewId();
    const std::string option = "&options=-csearch_path%3D" + schema;
    PostgresOptions o;
    o.url = owner_url;
    auto owner = OpenPostgres(o);
    if (!owner) {
      Die(owner.error().internal);
    }
    auto tx = (*owner)->Begin();
    if (!tx || !(*tx)->ExecuteScript("CREATE SCHEMA " + schema) || !(*tx)->Commit()) {
      Die("cannot create the benchmark schema");
    }
    tx->reset();
    o.url = std::string(owner_url) + option;
    auto migrator = OpenPostgres(o);
    if (!migrator) {
      Die(migrator.error().internal);
    }
    Migrate(**migrator);
    o.url = std::string(app_url) + option;
    auto db = OpenPostgres(o);
    if (!db) {
      Die(db.error().internal);
    }
    return Target{std::move(*db)};
  }();
  return t;
}

void InsertOne(benchmark::State& state, Target& t) {
  for (auto _ : state) {
    auto tx = t.db->BeginTenant(1);
    const Value p[] = {t.next_id++, std::int64_t{1}, Payload()};
    if (!tx ||
        !(*tx)->Execute("INSERT INTO bench_items (id, tenant_id, payload) VALUES ($1, $2, $3)",
                        p) ||
        !(*tx)->Commit()) {
      state.SkipWithError("insert failed");
      return;
    }
  }
}

void PointRead(benchmark::State& state, Target& t) {
  if (t.next_id <= 1000) {  // ids 1..1000 exist afterwards
    auto tx = t.db->BeginTenant(1);
    while (tx && t.next_id <= 1000) {
      const Value p[] = {t.next_id++, std::int64_t{1}, Payload()};
      if (!(*tx)->Execute("INSERT INTO bench_items (id, tenant_id, payload) VALUES ($1, $2, $3)",
                          p)) {
        break;
      }
    }
    if (!tx || !(*tx)->Commit()) {
      state.SkipWithError("seeding failed");
      return;
    }
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    auto tx = t.db->BeginTenant(1);
    if (!tx) {
      state.SkipWithError("begin failed");
      return;
    }
    const Value p[] = {1 + (i++ % 1000), std::int64_t{1}};
    auto rows =
        (*tx)->Query("SELECT id, payload FROM bench_items WHERE id = $1 AND tenant_id = $2", p);
    if (!rows || rows->size() != 1) {
      state.SkipWithError("read failed");
      return;
    }
    benchmark::DoNotOptimize(rows);
  }
}

void Batch1000(benchmark::State& state, Target& t) {
  for (auto _ : state) {
    auto tx = t.db->BeginTenant(1);
    if (!tx) {
      state.SkipWithError("begin failed");
      return;
    }
    for (int i = 0; i < 1000; ++i) {
      const Value p[] = {t.next_id++, std::int64_t{1}, Payload()};
      if (!(*tx)->Execute("INSERT INTO bench_items (id, tenant_id, payload) VALUES ($1, $2, $3)",
                          p)) {
        state.SkipWithError("insert failed");
        return;
      }
    }
    if (!(*tx)->Commit()) {
      state.SkipWithError("commit failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

const bool kRegistered = [] {
  benchmark::RegisterBenchmark("BM_Store_InsertOneRowTx/sqlite",
                               [](benchmark::State& s) { InsertOne(s, Sqlite()); });
  benchmark::RegisterBenchmark("BM_Store_PointRead/sqlite",
                               [](benchmark::State& s) { PointRead(s, Sqlite()); });
  benchmark::RegisterBenchmark("BM_Store_Batch1000Rows/sqlite", [](benchmark::State& s) {
    Batch1000(s, Sqlite());
  })->Unit(benchmark::kMillisecond);
  if (std::getenv("TEST_PG_OWNER_URL") != nullptr && std::getenv("TEST_PG_APP_URL") != nullptr) {
    benchmark::RegisterBenchmark("BM_Store_InsertOneRowTx/postgres",
                                 [](benchmark::State& s) { InsertOne(s, Postgres()); });
    benchmark::RegisterBenchmark("BM_Store_PointRead/postgres",
                                 [](benchmark::State& s) { PointRead(s, Postgres()); });
    benchmark::RegisterBenchmark("BM_Store_Batch1000Rows/postgres", [](benchmark::State& s) {
      Batch1000(s, Postgres());
    })->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
