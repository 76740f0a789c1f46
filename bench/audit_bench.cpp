// Audit log speeds (docs/performance.md § Audit log): appending one event per transaction
// on SQLite (synchronous=FULL, as in production), the root of the tree, an inclusion
// proof from the database at 100,000 events, and `audit verify` over 100,000 events.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/event.hpp"
#include "audit/log.hpp"
#include "audit/merkle.hpp"
#include "store/ids.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace {

using namespace alcove;

void Die(const std::string& what) {
  std::fprintf(stderr, "audit_bench: %s\n", what.c_str());
  std::exit(1);
}

audit::Event BenchEvent(int i) {
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

// A migrated SQLite database in a fresh temporary directory, removed at exit.
struct BenchDb {
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  ~BenchDb() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

std::unique_ptr<BenchDb> OpenBenchDb(const std::string& name) {
  auto b = std::make_unique<BenchDb>();
  b->dir = std::filesystem::temp_directory_path() /
           ("alcove-audit-bench-" + name + "-" + store::NewId());
  std::filesystem::create_directories(b->dir);
  auto db = store::OpenSqlite(b->dir / "alcove.db");
  if (!db) {
    Die(db.error().internal);
  }
  b->db = std::move(*db);
  std::vector<store::Migration> all(store::StoreMigrations().begin(),
                                    store::StoreMigrations().end());
  all.insert(all.end(), audit::AuditMigrations().begin(), audit::AuditMigrations().end());
  if (auto st = store::ApplyMigrations(*b->db, all); !st) {
    Die(st.error().internal);
  }
  return b;
}

// `n` events, 1,000 per transaction (setup only).
void Fill(store::Db& db, int n) {
  const audit::Log log(db.engine());
  for (int done = 0; done < n;) {
    auto tx = db.Begin();
    if (!tx) {
      Die(tx.error().internal);
    }
    for (int k = 0; k < 1000 && done < n; ++k, ++done) {
      if (auto r = log.Append(**tx, BenchEvent(done)); !r) {
        Die(r.error().internal);
      }
    }
    if (auto st = (*tx)->Commit(); !st) {
      Die(st.error().internal);
    }
  }
}

BenchDb& Filled100k() {
  static std::unique_ptr<BenchDb> b = [] {
    auto db = OpenBenchDb("100k");
    Fill(*db->db, 100'000);
    return db;
  }();
  return *b;
}

void BM_AuditAppendSqliteOnePerTransaction(benchmark::State& state) {
  auto b = OpenBenchDb("append");
  const audit::Log log(b->db->engine());
  int i = 0;
  for (auto _ : state) {
    auto tx = b->db->BeginTenant(1);
    if (!tx || !log.Append(**tx, BenchEvent(i++)) || !(*tx)->Commit()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditAppendSqliteOnePerTransaction)->Unit(benchmark::kMicrosecond);

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

void BM_AuditVerifySqlite100k(benchmark::State& state) {
  BenchDb& b = Filled100k();
  for (auto _ : state) {
    auto tx = b.db->Begin();
    if (!tx) {
      state.SkipWithError("begin failed");
      break;
    }
    auto outcome = audit::VerifyLog(**tx, {}, std::vector<std::uint8_t>(32, 0));
    if (!outcome || !outcome->ok) {
      state.SkipWithError("verify failed");
      break;
    }
  }
}
BENCHMARK(BM_AuditVerifySqlite100k)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
