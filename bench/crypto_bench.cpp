// Field encryption and key unwrapping (docs/performance.md § Crypto (fields and keys)).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/key_wrap.hpp"
#include "crypto/master_key_file.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace alcove::crypto {
namespace {

constexpr TenantId kTenant = 1;

// A key ring on a fresh SQLite database in a temporary directory (production settings).
class BenchRing {
 public:
  explicit BenchRing(KeyRingOptions options) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "alcove-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::abort();
    }
    dir_ = tmpl;
    auto db = store::OpenSqlite(dir_ / "alcove.db");
    if (!db) {
      std::abort();
    }
    db_ = std::move(*db);
    std::vector<store::Migration> migrations;
    for (const auto& list : {store::StoreMigrations(), KeyRingMigrations()}) {
      migrations.insert(migrations.end(), list.begin(), list.end());
    }
    if (!store::ApplyMigrations(*db_, migrations) || !CreateMasterKeyFile(dir_ / "master.key")) {
      std::abort();
    }
    auto ring =
        KeyRing::OpenWithKeyFile(*db_, dir_ / "master.key", SystemClock::Instance(), options);
    if (!ring) {
      std::abort();
    }
    ring_ = std::move(*ring);
    auto key = ring_->CreateDek(kTenant, "client");
    if (!key) {
      std::abort();
    }
    key_ = *key;
  }
  ~BenchRing() {
    ring_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  KeyRing& ring() { return *ring_; }
  KeyId key() const { return key_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<KeyRing> ring_;
  KeyId key_ = 0;
};

const Place kPlace{kTenant, "notes", "body", "3f2a9c0d1e2b4a5f8c7d6e5f4a3b2c1d"};

void BM_FieldSeal(benchmark::State& state) {
  BenchRing env({});
  const FieldCipher cipher(env.ring(), env.key());
  const std::string plain(static_cast<std::size_t>(state.range(0)), 'a');
  for (auto _ : state) {
    auto sealed = cipher.Seal(plain, kPlace);
    if (!sealed) {
      state.SkipWithError("seal failed");
      break;
    }
    benchmark::DoNotOptimize(sealed->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_FieldSeal)->Arg(64)->Arg(1024)->Arg(16 * 1024)->Arg(64 * 1024);

// Opens `sealed` once per iteration.
void OpenLoop(benchmark::State& state, const FieldCipher& cipher,
              const std::vector<std::uint8_t>& sealed) {
  for (auto _ : state) {
    auto opened = cipher.Open(sealed, kPlace);
    if (!opened) {
      state.SkipWithError("open failed");
      break;
    }
    benchmark::DoNotOptimize(opened->reveal().data());
  }
}

void BM_FieldOpen(benchmark::State& state) {
  BenchRing env({});
  const FieldCipher cipher(env.ring(), env.key());
  const std::string plain(static_cast<std::size_t>(state.range(0)), 'a');
  auto sealed = cipher.Seal(plain, kPlace);
  if (!sealed) {
    state.SkipWithError("seal failed");
    return;
  }
  OpenLoop(state, cipher, *sealed);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_FieldOpen)->Arg(64)->Arg(1024)->Arg(16 * 1024)->Arg(64 * 1024);

// Open of a 64-byte field with the DEK cache disabled: every iteration reads the
// wrapped row from SQLite, derives the wrapping key (HKDF) and unwraps (KWP).
void BM_FieldOpenDekCacheMiss(benchmark::State& state) {
  KeyRingOptions options;
  options.cache_capacity = 0;
  BenchRing env(options);
  const FieldCipher cipher(env.ring(), env.key());
  auto sealed = cipher.Seal(std::string(64, 'a'), kPlace);
  if (!sealed) {
    state.SkipWithError("seal failed");
    return;
  }
  OpenLoop(state, cipher, *sealed);
}
BENCHMARK(BM_FieldOpenDekCacheMiss);

// The unwrap alone: HKDF-SHA256 for the wrapping key, then AES-256-KWP.
void BM_DekUnwrap(benchmark::State& state) {
  const std::vector<std::uint8_t> master(32, 0x42);
  const std::vector<std::uint8_t> dek(32, 0x17);
  const std::string dek_id = "0123456789abcdef0123456789abcdef";
  auto row = WrapDek(master, 1, dek_id, "client", dek);
  if (!row) {
    state.SkipWithError("wrap failed");
    return;
  }
  for (auto _ : state) {
    auto key = UnwrapDek(master, dek_id, "client", *row);
    if (!key) {
      state.SkipWithError("unwrap failed");
      break;
    }
    benchmark::DoNotOptimize(key->data());
  }
}
BENCHMARK(BM_DekUnwrap);

}  // namespace
}  // namespace alcove::crypto
