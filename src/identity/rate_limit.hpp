#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::identity {

// Rate limits (the mechanism of claim C30): GCRA, the generic cell rate algorithm.
//
// A limit is `events` per `period` with a `burst`. The emission interval is
// T = period / events. Each key has a theoretical arrival time (TAT), absent = "now".
// A check at `now` is allowed iff max(TAT, now) + T - now <= burst * T; an allowed
// check stores TAT' = max(TAT, now) + T, a denied one changes nothing. So a fresh key
// may make `burst` events at once, then one every T; a denied check learns
// retry_after = max(TAT, now) + T - burst * T - now, rounded up to whole seconds, >= 1
// (what the HTTP layer sends as Retry-After with its 429).
//
// Keys are opaque strings chosen by the caller, e.g. "ip:203.0.113.7" or
// "acct:<hex SHA-256 of the normalised email>". Never pass a raw email address or any
// client content: keys are stored (in memory or in the rate_limits table) and may appear
// in operator tooling. The limiter prefixes each key with its route class, so classes
// never share a budget. docs/rate-limits.md lists the route classes and their defaults.

struct RateLimit {
  std::uint32_t events = 1;          // per period, >= 1
  Micros period = kMicrosPerSecond;  // > 0
  std::uint32_t burst = 1;           // >= 1
  Micros EmissionInterval() const { return period / static_cast<Micros>(events); }
};

struct Decision {
  bool allowed = false;
  std::int64_t retry_after_seconds = 0;  // >= 1 when denied, 0 when allowed
};

// The pure GCRA step. `tat` is the stored TAT or nullopt for a fresh key. Returns the
// decision and, when allowed, the TAT to store.
struct GcraStep {
  Decision decision;
  Micros new_tat = 0;  // meaningful only when allowed
};
GcraStep Gcra(const RateLimit& limit, std::optional<Micros> tat, Micros now);

// Seconds to wait, rounded up, at least 1.
std::int64_t RetryAfterSeconds(Micros wait);

// Where TATs live. Check performs the whole GCRA step atomically for its key: however
// many threads (or, for the database, servers) check one key at once, no more than the
// limit is ever allowed.
// Thread-safety: Check and Sweep may be called from any thread.
class RateLimitStore {
 public:
  virtual ~RateLimitStore() = default;
  virtual Result<Decision> Check(std::string_view key, const RateLimit& limit, Micros now) = 0;
  // Gives back one event an allowed Check took (TAT -= T), for checks that should count
  // only some outcomes (a password attempt that succeeded, C32). A key that is gone, or
  // whose TAT has passed, is left alone: it has its whole burst already.
  virtual Status Refund(std::string_view key, const RateLimit& limit, Micros now) = 0;
  // Forgets keys whose TAT is at or before `now` (a forgotten key is treated exactly like
  // one whose TAT has passed, so this never changes a decision). Returns how many.
  virtual Result<std::int64_t> Sweep(Micros now) = 0;
};

// In memory, for one server: `kShards` mutex-guarded hash maps (a key's shard is its
// hash), at most `max_keys` keys in all. A shard that is full when a new key arrives
// first forgets its idle keys (TAT passed: no decision changes); if none is idle it
// forgets the key whose TAT is earliest — the one closest to idle, so an attacker who
// floods with fresh keys does not reset the keys that are being limited.
class InMemoryRateLimitStore final : public RateLimitStore {
 public:
  static constexpr std::size_t kShards = 16;
  explicit InMemoryRateLimitStore(std::size_t max_keys = 100'000);
  Result<Decision> Check(std::string_view key, const RateLimit& limit, Micros now) override;
  Status Refund(std::string_view key, const RateLimit& limit, Micros now) override;
  Result<std::int64_t> Sweep(Micros now) override;
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Micros> tat;
  };
  Shard& ShardOf(std::string_view key);
  std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

// In the database (several servers sharing one PostgreSQL, or a restart that must not
// reset limits): table rate_limits(key TEXT PRIMARY KEY, tat BIGINT). Each Check is one
// transaction: an INSERT ... ON CONFLICT DO UPDATE ... WHERE <allowed> RETURNING tat that
// decides and updates in one statement (the conflicting row is locked on PostgreSQL; SQLite
// runs one write transaction at a time), plus, only when denied, a SELECT of the TAT for
// Retry-After. The table holds no tenant data — keys are IP addresses and hashes — so it
// has no tenant_id and no row-level security.
// Errors: the Db's (kUnavailable, kInternal); callers decide whether to fail closed.
class DbRateLimitStore final : public RateLimitStore {
 public:
  // Borrows `db`, which must outlive the store and have RateLimitMigrations applied.
  explicit DbRateLimitStore(store::Db& db) : db_(db) {}
  Result<Decision> Check(std::string_view key, const RateLimit& limit, Micros now) override;
  Status Refund(std::string_view key, const RateLimit& limit, Micros now) override;
  Result<std::int64_t> Sweep(Micros now) override;

 private:
  store::Db& db_;
};

// The rate_limits table (identity's range, 300–399).
std::span<const store::Migration> RateLimitMigrations();

// Named route classes with their limits. Defaults (docs/rate-limits.md):
//   sign_in      10 per 15 min, burst 5    password or magic-link sign-in form posts
//   magic_link    5 per hour,   burst 3    magic-link (and sign-up) emails requested
//   consume      20 per 15 min, burst 10   magic-link / invitation tokens presented
//   password      5 per 15 min, burst 5    password attempts
//   portal_invite 30 per hour,  burst 10   portal invitations sent by a therapist
//   public_link  60 per hour,   burst 20   public questionnaire link requests
//   ai           60 per hour,   burst 10   AI endpoint calls
std::map<std::string, RateLimit, std::less<>> DefaultRateLimits();

// "<events> per <n>s|m|h burst <burst>" (e.g. "10 per 15m burst 5"), as in the
// rate_limits.* settings. kInvalidArgument naming `setting` when malformed or zero.
Result<RateLimit> ParseRateLimit(std::string_view text, std::string_view setting);

// DefaultRateLimits() with the non-empty rate_limits.* settings of `config` applied.
Result<std::map<std::string, RateLimit, std::less<>>> RateLimitsFromConfig(
    const RateLimitsConfig& config);

// The limiter the web layer calls. Thread-safety: Check from any thread.
class RateLimiter {
 public:
  // Borrows `store` and `clock`; both must outlive the limiter.
  RateLimiter(RateLimitStore& store, const Clock& clock,
              std::map<std::string, RateLimit, std::less<>> classes = DefaultRateLimits());
  // Checks `key` against `route_class` at clock.Now(). kInvalidArgument for an unknown
  // class (a programming error in the caller) or an empty key; the store's errors.
  Result<Decision> Check(std::string_view route_class, std::string_view key);
  Result<Decision> Check(std::string_view route_class, std::string_view key, Micros now);
  // Gives back the event an allowed Check of `key` took (RateLimitStore::Refund).
  Status Refund(std::string_view route_class, std::string_view key);

 private:
  Result<const RateLimit*> LimitOf(std::string_view route_class, std::string_view key) const;
  RateLimitStore& store_;
  const Clock& clock_;
  std::map<std::string, RateLimit, std::less<>> classes_;
};

}  // namespace alcove::identity
