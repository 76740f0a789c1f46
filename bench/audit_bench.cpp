// Audit log speeds (docs/performance.md § Audit log): appending one event per committed
// tenant transaction on SQLite (synchronous=FULL, as in production) and PostgreSQL, with
// 1 and 4 threads; audited reads through Log::RecordRead (group commit) with 1 and 8
// threads; the root of the tree; an inclusion proof from the database at 100,000
// events; and `audit verify` over 100,000 and 1,000,000 events on SQLite and 100,000 on
// PostgreSQL (filling a log there costs several round trips per event: a million would
// take too long).
//
// PostgreSQL runs only when BENCH_PG_OWNER_URL is set (the others skip with a message):
// each run makes a fresh schema with that role, migrates it, appends through
// BENCH_PG_APP_URL (the server's role; the owner's URL when unset) and drops the schema
// afterwards. bench/audit_pg.sh starts a throwaway cluster and sets both.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.hpp"
#include "audit/log.hpp"
#include "audit/merkle.hpp"
#include "store/ids.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace {

using namespace alcove;

constexpr const char* kPgMissing =
    "BENCH_PG_OWNER_URL is not set: run bench/audit_pg.sh BUILD_DIR (a throwaway cluster), or "
    "set BENCH_PG_OWNER_URL (and BENCH_PG_APP_URL) yourself";

void Die(const std::string& what) {
  std::fprintf(stderr, "audit_bench: %s\n", what.c_str());
  std::exit(1);
}

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return std::nullopt;
  }
  return std::string(v);
}

audit::Event BenchEvent(std::int64_t i) {
  audit::Event e;
  e.actor = *audit::Actor::Account(store::NewId());
  e.tenant = 1 + i % 16;
  e.action = audit::Action::kRecordAccessed;
  e.object_type = "session_log";
  e.object_id = store::NewId();
  e.time = 1'795'000'000'000'000 + i;
  e.client_ip = "192.0.2.1";
  e.user_agent_digest = audit::UserAgentDigest("bench");
  (void)e.details.SetInt("count", i);
  return e;
}

std::unique_ptr<store::Db> OpenPg(const std::string& url, std::size_t pool) {
  store::PostgresOptions o;
  o.url = url;
  o.max_connections = pool;
  auto db = store::OpenPostgres(o);
  if (!db) {
    Die("PostgreSQL: " + db.error().internal);
  }
  return std::move(*db);
}

std::string WithSearchPath(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

void RunScript(store::Db& db, const std::string& sql) {
  auto tx = db.Begin();
  if (!tx) {
    Die(tx.error().internal);
  }
  if (auto st = (*tx)->ExecuteScript(sql); !st) {
    Die(st.error().internal);
  }
  if (auto st = (*tx)->Commit(); !st) {
    Die(st.error().internal);
  }
}

// A migrated, empty database: SQLite in a fresh temporary directory, or a fresh schema on
// PostgreSQL. `db` is what appends use. Removed (directory, schema) on destruction.
struct BenchDb {
  std::filesystem::path dir;         // SQLite
  std::unique_ptr<store::Db> owner;  // PostgreSQL: the schema's owner
  std::string schema;                // PostgreSQL
  std::unique_ptr<store::Db> db;
  ~BenchDb() {
    db.reset();
    if (owner) {  // best effort: this may run while exiting after Die
      if (auto tx = owner->Begin(); tx) {
        if ((*tx)->ExecuteScript("DROP SCHEMA " + schema + " CASCADE")) {
          (void)(*tx)->Commit();
        }
      }
    }
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

void Migrate(store::Db& db) {
  std::vector<store::Migration> all(store::StoreMigrations().begin(),
                                    store::StoreMigrations().end());
  all.insert(all.end(), audit::AuditMigrations().begin(), audit::AuditMigrations().end());
  if (auto st = store::ApplyMigrations(db, all); !st) {
    Die(st.error().internal);
  }
}

std::unique_ptr<BenchDb> OpenSqliteBenchDb(const std::string& name) {
  auto b = std::make_unique<BenchDb>();
  b->dir = std::filesystem::temp_directory_path() /
           ("alcove-audit-bench-" + name + "-" + store::NewId());
  std::filesystem::create_directories(b->dir);
  auto db = store::OpenSqlite(b->dir / "alcove.db");
  if (!db) {
    Die(db.error().internal);
  }
  b->db = std::move(*db);
  Migrate(*b->db);
  return b;
}

// REQUIRES: BENCH_PG_OWNER_URL is set.
std::unique_ptr<BenchDb> OpenPostgresBenchDb() {
  const std::string owner_url = *Env("BENCH_PG_OWNER_URL");
  const std::string app_url = Env("BENCH_PG_APP_URL").value_or(owner_url);
  auto b = std::make_unique<BenchDb>();
  b->schema = "bench_" + store::NewId();
  {
    auto bootstrap = OpenPg(owner_url, 1);
    RunScript(*bootstrap, "CREATE SCHEMA " + b->schema);
  }
  b->owner = OpenPg(WithSearchPath(owner_url, b->schema), 1);
  Migrate(*b->owner);
  b->db = OpenPg(WithSearchPath(app_url, b->schema), 8);
  return b;
}

std::unique_ptr<BenchDb> OpenBenchDb(store::Engine engine, const std::string& name) {
  return engine == store::Engine::kPostgres ? OpenPostgresBenchDb() : OpenSqliteBenchDb(name);
}

// `n` events, `per_transaction` per transaction (setup only).
void Fill(store::Db& db, std::int64_t n, int per_transaction = 1000) {
  const audit::Log log(db.engine());
  for (std::int64_t done = 0; done < n;) {
    auto tx = db.Begin();
    if (!tx) {
      Die(tx.error().internal);
    }
    for (int k = 0; k < per_transaction && done < n; ++k, ++done) {
      if (auto r = log.Append(**tx, BenchEvent(done)); !r) {
        Die(r.error().internal);
      }
    }
    if (auto st = (*tx)->Commit(); !st) {
      Die(st.error().internal);
    }
  }
}

// `audit::VerifyLog` over the whole log with no checkpoints, as `alcove audit verify`
// reads it (PostgreSQL: one REPEATABLE READ snapshot).
audit::VerifyOutcome VerifyAll(store::Db& db) {
  auto tx = db.Begin();
  if (!tx) {
    Die(tx.error().internal);
  }
  if (db.engine() == store::Engine::kPostgres) {
    if (auto r = (*tx)->Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !r) {
      Die(r.error().internal);
    }
  }
  auto outcome = audit::VerifyLog(**tx, {}, std::vector<std::uint8_t>(32, 0));
  if (!outcome) {
    Die("verify: " + outcome.error().internal);
  }
  return *outcome;
}

// One event in its own committed tenant transaction (BeginTenant, Append, Commit), as a
// read or export records it: each thread of the benchmark appends to the same log.
// Thread 0 opens a fresh database before the timed loop and, after it (all threads have
// stopped), checks that the log verifies and holds exactly the events appended — exits
// with an error if not — then removes it.
void AppendOnePerTransaction(benchmark::State& state, store::Engine engine,
                             std::unique_ptr<BenchDb>& shared,
                             std::atomic<std::int64_t>& appended) {
  if (engine == store::Engine::kPostgres && !Env("BENCH_PG_OWNER_URL")) {
    state.SkipWithError(kPgMissing);
    for (auto _ : state) {
    }
    return;
  }
  if (state.thread_index() == 0) {
    shared = OpenBenchDb(engine, "append");
    appended = 0;
  }
  const audit::Log log(engine);
  // Distinct times per thread; tenants 1..16.
  std::int64_t i = static_cast<std::int64_t>(state.thread_index()) * 1'000'000'000;
  for (auto _ : state) {
    store::Db& db = *shared->db;  // set by thread 0 before the start barrier
    const audit::Event event = BenchEvent(i++);
    // A failure exits: breaking out of one thread's loop would let thread 0 verify and
    // remove the database while the others still append.
    auto tx = db.BeginTenant(event.tenant);
    if (!tx) {
      Die("begin failed: " + tx.error().internal);
    }
    if (auto r = log.Append(**tx, event); !r) {
      Die("append failed: " + r.error().internal);
    }
    if (auto st = (*tx)->Commit(); !st) {
      Die("commit failed: " + st.error().internal);
    }
    appended.fetch_add(1, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {  // after the stop barrier: every thread is done
    const auto outcome = VerifyAll(*shared->db);
    const auto expected = static_cast<std::uint64_t>(appended.load());
    if (!outcome.ok || outcome.events != expected) {
      Die("the log does not verify after a " + std::to_string(state.threads()) +
          "-thread append run: " + std::to_string(outcome.events) + " events, " +
          std::to_string(expected) +
          " appended, problem: " + (outcome.problem.empty() ? "none" : outcome.problem));
    }
    shared.reset();
  }
}

void BM_AuditAppendSqliteOnePerTransaction(benchmark::State& state) {
  static std::unique_ptr<BenchDb> shared;
  static std::atomic<std::int64_t> appended{0};
  AppendOnePerTransaction(state, store::Engine::kSqlite, shared, appended);
}
BENCHMARK(BM_AuditAppendSqliteOnePerTransaction)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Threads(1)
    ->Threads(4);

void BM_AuditAppendPostgresOnePerTransaction(benchmark::State& state) {
  static std::unique_ptr<BenchDb> shared;
  static std::atomic<std::int64_t> appended{0};
  AppendOnePerTransaction(state, store::Engine::kPostgres, shared, appended);
}
BENCHMARK(BM_AuditAppendPostgresOnePerTransaction)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Threads(1)
    ->Threads(4);

// Audited reads as the server records them: each iteration is one `Log::RecordRead` (one
// event, committed before it returns) on a Log and a database that all threads share, so
// concurrent reads may share a commit (group commit). Thread 0 opens a fresh database and
// the Log before the timed loop and, after it, checks that the log verifies and holds
// exactly the events recorded (exits with an error if not), then removes it.
struct SharedRecordLog {
  std::unique_ptr<BenchDb> db;
  std::unique_ptr<audit::Log> log;
  std::atomic<std::int64_t> recorded{0};
};

void RecordReadRun(benchmark::State& state, store::Engine engine, SharedRecordLog& shared) {
  if (engine == store::Engine::kPostgres && !Env("BENCH_PG_OWNER_URL")) {
    state.SkipWithError(kPgMissing);
    for (auto _ : state) {
    }
    return;
  }
  if (state.thread_index() == 0) {
    shared.db = OpenBenchDb(engine, "record-read");
    shared.log = std::make_unique<audit::Log>(engine);
    shared.recorded = 0;
  }
  std::int64_t i = static_cast<std::int64_t>(state.thread_index()) * 1'000'000'000;
  for (auto _ : state) {
    // Set by thread 0 before the start barrier. A failure exits (see above).
    if (auto r = shared.log->RecordRead(*shared.db->db, BenchEvent(i++)); !r) {
      Die("record read failed: " + r.error().internal);
    }
    shared.recorded.fetch_add(1, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {  // after the stop barrier: every thread is done
    const auto outcome = VerifyAll(*shared.db->db);
    const auto expected = static_cast<std::uint64_t>(shared.recorded.load());
    if (!outcome.ok || outcome.events != expected) {
      Die("the log does not verify after a " + std::to_string(state.threads()) +
          "-thread RecordRead run: " + std::to_string(outcome.events) + " events, " +
          std::to_string(expected) +
          " recorded, problem: " + (outcome.problem.empty() ? "none" : outcome.problem));
    }
    shared.log.reset();
    shared.db.reset();
  }
}

void BM_AuditRecordReadSqlite(benchmark::State& state) {
  static SharedRecordLog shared;
  RecordReadRun(state, store::Engine::kSqlite, shared);
}
BENCHMARK(BM_AuditRecordReadSqlite)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Threads(1)
    ->Threads(8);

void BM_AuditRecordReadPostgres(benchmark::State& state) {
  static SharedRecordLog shared;
  RecordReadRun(state, store::Engine::kPostgres, shared);
}
BENCHMARK(BM_AuditRecordReadPostgres)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Threads(1)
    ->Threads(8);

void BM_AuditRootFromCompactRange100k(benchmark::State& state) {
  audit::CompactRange range;
  for (int i = 0; i < 100'000; ++i) {
    range.Append(audit::LeafHash(audit::EncodeEvent(
        {.seq = static_cast<std::uint64_t>(i), .id = store::NewId(), .event = BenchEvent(i)})));
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(range.Root());
  }
}
BENCHMARK(BM_AuditRootFromCompactRange100k)->Unit(benchmark::kMicrosecond);

void BM_AuditRootRecomputedFromLeaves100k(benchmark::State& state) {
  std::vector<audit::Hash> leaves;
  for (int i = 0; i < 100'000; ++i) {
    leaves.push_back(audit::LeafHash(store::Bytes(8, static_cast<std::uint8_t>(i))));
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(audit::RootOf(leaves));
  }
}
BENCHMARK(BM_AuditRootRecomputedFromLeaves100k)->Unit(benchmark::kMillisecond);

// Logs filled once per process (kept across repetitions), many events per transaction.
BenchDb& Filled100k() {
  static std::unique_ptr<BenchDb> b = [] {
    auto db = OpenSqliteBenchDb("100k");
    Fill(*db->db, 100'000);
    return db;
  }();
  return *b;
}

constexpr std::int64_t kVerifySqliteEvents = 1'000'000;
constexpr std::int64_t kVerifyPostgresEvents = 100'000;

BenchDb& FilledSqlite1M() {
  static std::unique_ptr<BenchDb> b = [] {
    auto db = OpenSqliteBenchDb("1m");
    Fill(*db->db, kVerifySqliteEvents, 10'000);
    return db;
  }();
  return *b;
}

BenchDb& FilledPostgres() {
  static std::unique_ptr<BenchDb> b = [] {
    auto db = OpenPostgresBenchDb();
    // Not 10,000: each append updates the head row, and PostgreSQL cannot prune the row
    // versions of a running transaction, so every append's read of the head would walk
    // all of them (quadratic in the batch).
    Fill(*db->db, kVerifyPostgresEvents, 100);
    return db;
  }();
  return *b;
}

void BM_AuditInclusionProofFromSqlite100k(benchmark::State& state) {
  BenchDb& b = Filled100k();
  std::uint64_t index = 12'345;
  for (auto _ : state) {
    auto tx = b.db->Begin();
    if (!tx) {
      state.SkipWithError("begin failed");
      break;
    }
    auto proof = audit::InclusionProof(index, 100'000, audit::DatabaseSubtrees(**tx));
    if (!proof) {
      state.SkipWithError("proof failed");
      break;
    }
    benchmark::DoNotOptimize(proof->data());
    index = (index * 7919 + 1) % 100'000;
  }
}
BENCHMARK(BM_AuditInclusionProofFromSqlite100k)->Unit(benchmark::kMicrosecond);

// `audit verify` over a log of `events` events; reports s_per_1M_events (measured at 1M,
// extrapolated linearly at other sizes).
void VerifyLogOf(benchmark::State& state, BenchDb& b, std::int64_t events) {
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = VerifyAll(*b.db);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!outcome.ok || outcome.events != static_cast<std::uint64_t>(events)) {
      state.SkipWithError("verify failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * events);
  state.counters["events"] = static_cast<double>(events);
  state.counters["s_per_1M_events"] =
      seconds / static_cast<double>(state.iterations()) * 1e6 / static_cast<double>(events);
}

void BM_AuditVerifySqlite100k(benchmark::State& state) {
  VerifyLogOf(state, Filled100k(), 100'000);
}
BENCHMARK(BM_AuditVerifySqlite100k)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_AuditVerifySqlite1M(benchmark::State& state) {
  VerifyLogOf(state, FilledSqlite1M(), kVerifySqliteEvents);
}
BENCHMARK(BM_AuditVerifySqlite1M)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_AuditVerifyPostgres100k(benchmark::State& state) {
  if (!Env("BENCH_PG_OWNER_URL")) {
    state.SkipWithError(kPgMissing);
    for (auto _ : state) {
    }
    return;
  }
  VerifyLogOf(state, FilledPostgres(), kVerifyPostgresEvents);
}
BENCHMARK(BM_AuditVerifyPostgres100k)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
