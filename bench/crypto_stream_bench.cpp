// Crypto costs that set capacity: chunked encryption of recordings (64 MiB streams and
// range reads; bench/crypto_vs_openssl.sh compares the streams with `openssl speed`), token issue (random + hash, and with a SQLite insert), argon2id.
// Results and the command: docs/performance.md § Crypto (streams, tokens, passwords).
#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "core/clock.hpp"
#include "crypto/chunked.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/random.hpp"
#include "crypto/tokens.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace {

using namespace alcove;
using namespace alcove::crypto;

constexpr std::size_t kMessage = std::size_t{64} << 20;  // 64 MiB
constexpr std::size_t kPiece = 64 * 1024;                // what an upload hands us

std::vector<std::uint8_t> Key() {
  std::vector<std::uint8_t> k(32);
  RandomBytes(k);
  return k;
}

std::vector<std::uint8_t> Plaintext() {
  std::vector<std::uint8_t> p(kMessage);
  std::mt19937_64 rng(1);
  for (std::size_t i = 0; i < p.size(); i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(p.data() + i, &r, 8);
  }
  return p;
}

void BM_ChunkedEncrypt64MiB(benchmark::State& state) {
  const auto key = Key();
  const auto plain = Plaintext();
  const std::string ctx = RecordingContext(1, "00112233445566778899aabbccddeeff");
  for (auto _ : state) {
    std::size_t out = 0;
    auto enc = ChunkedEncryptor::Create(key, ctx, [&](std::span<const std::uint8_t> b) {
      out += b.size();
      return Status{};
    });
    bool ok = true;
    for (std::size_t pos = 0; pos < plain.size() && ok; pos += kPiece) {
      ok = static_cast<bool>((*enc)->Write(std::span(plain).subspan(pos, kPiece)));
    }
    if (!ok || !(*enc)->Finish() || out != ChunkedCiphertextSize(kMessage)) {
      state.SkipWithError("encryption failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMessage));
}
BENCHMARK(BM_ChunkedEncrypt64MiB)->Unit(benchmark::kMillisecond);

std::vector<std::uint8_t> Ciphertext(const std::vector<std::uint8_t>& key, const std::string& ctx) {
  const auto plain = Plaintext();
  std::vector<std::uint8_t> ct;
  auto enc = ChunkedEncryptor::Create(key, ctx, [&](std::span<const std::uint8_t> b) {
    ct.insert(ct.end(), b.begin(), b.end());
    return Status{};
  });
  (void)(*enc)->Write(plain);
  (void)(*enc)->Finish();
  return ct;
}

void BM_ChunkedDecrypt64MiB(benchmark::State& state) {
  const auto key = Key();
  const std::string ctx = RecordingContext(1, "00112233445566778899aabbccddeeff");
  const auto ct = Ciphertext(key, ctx);
  for (auto _ : state) {
    std::size_t out = 0;
    auto dec = ChunkedDecryptor::Create(key, ctx, [&](std::span<const std::uint8_t> b) {
      out += b.size();
      return Status{};
    });
    for (std::size_t pos = 0; pos < ct.size(); pos += kPiece) {
      (void)(*dec)->Write(std::span(ct).subspan(pos, std::min(kPiece, ct.size() - pos)));
    }
    if (!(*dec)->Finish()) {
      state.SkipWithError("decryption failed");
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMessage));
}
BENCHMARK(BM_ChunkedDecrypt64MiB)->Unit(benchmark::kMillisecond);

// An audio range request: 64 KiB at a random offset of a 64 MiB recording.
void BM_ChunkedRangeRead64KiB(benchmark::State& state) {
  const auto key = Key();
  const std::string ctx = RecordingContext(1, "00112233445566778899aabbccddeeff");
  const auto ct = Ciphertext(key, ctx);
  auto reader =
      ChunkedReader::Open(key, ctx, ct.size(), [&](std::uint64_t off, std::span<std::uint8_t> out) {
        std::memcpy(out.data(), ct.data() + off, out.size());
        return Status{};
      });
  std::vector<std::uint8_t> buf(kPiece);
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto n = (*reader)->ReadAt(rng() % (kMessage - kPiece), buf);
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPiece));
}
BENCHMARK(BM_ChunkedRangeRead64KiB)->Unit(benchmark::kMicrosecond);

// The CPU part of issuing a token: 256 random bits, base64url, SHA-256 of the purpose
// and token.
void BM_TokenGenerateAndHash(benchmark::State& state) {
  for (auto _ : state) {
    Secret<std::string> t(RandomBase64Url(kTokenBytes));
    auto h = TokenHash("magic_link", t);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_TokenGenerateAndHash);

// Issue through the SQLite driver (one durable commit per token: synchronous=FULL).
void BM_TokenIssueSqlite(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("alcove-bench-" + RandomHex(8));
  std::filesystem::create_directories(dir);
  {
    auto db = store::OpenSqlite(dir / "alcove.db");
    std::vector<store::Migration> all(store::StoreMigrations().begin(),
                                      store::StoreMigrations().end());
    all.insert(all.end(), TokenMigrations().begin(), TokenMigrations().end());
    if (!db || !store::ApplyMigrations(**db, all)) {
      state.SkipWithError("cannot open database");
    } else {
      TokenIssuer issuer(**db, SystemClock::Instance());
      for (auto _ : state) {
        auto t = issuer.Issue("magic_link", 600 * kMicrosPerSecond, TokenUse::kSingle, "acct");
        benchmark::DoNotOptimize(t);
      }
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TokenIssueSqlite)->Unit(benchmark::kMicrosecond);

void BM_Argon2idHash(benchmark::State& state) {
  auto hasher = PasswordHasher::Create();
  const Secret<std::string> pw(std::string("correct horse battery staple"));
  for (auto _ : state) {
    auto h = (*hasher)->Hash(pw);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_Argon2idHash)->Unit(benchmark::kMillisecond);

void BM_Argon2idVerify(benchmark::State& state) {
  auto hasher = PasswordHasher::Create();
  const Secret<std::string> pw(std::string("correct horse battery staple"));
  const auto stored = (*hasher)->Hash(pw);
  for (auto _ : state) {
    auto ok = (*hasher)->Verify(pw, *stored);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Argon2idVerify)->Unit(benchmark::kMillisecond);

}  // namespace
