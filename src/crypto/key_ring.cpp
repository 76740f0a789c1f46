#include "crypto/key_ring.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <limits>
#include <utility>

#include "core/encoding.hpp"
#include "core/files.hpp"
#include "crypto/key_wrap.hpp"
#include "crypto/random.hpp"
#include "store/ids.hpp"
#include "store/schema.hpp"

namespace alcove::crypto {
namespace {

using store::Bytes;
using store::Row;
using store::Value;

// data_keys holds only wrapped DEKs (useless without the master key, which never enters
// the database) and their bookkeeping. It is deliberately NOT a tenant table under
// row-level security: master-key rotation is an operator command that must re-wrap
// every tenant's DEKs from one unscoped transaction, and the key ring itself checks the
// tenant of every DEK it hands to FieldCipher (a DEK of another tenant answers as
// missing). key_ring_state records the oldest master-key version new DEKs may be
// wrapped with, which a rotation raises before it re-wraps (see RotateMasterKey).
constexpr std::string_view kKeyRing =
    "CREATE TABLE data_keys (\n"
    "  key_id {int} PRIMARY KEY,\n"
    "  dek_id TEXT NOT NULL UNIQUE,\n"
    "  tenant_id {int} NOT NULL,\n"
    "  purpose TEXT NOT NULL,\n"
    "  family {int} NOT NULL,\n"
    "  generation {int} NOT NULL,\n"
    "  master_version {int} NOT NULL,\n"
    "  wrapped {bytes} NOT NULL,\n"
    "  seal_count {int} NOT NULL,\n"
    "  created_at {int} NOT NULL,\n"
    "  UNIQUE (family, generation)\n"
    "){strict};\n"
    "CREATE INDEX data_keys_by_master_version ON data_keys (master_version);\n"
    "CREATE INDEX data_keys_by_tenant ON data_keys (tenant_id);\n"
    "CREATE UNIQUE INDEX data_keys_system_root ON data_keys (purpose)\n"
    "  WHERE tenant_id = 0 AND generation = 1;\n"
    "CREATE TABLE key_ring_state (\n"
    "  id {int} PRIMARY KEY CHECK (id = 1),\n"
    "  min_master_version {int} NOT NULL\n"
    "){strict};\n"
    "INSERT INTO key_ring_state (id, min_master_version) VALUES (1, 0);\n";



constexpr std::size_t kMaxPurposeBytes = 200;
constexpr std::string_view kKeyedHashRootPurpose = "alcove/keyed-hash-root";
constexpr std::string_view kKeyedHashLabel = "alcove/keyed-hash/v1";
constexpr int kMaxAttempts = 8;
constexpr std::int64_t kRewrapBatch = 100;
// How many destructions KeyRing remembers by family (DestroyedSinceLocked).
constexpr std::size_t kDestroyHistory = 256;

Status CheckPurpose(std::string_view purpose) {
  if (purpose.empty() || purpose.size() > kMaxPurposeBytes ||
      purpose.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "a key purpose is 1 to 200 bytes of text without NUL characters");
  }
  return {};
}

std::unexpected<Error> NoSuchKey() {
  return Fail(ErrorCode::kNotFound, "no such data key", "not found");
}

template <typename T>
std::unexpected<Error> Forward(const Result<T>& r) {
  return std::unexpected(r.error());
}

KeyId RandomKeyId() {
  for (;;) {
    std::array<std::uint8_t, 4> b{};
    RandomBytes(b);
    const KeyId id = (KeyId{b[0]} << 24) | (KeyId{b[1]} << 16) | (KeyId{b[2]} << 8) | b[3];
    if (id != 0) {
      return id;
    }
  }
}

// On PostgreSQL a DEK insert takes a share lock on key_ring_state, so a rotation's
// update of the minimum version waits for it (and the rotation's re-wrap then sees
// the new DEK). On SQLite every write transaction is exclusive already.
std::string_view MinVersionSql(store::Engine engine) {
  return engine == store::Engine::kPostgres
             ? "SELECT min_master_version FROM key_ring_state WHERE id = 1 FOR SHARE"
             : "SELECT min_master_version FROM key_ring_state WHERE id = 1";
}

// Serialises the commands that rewrite the key file (rotate, retire) across processes:
// an exclusive flock(2) on the key file's directory (the file itself is replaced by
// rename, so a lock on it would not hold), waited for, released with the object. Without
// it a retirement that read the file before a rotation added a version could write the
// file back without that version.
Result<UniqueFd> LockKeyFileDirectory(const std::filesystem::path& key_file) {
  const auto dir = key_file.parent_path();
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot open the directory of the key file {}", key_file.string()));
  }
  int rc = 0;
  do {
    rc = ::flock(fd.get(), LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot lock the directory of the key file {}", key_file.string()));
  }
  return fd;
}

}  // namespace

// C06 on PostgreSQL: a destroyed DEK's row stays in the table's pages as a dead tuple
// until a VACUUM, which only the table's owner may run — not the app role the server
// uses. So the owner's migration tells autovacuum to visit data_keys after any deletion
// at all (threshold 0, no scale factor) instead of after 20% of the table: a destroyed
// key is vacuumed away within autovacuum's next round (autovacuum_naptime, a minute by
// default). What the server's own WAL and old backups keep is covered by master-key
// retirement (docs/crypto.md § Retirement and backup retention). Nothing to do on
// SQLite, where secure_delete and Db::ForgetDeleted already overwrite the freed pages.
constexpr std::string_view kVacuumDestroyedKeys =
    "ALTER TABLE data_keys SET (autovacuum_vacuum_threshold = 0, "
    "autovacuum_vacuum_scale_factor = 0)";

std::span<const store::Migration> KeyRingMigrations() {
  static const store::MigrationSet set =
      store::MigrationSet()
          .Add(100, "key_ring_data_keys", kKeyRing)
          .Add(140, "key_ring_vacuum_destroyed_keys", "", {}, "", kVacuumDestroyedKeys);
  return set.migrations();
}

struct KeyRing::NewDek {
  KeyId key_id = 0;
  SecureBuffer dek;
};

KeyRing::KeyRing(Passkey /*unused*/, store::Db& db, MasterKeys keys,
                 std::optional<std::filesystem::path> key_file, const Clock& clock,
                 KeyRingOptions options)
    : db_(db),
      clock_(clock),
      options_(options),
      key_file_(std::move(key_file)),
      master_keys_(std::move(keys)) {}

KeyRing::~KeyRing() = default;

Result<std::unique_ptr<KeyRing>> KeyRing::OpenWithKeyFile(store::Db& db,
                                                          const std::filesystem::path& key_file,
                                                          const Clock& clock,
                                                          KeyRingOptions options) {
  auto keys = MasterKeys::Load(key_file);
  if (!keys) {
    return Forward(keys);
  }
  return std::make_unique<KeyRing>(Passkey{}, db, std::move(*keys), key_file, clock, options);
}

std::unique_ptr<KeyRing> KeyRing::OpenWithKeys(store::Db& db, MasterKeys keys, const Clock& clock,
                                               KeyRingOptions options) {
  return std::make_unique<KeyRing>(Passkey{}, db, std::move(keys), std::nullopt, clock, options);
}

Result<std::unique_ptr<KeyRing>> KeyRing::OpenFromConfig(store::Db& db, const Config& config,
                                                         const Environment& env, const Clock& clock,
                                                         KeyRingOptions options) {
  if (const auto it = env.find(std::string(kMasterKeyEnv));
      it != env.end() && !it->second.empty()) {
    auto keys = MasterKeys::ParseEnvironmentValue(it->second);
    if (!keys) {
      return Forward(keys);
    }
    return OpenWithKeys(db, std::move(*keys), clock, options);
  }
  return OpenWithKeyFile(db, config.InDataDir(config.keys.master_key_file), clock, options);
}

Status KeyRing::ReloadMasterKeys() {
  if (!key_file_) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the master keys were given at start-up (ALCOVE_MASTER_KEY) and cannot be "
                "re-read");
  }
  auto keys = MasterKeys::Load(*key_file_);
  if (!keys) {
    return std::unexpected(keys.error());
  }
  std::lock_guard lock(keys_mu_);
  master_keys_ = std::move(*keys);
  return {};
}

Result<std::uint32_t> KeyRing::WrappingMasterKey(std::uint32_t min_version, SecureBuffer& out) {
  for (int pass = 0; pass < 2; ++pass) {
    {
      std::lock_guard lock(keys_mu_);
      const std::uint32_t v = master_keys_.newest();
      if (v >= min_version && v != 0) {
        out = SecureBuffer::CopyOf(master_keys_.Key(v));
        return v;
      }
    }
    if (pass == 0) {
      if (auto st = ReloadMasterKeys(); !st) {
        return std::unexpected(st.error());
      }
    }
  }
  return Fail(ErrorCode::kFailedPrecondition,
              fmt::format("a master-key rotation requires version {} or newer for new data "
                          "keys, and the key file does not hold it",
                          min_version));
}

Result<SecureBuffer> KeyRing::Unwrap(std::string_view dek_id, std::string_view purpose,
                                     std::span<const std::uint8_t> wrapped) {
  auto version = WrappedDekMasterVersion(wrapped);
  if (!version) {
    return Forward(version);
  }
  for (int pass = 0; pass < 2; ++pass) {
    {
      std::lock_guard lock(keys_mu_);
      if (master_keys_.Has(*version)) {
        return UnwrapDek(master_keys_.Key(*version), dek_id, purpose, wrapped);
      }
    }
    // A version we do not hold: a rotation may have added it since we loaded the file.
    if (pass == 0 && key_file_) {
      if (auto st = ReloadMasterKeys(); !st) {
        return std::unexpected(st.error());
      }
    }
  }
  return Fail(ErrorCode::kFailedPrecondition,
              fmt::format("a data key is wrapped by master-key version {}, which is not "
                          "available",
                          *version));
}

Result<KeyRing::NewDek> KeyRing::InsertDek(store::Transaction& tx, TenantId tenant,
                                           std::string_view purpose, KeyId family,
                                           std::int64_t generation, std::int64_t seal_count) {
  auto min_rows = tx.Query(MinVersionSql(db_.engine()));
  if (!min_rows) {
    return Forward(min_rows);
  }
  if (min_rows->empty()) {
    return Fail(ErrorCode::kFailedPrecondition, "key_ring_state is missing its row");
  }
  const auto min_version = static_cast<std::uint32_t>(min_rows->at(0).Int(0));
  SecureBuffer master;
  auto version = WrappingMasterKey(min_version, master);
  if (!version) {
    return Forward(version);
  }
  KeyId key_id = 0;
  for (int i = 0; i < kMaxAttempts && key_id == 0; ++i) {
    const KeyId candidate = RandomKeyId();
    const Value p[] = {std::int64_t{candidate}};
    auto rows = tx.Query("SELECT 1 FROM data_keys WHERE key_id = $1", p);
    if (!rows) {
      return Forward(rows);
    }
    if (rows->empty()) {
      key_id = candidate;
    }
  }
  if (key_id == 0) {
    return Fail(ErrorCode::kConflict, "no free data key id found");
  }
  const std::string dek_id = store::NewId();
  NewDek out{key_id, SecureBuffer(kDekSize)};
  RandomBytes(out.dek.span());
  auto wrapped = WrapDek(master.span(), *version, dek_id, purpose, out.dek.span());
  if (!wrapped) {
    return Forward(wrapped);
  }
  const Value params[] = {std::int64_t{key_id},
                          dek_id,
                          tenant,
                          std::string(purpose),
                          std::int64_t{family == 0 ? key_id : family},
                          generation,
                          std::int64_t{*version},
                          std::move(*wrapped),
                          seal_count,
                          clock_.Now()};
  auto inserted = tx.Execute(
      "INSERT INTO data_keys (key_id, dek_id, tenant_id, purpose, family, generation, "
      "master_version, wrapped, seal_count, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      params);
  if (!inserted) {
    return Forward(inserted);
  }
  return out;
}

Result<KeyId> KeyRing::CreateDek(TenantId tenant, std::string_view purpose) {
  if (tenant <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "a data key belongs to a tenant (id > 0)");
  }
  if (auto st = CheckPurpose(purpose); !st) {
    return std::unexpected(st.error());
  }
  for (int attempt = 0;; ++attempt) {
    auto tx = db_.Begin();
    if (!tx) {
      return Forward(tx);
    }
    auto dek = InsertDek(**tx, tenant, purpose, 0, 1, 0);
    Status committed = dek ? (*tx)->Commit() : Status(std::unexpected(dek.error()));
    if (!committed) {
      if (committed.error().code == ErrorCode::kConflict && attempt + 1 < kMaxAttempts) {
        continue;  // another process took the same random key id: draw again
      }
      return std::unexpected(committed.error());
    }
    const Micros now = clock_.Now();
    std::lock_guard lock(mu_);
    InsertCacheLocked(CachedKey{.key_id = dek->key_id,
                                .tenant = tenant,
                                .family = dek->key_id,
                                .key = std::make_shared<const SecureBuffer>(std::move(dek->dek)),
                                .loaded_at = now,
                                .last_used = now});
    return dek->key_id;
  }
}

Result<KeyRing::OrphanSweep> KeyRing::DestroyOrphans(std::string_view purpose,
                                                     std::string_view owner_table,
                                                     Micros created_before) {
  // The tenants holding such keys: data_keys is not a row-level-security table.
  std::vector<TenantId> tenants;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const store::Value params[] = {std::string(purpose), created_before};
    ALCOVE_TRY_ASSIGN(const auto rows,
                      tx->Query("SELECT DISTINCT tenant_id FROM data_keys WHERE purpose = $1 AND "
                                "tenant_id > 0 AND created_at < $2",
                                params));
    for (const auto& r : rows) {
      tenants.push_back(r.Int(0));
    }
  }
  const std::string sql = fmt::format(
      "SELECT DISTINCT d.family FROM data_keys d WHERE d.tenant_id = $1 AND d.purpose = $2 AND "
      "d.created_at < $3 AND NOT EXISTS (SELECT 1 FROM {} o WHERE o.tenant_id = $1 AND "
      "o.key_id = d.family)",
      owner_table);
  OrphanSweep out;
  for (const TenantId tenant : tenants) {
    std::vector<KeyId> orphans;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
      const store::Value params[] = {tenant, std::string(purpose), created_before};
      ALCOVE_TRY_ASSIGN(const auto rows, tx->Query(sql, params));
      for (const auto& r : rows) {
        orphans.push_back(static_cast<KeyId>(r.Int(0)));
      }
    }
    for (const KeyId key : orphans) {
      if (auto st = DestroyDek(tenant, key); !st && st.error().code != ErrorCode::kNotFound) {
        if (out.failed++ == 0) {
          out.first_error = st.error().internal;
        }
        continue;
      }
      ++out.destroyed;
    }
  }
  return out;
}

Status KeyRing::DestroyDek(TenantId tenant, KeyId key) {
  if (tenant <= 0) {
    return NoSuchKey();
  }
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  const Value p[] = {std::int64_t{key}, tenant};
  auto rows = (*tx)->Query("SELECT family FROM data_keys WHERE key_id = $1 AND tenant_id = $2", p);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->empty()) {
    return NoSuchKey();
  }
  const auto family = static_cast<KeyId>(rows->at(0).Int(0));
  const Value d[] = {std::int64_t{family}, tenant};
  if (auto n = (*tx)->Execute("DELETE FROM data_keys WHERE family = $1 AND tenant_id = $2", d);
      !n) {
    return std::unexpected(n.error());
  }
  if (auto st = (*tx)->Commit(); !st) {
    return st;
  }
  tx->reset();  // the transaction ends here: ForgetDeleted needs none open on this thread
  {
    std::lock_guard lock(mu_);
    ++destroy_epoch_;
    recently_destroyed_.push_back(family);
    if (recently_destroyed_.size() > kDestroyHistory) {
      recently_destroyed_.pop_front();
    }
    std::vector<KeyId> doomed;
    for (const auto& [id, entry] : cache_) {
      if (entry.family == family) {
        doomed.push_back(id);
      }
    }
    for (KeyId id : doomed) {
      EraseLocked(id);
    }
    sealing_.erase(family);
  }
  // The rows are gone; their old page images must not outlive them in the database's
  // own files (the SQLite WAL): C06 holds when this returns.
  return db_.ForgetDeleted();
}

bool KeyRing::DestroyedSinceLocked(std::uint64_t epoch, KeyId family) const {
  const std::uint64_t missed = destroy_epoch_ - epoch;
  if (missed == 0) {
    return false;
  }
  if (missed > recently_destroyed_.size()) {
    return true;  // more destructions than the history holds: assume the worst
  }
  return std::find(recently_destroyed_.end() - static_cast<std::ptrdiff_t>(missed),
                   recently_destroyed_.end(), family) != recently_destroyed_.end();
}

Result<KeyRing::KeyHandle> KeyRing::AcquireSealKey(TenantId tenant, KeyId family) {
  {
    std::lock_guard lock(mu_);
    const Micros now = clock_.Now();
    PurgeLocked(now);
    if (auto s = sealing_.find(family); s != sealing_.end()) {
      auto c = cache_.find(s->second);
      if (c != cache_.end() && c->second.seal_budget > 0) {
        if (c->second.tenant != tenant) {
          return NoSuchKey();
        }
        --c->second.seal_budget;
        c->second.last_used = now;
        return KeyHandle{c->second.key_id, c->second.tenant, c->second.family, c->second.key};
      }
    }
  }
  const std::int64_t reservation = options_.seal_reservation;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::uint64_t epoch = 0;
    {
      std::lock_guard lock(mu_);
      epoch = destroy_epoch_;
    }
    auto tx = db_.Begin();
    if (!tx) {
      return Forward(tx);
    }
    const Value p[] = {std::int64_t{family}};
    auto rows = (*tx)->Query(
        "SELECT key_id, dek_id, tenant_id, purpose, generation, wrapped, seal_count "
        "FROM data_keys WHERE family = $1 ORDER BY generation DESC LIMIT 1",
        p);
    if (!rows) {
      return Forward(rows);
    }
    if (rows->empty() || rows->at(0).Int(2) != tenant || tenant == kSystemTenant) {
      return NoSuchKey();
    }
    const Row& r = rows->at(0);
    KeyId key_id = static_cast<KeyId>(r.Int(0));
    SecureBuffer dek;
    if (static_cast<std::uint64_t>(r.Int(6)) + static_cast<std::uint64_t>(reservation) >
        options_.seal_limit) {
      // This generation has (nearly) reached its seal limit: the next one takes over.
      auto next = InsertDek(**tx, tenant, r.Text(3), family, r.Int(4) + 1, reservation);
      if (!next) {
        if (next.error().code == ErrorCode::kConflict) {
          continue;  // another process made the next generation first: use that one
        }
        return Forward(next);
      }
      key_id = next->key_id;
      dek = std::move(next->dek);
    } else {
      const Value u[] = {reservation, std::int64_t{key_id}};
      auto n =
          (*tx)->Execute("UPDATE data_keys SET seal_count = seal_count + $1 WHERE key_id = $2", u);
      if (!n) {
        return Forward(n);
      }
    }
    if (auto st = (*tx)->Commit(); !st) {
      if (st.error().code == ErrorCode::kConflict) {
        continue;  // another process made the next generation first: use that one
      }
      return std::unexpected(st.error());
    }
    std::shared_ptr<const SecureBuffer> key;
    {
      std::lock_guard lock(mu_);
      if (auto c = cache_.find(key_id); c != cache_.end()) {
        key = c->second.key;
      }
    }
    if (!key) {
      if (dek.empty()) {
        auto unwrapped = Unwrap(r.Text(1), r.Text(3), r.Blob(5));
        if (!unwrapped) {
          return Forward(unwrapped);
        }
        dek = std::move(*unwrapped);
      }
      key = std::make_shared<const SecureBuffer>(std::move(dek));
    }
    std::lock_guard lock(mu_);
    if (DestroyedSinceLocked(epoch, family)) {
      continue;  // this family was destroyed meanwhile: look again
    }
    const Micros now = clock_.Now();
    auto c = cache_.find(key_id);
    if (c == cache_.end()) {
      InsertCacheLocked(CachedKey{.key_id = key_id,
                                  .tenant = tenant,
                                  .family = family,
                                  .key = key,
                                  .loaded_at = now,
                                  .last_used = now});
      c = cache_.find(key_id);
      if (c == cache_.end()) {
        // Caching is off (capacity 0): the rest of the reservation is given up, which
        // only over-counts.
        return KeyHandle{key_id, tenant, family, key};
      }
    }
    if (auto old = sealing_.find(family); old != sealing_.end() && old->second != key_id) {
      if (auto o = cache_.find(old->second); o != cache_.end()) {
        o->second.seal_budget = 0;  // an older generation never seals again
      }
    }
    sealing_[family] = key_id;
    c->second.seal_budget += static_cast<std::uint64_t>(reservation) - 1;
    c->second.last_used = now;
    return KeyHandle{key_id, tenant, family, c->second.key};
  }
  return Fail(ErrorCode::kUnavailable, "could not reserve seals for a data key; retry");
}

Result<KeyRing::KeyHandle> KeyRing::KeyForOpen(KeyId key_id) {
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mu_);
    const Micros now = clock_.Now();
    PurgeLocked(now);
    if (auto c = cache_.find(key_id); c != cache_.end()) {
      c->second.last_used = now;
      return KeyHandle{c->second.key_id, c->second.tenant, c->second.family, c->second.key};
    }
    epoch = destroy_epoch_;
  }
  auto tx = db_.Begin();
  if (!tx) {
    return Forward(tx);
  }
  const Value p[] = {std::int64_t{key_id}};
  auto rows = (*tx)->Query(
      "SELECT dek_id, tenant_id, purpose, family, wrapped FROM data_keys WHERE key_id = $1", p);
  if (!rows) {
    return Forward(rows);
  }
  if (rows->empty()) {
    return NoSuchKey();
  }
  const Row& r = rows->at(0);
  auto dek = Unwrap(r.Text(0), r.Text(2), r.Blob(4));
  if (!dek) {
    return Forward(dek);
  }
  KeyHandle handle{key_id, r.Int(1), static_cast<KeyId>(r.Int(3)),
                   std::make_shared<const SecureBuffer>(std::move(*dek))};
  std::lock_guard lock(mu_);
  // If this DEK's family was destroyed while we read, do not cache what we read before it.
  if (!DestroyedSinceLocked(epoch, handle.family)) {
    const Micros now = clock_.Now();
    InsertCacheLocked(CachedKey{.key_id = key_id,
                                .tenant = handle.tenant,
                                .family = handle.family,
                                .key = handle.key,
                                .loaded_at = now,
                                .last_used = now});
  }
  return handle;
}

Result<KeyRing::KeyHandle> KeyRing::KeyForChunked(TenantId tenant, KeyId key) {
  auto handle = KeyForOpen(key);
  if (!handle) {
    return handle;
  }
  if (handle->tenant != tenant || tenant == kSystemTenant) {
    return NoSuchKey();
  }
  return handle;
}

Result<HmacSha256Tag> KeyRing::KeyedHash(std::string_view purpose,
                                         std::span<const std::uint8_t> data) {
  if (auto st = CheckPurpose(purpose); !st) {
    return std::unexpected(st.error());
  }
  KeyId root = 0;
  {
    std::lock_guard lock(mu_);
    root = keyed_hash_root_;
  }
  for (int attempt = 0; root == 0 && attempt < kMaxAttempts; ++attempt) {
    auto tx = db_.Begin();
    if (!tx) {
      return Forward(tx);
    }
    const Value p[] = {std::string(kKeyedHashRootPurpose)};
    auto rows = (*tx)->Query(
        "SELECT key_id FROM data_keys WHERE tenant_id = 0 AND purpose = $1 AND generation = 1", p);
    if (!rows) {
      return Forward(rows);
    }
    if (!rows->empty()) {
      root = static_cast<KeyId>(rows->at(0).Int(0));
      break;
    }
    auto dek = InsertDek(**tx, kSystemTenant, kKeyedHashRootPurpose, 0, 1, 0);
    if (!dek) {
      if (dek.error().code == ErrorCode::kConflict) {
        continue;  // another process created the root first: read it
      }
      return Forward(dek);
    }
    if (auto st = (*tx)->Commit(); !st) {
      if (st.error().code == ErrorCode::kConflict) {
        continue;  // another process created the root first: read it
      }
      return std::unexpected(st.error());
    }
    root = dek->key_id;
  }
  if (root == 0) {
    return Fail(ErrorCode::kUnavailable, "could not set up the keyed-hash key; retry");
  }
  {
    std::lock_guard lock(mu_);
    keyed_hash_root_ = root;
  }
  auto handle = KeyForOpen(root);
  if (!handle) {
    return Forward(handle);
  }
  std::string info(kKeyedHashLabel);
  info.push_back('\0');
  info.append(purpose);
  SecureBuffer key(kHmacSha256Size);
  if (auto st =
          HkdfExtractExpand(HkdfHash::kSha256, handle->key->span(), {}, AsBytes(info), key.span());
      !st) {
    return std::unexpected(st.error());
  }
  return HmacSha256(key.span(), data);
}

void KeyRing::PurgeExpired() {
  std::lock_guard lock(mu_);
  last_purge_ = 0;
  PurgeLocked(clock_.Now());
}

std::size_t KeyRing::cached_keys() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

void KeyRing::InsertCacheLocked(CachedKey entry) {
  if (options_.cache_capacity == 0) {
    return;
  }
  if (cache_.contains(entry.key_id)) {
    return;
  }
  while (cache_.size() >= options_.cache_capacity) {
    auto lru = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    EraseLocked(lru->first);
  }
  const KeyId id = entry.key_id;
  cache_.emplace(id, std::move(entry));
}

void KeyRing::EraseLocked(KeyId key_id) {
  auto it = cache_.find(key_id);
  if (it == cache_.end()) {
    return;
  }
  if (auto s = sealing_.find(it->second.family); s != sealing_.end() && s->second == key_id) {
    sealing_.erase(s);
  }
  cache_.erase(it);  // the SecureBuffer wipes itself once no operation still uses it
}

void KeyRing::PurgeLocked(Micros now) {
  if (last_purge_ != 0 && now - last_purge_ < kMicrosPerSecond) {
    return;
  }
  last_purge_ = now;
  const Micros ttl = static_cast<Micros>(options_.cache_ttl.count()) * kMicrosPerSecond;
  std::vector<KeyId> expired;
  for (const auto& [id, entry] : cache_) {
    if (now - entry.loaded_at >= ttl) {
      expired.push_back(id);
    }
  }
  for (KeyId id : expired) {
    EraseLocked(id);
  }
}

// ---- Rotation ----

namespace {

// The data key of one data_keys row (key_id, dek_id, purpose, wrapped), unwrapped by the
// master-key version of `keys` that wrapped it. The messages end in `missing` when the key
// file lacks that version, and in `mismatch` when it does not unwrap.
Result<SecureBuffer> UnwrapRow(const MasterKeys& keys, const Row& r, std::string_view missing,
                               std::string_view mismatch) {
  const Bytes& wrapped = r.Blob(3);
  auto version = WrappedDekMasterVersion(wrapped);
  if (!version) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("data key {} has a malformed wrapped row", r.Int(0)));
  }
  const auto master = keys.Key(*version);
  if (master.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("data key {} is wrapped by master-key version {}, which {}", r.Int(0),
                            *version, missing));
  }
  auto dek = UnwrapDek(master, r.Text(1), r.Text(2), wrapped);
  if (!dek) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("data key {} does not unwrap under master-key version {}{}", r.Int(0),
                            *version, mismatch));
  }
  return dek;
}

}  // namespace

Result<std::int64_t> RewrapDeks(store::Db& db, const MasterKeys& keys, std::uint32_t target,
                                std::int64_t limit) {
  const auto target_key = keys.Key(target);
  if (target_key.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("the key file does not hold master-key version {}", target));
  }
  std::int64_t done = 0;
  while (done < limit) {
    auto tx = db.Begin();
    if (!tx) {
      return Forward(tx);
    }
    const Value p[] = {std::int64_t{target}, std::min(kRewrapBatch, limit - done)};
    auto rows = (*tx)->Query(
        "SELECT key_id, dek_id, purpose, wrapped FROM data_keys WHERE master_version < $1 "
        "ORDER BY key_id LIMIT $2",
        p);
    if (!rows) {
      return Forward(rows);
    }
    if (rows->empty()) {
      break;
    }
    for (const Row& r : *rows) {
      const Bytes& wrapped = r.Blob(3);
      auto dek = UnwrapRow(
          keys, r,
          "the key file does not hold; restore that version to the key file and run the "
          "rotation again",
          "");
      if (!dek) {
        return Forward(dek);
      }
      auto rewrapped = WrapDek(target_key, target, r.Text(1), r.Text(2), dek->span());
      if (!rewrapped) {
        return Forward(rewrapped);
      }
      const Value u[] = {std::move(*rewrapped), std::int64_t{target}, r.Int(0), wrapped};
      auto n = (*tx)->Execute(
          "UPDATE data_keys SET wrapped = $1, master_version = $2 "
          "WHERE key_id = $3 AND wrapped = $4",
          u);
      if (!n) {
        return Forward(n);
      }
      done += *n;  // 0 if the DEK was destroyed or changed meanwhile
    }
    if (auto st = (*tx)->Commit(); !st) {
      return std::unexpected(st.error());
    }
  }
  return done;
}

Result<std::vector<std::pair<std::uint32_t, std::int64_t>>> CountDeksByMasterVersion(
    store::Db& db) {
  auto tx = db.Begin();
  if (!tx) {
    return Forward(tx);
  }
  auto rows = (*tx)->Query(
      "SELECT master_version, count(*) FROM data_keys GROUP BY master_version "
      "ORDER BY master_version");
  if (!rows) {
    return Forward(rows);
  }
  std::vector<std::pair<std::uint32_t, std::int64_t>> out;
  for (const Row& r : *rows) {
    out.emplace_back(static_cast<std::uint32_t>(r.Int(0)), r.Int(1));
  }
  return out;
}

Result<RotationReport> RotateMasterKey(store::Db& db, const std::filesystem::path& key_file) {
  auto lock = LockKeyFileDirectory(key_file);
  if (!lock) {
    return Forward(lock);
  }
  auto keys = MasterKeys::Load(key_file);
  if (!keys) {
    return Forward(keys);
  }
  RotationReport report;
  for (std::uint32_t v : keys->versions()) {
    if (v < keys->newest() && !keys->Replaced(v)) {
      report.resumed = true;  // a rotation added a version but never finished
    }
  }
  if (!report.resumed) {
    auto added = AddMasterKeyVersion(key_file);
    if (!added) {
      return Forward(added);
    }
    keys = MasterKeys::Load(key_file);
    if (!keys) {
      return Forward(keys);
    }
  }
  const std::uint32_t target = keys->newest();
  report.new_version = target;

  // Step 2: from now on, new DEKs are wrapped by `target` or newer.
  {
    auto tx = db.Begin();
    if (!tx) {
      return Forward(tx);
    }
    const Value p[] = {std::int64_t{target}};
    auto n = (*tx)->Execute(
        "UPDATE key_ring_state SET min_master_version = $1 "
        "WHERE id = 1 AND min_master_version < $1",
        p);
    if (!n) {
      return Forward(n);
    }
    if (auto st = (*tx)->Commit(); !st) {
      return std::unexpected(st.error());
    }
  }

  // Steps 3 and 4: re-wrap until nothing refers to an older version.
  for (int pass = 0;; ++pass) {
    auto n = RewrapDeks(db, *keys, target, std::numeric_limits<std::int64_t>::max());
    if (!n) {
      return Forward(n);
    }
    report.rewrapped += *n;
    auto counts = CountDeksByMasterVersion(db);
    if (!counts) {
      return Forward(counts);
    }
    const bool clean = std::all_of(counts->begin(), counts->end(),
                                   [&](const auto& c) { return c.first >= target; });
    if (clean) {
      break;
    }
    if (pass >= kMaxAttempts) {
      return Fail(ErrorCode::kUnavailable,
                  "data keys wrapped by an old master key keep appearing; run the rotation "
                  "again");
    }
  }

  // Step 5: mark the older versions replaced; they stay for older backups until retired.
  const Micros now = SystemClock::Instance().Now();
  for (std::uint32_t v : keys->versions()) {
    if (v < target && !keys->Replaced(v)) {
      report.replaced.push_back(v);
      keys->MarkReplaced(v, now);
    }
  }
  if (!report.replaced.empty()) {
    if (auto st = WriteMasterKeyFile(key_file, *keys); !st) {
      return std::unexpected(st.error());
    }
  }
  return report;
}

// ---- Retirement ----

Result<RetirementPlan> RetireMasterKeys(store::Db& db, const std::filesystem::path& key_file,
                                        Micros before, bool apply) {
  auto lock = LockKeyFileDirectory(key_file);
  if (!lock) {
    return Forward(lock);
  }
  auto keys = MasterKeys::Load(key_file);
  if (!keys) {
    return Forward(keys);
  }
  RetirementPlan plan;
  plan.current = keys->newest();
  plan.current_created = keys->Created(plan.current);
  std::vector<std::uint32_t> unfinished;
  for (std::uint32_t v : keys->versions()) {
    if (v == plan.current) {
      continue;
    }
    const auto replaced = keys->Replaced(v);
    if (!replaced) {
      unfinished.push_back(v);
    } else if (*replaced < before) {
      plan.retire.push_back(v);
      plan.unreadable_before = std::max(plan.unreadable_before, *replaced);
    } else {
      plan.kept.push_back(v);
    }
  }
  if (!unfinished.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("master-key version {} is older than the current version {} but "
                            "was never marked replaced: a rotation has not finished, and data "
                            "keys may still be wrapped by it. Run `alcove keys rotate`, which "
                            "finishes it, then retire again. Nothing was retired",
                            unfinished.front(), plan.current));
  }
  auto counts = CountDeksByMasterVersion(db);
  if (!counts) {
    return Forward(counts);
  }
  for (const auto& [version, n] : *counts) {
    const bool retiring =
        std::find(plan.retire.begin(), plan.retire.end(), version) != plan.retire.end();
    if (n > 0 && retiring) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("master-key version {} still wraps {} data key(s) in this "
                              "database; retiring it would make them unreadable. Run `alcove "
                              "keys rotate` first, which re-wraps them under a new version. "
                              "Nothing was retired",
                              version, n));
    }
  }
  if (plan.retire.empty() && plan.kept.empty() &&
      (!plan.current_created || *plan.current_created < before)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("nothing to retire: version {} is the version in use (it wraps "
                            "the data keys and every new one) and was created before the "
                            "given date, and the current version is never retired. Run "
                            "`alcove keys rotate` first; once the backups taken before the "
                            "rotation are gone, retire with a date after it. Nothing was "
                            "retired",
                            plan.current));
  }
  if (!apply || plan.retire.empty()) {
    return plan;
  }
  for (std::uint32_t v : plan.retire) {
    keys->Remove(v);
  }
  if (auto st = WriteMasterKeyFile(key_file, *keys); !st) {
    return std::unexpected(st.error());
  }
  plan.applied = true;
  return plan;
}

Result<std::int64_t> CheckKeyFileOpensEveryDek(store::Db& db,
                                               const std::filesystem::path& key_file) {
  auto keys = MasterKeys::Load(key_file);
  if (!keys) {
    return Forward(keys);
  }
  std::int64_t checked = 0;
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    auto tx = db.Begin();
    if (!tx) {
      return Forward(tx);
    }
    const Value p[] = {after, kRewrapBatch};
    auto rows = (*tx)->Query(
        "SELECT key_id, dek_id, purpose, wrapped FROM data_keys WHERE key_id > $1 "
        "ORDER BY key_id LIMIT $2",
        p);
    if (!rows) {
      return Forward(rows);
    }
    if (rows->empty()) {
      break;
    }
    for (const Row& r : *rows) {
      after = r.Int(0);
      auto dek = UnwrapRow(*keys, r,
                           fmt::format("the key file {} does not hold (the key file holds "
                                       "version(s) {}): that version was retired, or the key "
                                       "file belongs to another installation",
                                       key_file.string(), fmt::join(keys->versions(), ", ")),
                           fmt::format(" of the key file {}: it is not the key file of this "
                                       "database",
                                       key_file.string()));
      if (!dek) {
        return Forward(dek);
      }
      ++checked;
    }
  }
  return checked;
}

}  // namespace alcove::crypto
