#include "identity/rate_limit.hpp"
#include "store/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <limits>
#include <sstream>

namespace alcove::identity {

std::int64_t RetryAfterSeconds(Micros wait) {
  const std::int64_t s = (wait + kMicrosPerSecond - 1) / kMicrosPerSecond;
  return std::max<std::int64_t>(s, 1);
}

GcraStep Gcra(const RateLimit& limit, std::optional<Micros> tat, Micros now) {
  const Micros t = limit.EmissionInterval();
  const Micros tolerance = t * static_cast<Micros>(limit.burst);
  const Micros base = std::max(tat.value_or(now), now);
  const Micros next = base + t;
  if (next - now <= tolerance) {
    return {Decision{true, 0}, next};
  }
  return {Decision{false, RetryAfterSeconds(next - tolerance - now)}, 0};
}

// ---------------------------------------------------------------------------------------
// In memory.

InMemoryRateLimitStore::InMemoryRateLimitStore(std::size_t max_keys)
    : per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

InMemoryRateLimitStore::Shard& InMemoryRateLimitStore::ShardOf(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

Result<Decision> InMemoryRateLimitStore::Check(std::string_view key, const RateLimit& limit,
                                               Micros now) {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.tat.find(std::string(key));
  const std::optional<Micros> tat =
      it == shard.tat.end() ? std::nullopt : std::optional<Micros>(it->second);
  const GcraStep step = Gcra(limit, tat, now);
  if (!step.decision.allowed) {
    return step.decision;
  }
  if (it != shard.tat.end()) {
    it->second = step.new_tat;
    return step.decision;
  }
  if (shard.tat.size() >= per_shard_) {
    std::erase_if(shard.tat, [now](const auto& kv) { return kv.second <= now; });
  }
  if (shard.tat.size() >= per_shard_) {
    auto oldest =
        std::min_element(shard.tat.begin(), shard.tat.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    shard.tat.erase(oldest);
  }
  shard.tat.emplace(std::string(key), step.new_tat);
  return step.decision;
}

Status InMemoryRateLimitStore::Refund(std::string_view key, const RateLimit& limit, Micros now) {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  if (auto it = shard.tat.find(std::string(key)); it != shard.tat.end() && it->second > now) {
    it->second = std::max(now, it->second - limit.EmissionInterval());
  }
  return {};
}

Result<std::int64_t> InMemoryRateLimitStore::Sweep(Micros now) {
  std::int64_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += static_cast<std::int64_t>(
        std::erase_if(shard.tat, [now](const auto& kv) { return kv.second <= now; }));
  }
  return n;
}

std::size_t InMemoryRateLimitStore::size() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.tat.size();
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// In the database.

namespace {

// $1 key, $2 now, $3 emission interval, $4 burst * interval. Inserts a fresh key (always
// allowed: burst >= 1), or moves an existing key's TAT only when the GCRA allows it; no
// row comes back when it does not.
constexpr std::string_view kCheckSql =
    "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + $3) "
    "ON CONFLICT (key) DO UPDATE "
    "SET tat = (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3 "
    "WHERE (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3 - $2 <= $4 "
    "RETURNING tat";

constexpr std::string_view kTatSql = "SELECT tat FROM rate_limits WHERE key = $1";

// Not a tenant table: keys are IP addresses and hashes, never tenant data, so no
// tenant_id and no row-level security; the app role's rights come from store
// migration 1's default privileges.
constexpr std::string_view kRateLimits =
    "CREATE TABLE rate_limits (key TEXT PRIMARY KEY, tat {int} NOT NULL){strict}{without_rowid};";


}  // namespace

std::span<const store::Migration> RateLimitMigrations() {
  static const store::MigrationSet set =
      store::MigrationSet().Add(300, "identity: rate_limits", kRateLimits);
  return set.migrations();
}

Status DbRateLimitStore::Refund(std::string_view key, const RateLimit& limit, Micros now) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const std::array<store::Value, 3> params{std::string(key), now, limit.EmissionInterval()};
  ALCOVE_TRY(tx->Execute(
      "UPDATE rate_limits SET tat = CASE WHEN tat - $3 > $2 THEN tat - $3 ELSE $2 END "
      "WHERE key = $1 AND tat > $2",
      params));
  return tx->Commit();
}

Result<Decision> DbRateLimitStore::Check(std::string_view key, const RateLimit& limit, Micros now) {
  auto txn = db_.Begin();
  if (!txn) {
    return std::unexpected(txn.error());
  }
  const Micros t = limit.EmissionInterval();
  const Micros tolerance = t * static_cast<Micros>(limit.burst);
  const std::array<store::Value, 4> params{std::string(key), now, t, tolerance};
  auto rows = (*txn)->Query(kCheckSql, params);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  Decision decision{true, 0};
  if (rows->empty()) {
    const std::array<store::Value, 1> key_param{std::string(key)};
    auto tat = (*txn)->Query(kTatSql, key_param);
    if (!tat) {
      return std::unexpected(tat.error());
    }
    if (tat->empty()) {
      return Fail(ErrorCode::kInternal, "rate limit: the row refused by the update is gone");
    }
    decision = Gcra(limit, tat->front().Int(0), now).decision;
    if (decision.allowed) {
      return Fail(ErrorCode::kInternal, "rate limit: the database and GCRA disagree");
    }
  }
  if (auto st = (*txn)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return decision;
}

Result<std::int64_t> DbRateLimitStore::Sweep(Micros now) {
  auto txn = db_.Begin();
  if (!txn) {
    return std::unexpected(txn.error());
  }
  const std::array<store::Value, 1> params{now};
  auto n = (*txn)->Execute("DELETE FROM rate_limits WHERE tat <= $1", params);
  if (!n) {
    return std::unexpected(n.error());
  }
  if (auto st = (*txn)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return *n;
}

// ---------------------------------------------------------------------------------------

std::map<std::string, RateLimit, std::less<>> DefaultRateLimits() {
  constexpr Micros kMinute = 60 * kMicrosPerSecond;
  return {
      {"sign_in", {10, 15 * kMinute, 5}},
      {"magic_link", {5, 60 * kMinute, 3}},
      {"consume", {20, 15 * kMinute, 10}},
      {"password", {5, 15 * kMinute, 5}},
      {"portal_invite", {30, 60 * kMinute, 10}},
      {"public_link", {60, 60 * kMinute, 20}},
      {"ai", {60, 60 * kMinute, 10}},
  };
}

Result<RateLimit> ParseRateLimit(std::string_view text, std::string_view setting) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} must look like \"10 per 15m burst 5\" (events per n s|m|h, "
                            "burst), all numbers at least 1",
                            setting));
  };
  std::istringstream in{std::string(text)};
  std::uint64_t events = 0;
  std::uint64_t burst = 0;
  std::string per;
  std::string period;
  std::string burst_word;
  std::string rest;
  if (!(in >> events >> per >> period >> burst_word >> burst) || (in >> rest) || per != "per" ||
      burst_word != "burst" || period.size() < 2) {
    return bad();
  }
  const char unit = period.back();
  const std::string_view digits = std::string_view(period).substr(0, period.size() - 1);
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  const Micros scale = unit == 's'   ? kMicrosPerSecond
                       : unit == 'm' ? 60 * kMicrosPerSecond
                       : unit == 'h' ? 3600 * kMicrosPerSecond
                                     : 0;
  if (ec != std::errc() || end != digits.data() + digits.size() || scale == 0 || n == 0 ||
      n > 1'000'000 || events == 0 || events > 1'000'000 || burst == 0 || burst > 1'000'000) {
    return bad();
  }
  return RateLimit{.events = static_cast<std::uint32_t>(events),
                   .period = static_cast<Micros>(n) * scale,
                   .burst = static_cast<std::uint32_t>(burst)};
}

Result<std::map<std::string, RateLimit, std::less<>>> RateLimitsFromConfig(
    const RateLimitsConfig& config) {
  auto classes = DefaultRateLimits();
  for (const auto& [name, value] : {
           std::pair{"sign_in", &config.sign_in},
           std::pair{"magic_link", &config.magic_link},
           std::pair{"consume", &config.consume},
           std::pair{"password", &config.password},
           std::pair{"portal_invite", &config.portal_invite},
           std::pair{"public_link", &config.public_link},
           std::pair{"ai", &config.ai},
       }) {
    if (value->empty()) {
      continue;
    }
    auto limit = ParseRateLimit(*value, fmt::format("rate_limits.{}", name));
    if (!limit) {
      return std::unexpected(limit.error());
    }
    classes[name] = *limit;
  }
  return classes;
}

RateLimiter::RateLimiter(RateLimitStore& store, const Clock& clock,
                         std::map<std::string, RateLimit, std::less<>> classes)
    : store_(store), clock_(clock), classes_(std::move(classes)) {}

Result<Decision> RateLimiter::Check(std::string_view route_class, std::string_view key) {
  return Check(route_class, key, clock_.Now());
}

Result<const RateLimit*> RateLimiter::LimitOf(std::string_view route_class,
                                              std::string_view key) const {
  const auto it = classes_.find(route_class);
  if (it == classes_.end()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("rate limit: unknown route class `{}`", route_class));
  }
  if (key.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "rate limit: empty key");
  }
  const RateLimit& limit = it->second;
  if (limit.events == 0 || limit.burst == 0 || limit.EmissionInterval() <= 0) {
    return Fail(
        ErrorCode::kInvalidArgument,
        fmt::format("rate limit: class `{}` needs events, burst and period > 0", route_class));
  }
  return &limit;
}

Result<Decision> RateLimiter::Check(std::string_view route_class, std::string_view key,
                                    Micros now) {
  ALCOVE_TRY_ASSIGN(const RateLimit* limit, LimitOf(route_class, key));
  return store_.Check(fmt::format("{}:{}", route_class, key), *limit, now);
}

Status RateLimiter::Refund(std::string_view route_class, std::string_view key) {
  ALCOVE_TRY_ASSIGN(const RateLimit* limit, LimitOf(route_class, key));
  return store_.Refund(fmt::format("{}:{}", route_class, key), *limit, clock_.Now());
}

}  // namespace alcove::identity
