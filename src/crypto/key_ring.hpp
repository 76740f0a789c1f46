#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "crypto/hkdf.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/secure_buffer.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::crypto {

// The key ring: master keys (outside the database) wrap data keys (DEKs, inside it).
// docs/crypto.md § Key hierarchy describes the design; CRYPTO-FORMATS.md §2 the bytes.
//
// A DEK is 32 random bytes, stored only wrapped, in the table data_keys. Callers name a
// DEK by its KeyId, the 4-byte number that also heads every field ciphertext it seals.
// A DEK has "generations": when one nears its seal limit (NIST SP 800-38D: at most 2^32
// seals with random 96-bit nonces), the key ring transparently creates the next
// generation, which shares the first one's tenant, purpose and KeyId as its "family",
// and seals under it from then on. Older generations keep opening what they sealed.
// Callers keep using the KeyId CreateDek returned; DestroyDek destroys every
// generation.
//
// Nothing here hands out key bytes: FieldCipher (a friend) seals and opens with them,
// KeyedHash computes a keyed hash.
//
// Thread-safety: every method is safe to call from several threads. The key ring
// borrows `db` and `clock`, which must outlive it.

using KeyId = std::uint32_t;
using store::TenantId;

// Tenant 0 is reserved for the key ring's own system keys (the keyed-hash root).
inline constexpr TenantId kSystemTenant = 0;

// Seals per DEK generation before the next one is made: half the 2^32 bound, which
// leaves room for the reservations of concurrent servers (below).
inline constexpr std::uint64_t kDefaultSealLimit = std::uint64_t{1} << 31;

struct KeyRingOptions {
  // How long an unwrapped DEK stays in memory after it was unwrapped, and how many
  // may be held; evicted keys are wiped.
  std::chrono::seconds cache_ttl{300};
  std::size_t cache_capacity = 1024;
  // Seals per generation (see kDefaultSealLimit).
  std::uint64_t seal_limit = kDefaultSealLimit;
  // The seal counter is persistent and batched: a server reserves this many seals at
  // once (one UPDATE), and counts them as used whether or not it makes them, so the
  // stored count never falls below the seals actually made.
  std::uint32_t seal_reservation = 1024;
};

// The schema of the key ring (versions 100–149). Apply with store::ApplyMigrations.
std::span<const store::Migration> KeyRingMigrations();

class KeyRing {
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  // Use the factories below (the passkey keeps the constructor theirs).
  KeyRing(Passkey, store::Db& db, MasterKeys keys, std::optional<std::filesystem::path> key_file,
          const Clock& clock, KeyRingOptions options);

  // A key ring whose master keys come from the key file at `key_file`; it re-reads the
  // file when it meets a master-key version it does not hold, or when a key rotation
  // requires a newer version for new DEKs. Errors: those of MasterKeys::Load.
  static Result<std::unique_ptr<KeyRing>> OpenWithKeyFile(store::Db& db,
                                                          const std::filesystem::path& key_file,
                                                          const Clock& clock,
                                                          KeyRingOptions options = {});
  // A key ring with fixed master keys (never re-read).
  static std::unique_ptr<KeyRing> OpenWithKeys(store::Db& db, MasterKeys keys, const Clock& clock,
                                               KeyRingOptions options = {});
  // The server's key ring: ALCOVE_MASTER_KEY from `env` when it is set (then the key
  // file is not read), else the key file config.keys.master_key_file.
  static Result<std::unique_ptr<KeyRing>> OpenFromConfig(store::Db& db, const Config& config,
                                                         const Environment& env, const Clock& clock,
                                                         KeyRingOptions options = {});

  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;
  ~KeyRing();

  // Makes a new DEK for `tenant` (> 0) and `purpose` (1–200 bytes of text without NUL;
  // e.g. "client", "recording"), wrapped under the newest master key, and returns its
  // KeyId. Errors: kInvalidArgument for a bad tenant or purpose; kFailedPrecondition
  // if the master keys are unusable (e.g. a rotation requires a version this process
  // cannot load); database errors.
  Result<KeyId> CreateDek(TenantId tenant, std::string_view purpose);

  // Crypto-shredding: deletes every generation of the DEK family `key` of `tenant`
  // and wipes them from this process's cache. Every ciphertext sealed under them is
  // then permanently unreadable here at once, and in other processes once their cache
  // entries expire (cache_ttl). When it returns success no file of the database holds
  // the wrapped key any more (Db::ForgetDeleted: the SQLite WAL is checkpointed and
  // truncated). Errors: kNotFound when there is no such DEK for this tenant (also when
  // it belongs to another tenant); database errors — including a ForgetDeleted that
  // could not complete after the rows went (then the server's housekeeping repeats it
  // within a minute). REQUIRES: the calling thread holds no transaction.
  Status DestroyDek(TenantId tenant, KeyId key);

  // The sweeper of keys whose owner is gone (C06's retry): destroys every DEK family of
  // `purpose` created before `created_before` whose id no row of `owner_table` (a table
  // with columns tenant_id and key_id: "clients", "accounts") names in its tenant — a key
  // whose destruction failed after its owner's rows went, or whose owner was never made.
  // Each tenant is checked in its own tenant transaction (row-level security shows its
  // rows). A family whose destruction fails is counted (with the first error's internal
  // message, for the caller's log) and left for the next sweep. Errors: the database's.
  // REQUIRES: `purpose` and `owner_table` are lowercase identifiers of the code's own
  // (never input); the calling thread holds no transaction.
  struct OrphanSweep {
    std::int64_t destroyed = 0;
    std::int64_t failed = 0;
    std::string first_error;  // internal message; no key material
  };
  Result<OrphanSweep> DestroyOrphans(std::string_view purpose, std::string_view owner_table,
                                     Micros created_before);

  // HMAC-SHA256 of `data` under a key derived for `purpose` (1–200 bytes, no NUL),
  // e.g. "email-lookup": HMAC(HKDF-SHA256(root, info = "alcove/keyed-hash/v1" 0x00
  // purpose), data). The root is a system DEK in data_keys (created on first use), so
  // it is re-wrapped, not changed, by master-key rotation and hashes stay stable.
  Result<HmacSha256Tag> KeyedHash(std::string_view purpose, std::span<const std::uint8_t> data);

  // Wipes cached keys older than cache_ttl. The key ring also does this itself at
  // most once a second while it is used; a server may call it from a timer so that an
  // idle process holds no stale keys.
  void PurgeExpired();

  // For tests and metrics: how many unwrapped DEKs are in memory.
  std::size_t cached_keys() const;

 private:
  friend class FieldCipher;
  friend class EncryptedUpload;  // encrypted_blob.hpp: chunked encryption of recordings
  friend class EncryptedBlob;

  struct CachedKey {
    KeyId key_id = 0;
    TenantId tenant = 0;
    KeyId family = 0;
    std::shared_ptr<const SecureBuffer> key;
    Micros loaded_at = 0;
    Micros last_used = 0;
    std::uint64_t seal_budget = 0;  // reserved seals left (current generation only)
  };
  // What FieldCipher gets: the key bytes stay alive while it uses them, even if the
  // cache evicts the entry meanwhile.
  struct KeyHandle {
    KeyId key_id = 0;
    TenantId tenant = 0;
    KeyId family = 0;
    std::shared_ptr<const SecureBuffer> key;
  };
  struct NewDek;

  // A key of the current generation of `family` for one seal (consumes one reserved
  // seal; reserves more or creates the next generation when none are left).
  Result<KeyHandle> AcquireSealKey(TenantId tenant, KeyId family);
  // The DEK `key_id` for opening, from the cache or unwrapped from the database.
  Result<KeyHandle> KeyForOpen(KeyId key_id);
  // The DEK `key` of `tenant` for chunked encryption (its first generation: chunked
  // encryption derives per-blob keys from a random salt and counts no seals). kNotFound
  // when it is another tenant's or was destroyed.
  Result<KeyHandle> KeyForChunked(TenantId tenant, KeyId key);

  Result<NewDek> InsertDek(store::Transaction& tx, TenantId tenant, std::string_view purpose,
                           KeyId family, std::int64_t generation, std::int64_t seal_count);
  Result<SecureBuffer> Unwrap(std::string_view dek_id, std::string_view purpose,
                              std::span<const std::uint8_t> wrapped);
  // The master key to wrap new DEKs with, at least `min_version` (re-reads the file
  // if needed). Returns the version; `out` receives a copy of the key.
  Result<std::uint32_t> WrappingMasterKey(std::uint32_t min_version, SecureBuffer& out);
  Status ReloadMasterKeys();

  // Both REQUIRE mu_ held.
  void InsertCacheLocked(CachedKey entry);
  void EraseLocked(KeyId key_id);
  void PurgeLocked(Micros now);
  // Whether the family was destroyed after `epoch` (true as well when the history no
  // longer reaches back that far).
  bool DestroyedSinceLocked(std::uint64_t epoch, KeyId family) const;

  store::Db& db_;
  const Clock& clock_;
  const KeyRingOptions options_;
  const std::optional<std::filesystem::path> key_file_;

  std::mutex keys_mu_;  // guards master_keys_
  MasterKeys master_keys_;

  mutable std::mutex mu_;  // guards everything below
  std::unordered_map<KeyId, CachedKey> cache_;
  std::unordered_map<KeyId, KeyId> sealing_;  // family -> cached key with a seal budget
  std::uint64_t destroy_epoch_ = 0;           // bumps on every DestroyDek
  // The families of the latest destructions, destroy_epoch_ - size() + 1 first: a read
  // overtaken only by other families' destructions need not start again.
  std::deque<KeyId> recently_destroyed_;
  Micros last_purge_ = 0;
  KeyId keyed_hash_root_ = 0;
};

// Master-key rotation (C07), what `alcove keys rotate` runs:
//   1. if every version below the newest is marked replaced (see master_key_file.hpp),
//      add version newest + 1 (atomic write); if one is not, an earlier rotation was
//      interrupted: finish it;
//   2. record in the database that new DEKs must be wrapped by that version or newer
//      (servers then re-read the key file before wrapping);
//   3. re-wrap every DEK wrapped by an older version (batches, each a transaction);
//   4. check that no DEK refers to an older version, and only then
//   5. mark the older versions `replaced=<now>` in the key file (atomic write). They
//      stay in the file, so that it still opens the database backups taken before the
//      rotation, until RetireMasterKeys (`alcove keys retire`) removes them.
// Safe while servers run, and safe to interrupt: running it again finishes the job.
// A rotation and a retirement (below) on the same key file take turns (an exclusive
// lock on the key file's directory), so neither writes back a file the other changed.
struct RotationReport {
  std::uint32_t new_version = 0;
  bool resumed = false;        // an interrupted rotation was finished
  std::int64_t rewrapped = 0;  // DEKs re-wrapped by this run
  std::vector<std::uint32_t> replaced;  // versions this run marked replaced
};
Result<RotationReport> RotateMasterKey(store::Db& db, const std::filesystem::path& key_file);

// Step 3 alone, at most `limit` DEKs (for tests of an interrupted rotation): re-wraps
// DEKs wrapped by versions below `target` under `target`. Returns how many.
// Errors: kFailedPrecondition if `keys` lacks a version a DEK needs; database errors.
Result<std::int64_t> RewrapDeks(store::Db& db, const MasterKeys& keys, std::uint32_t target,
                                std::int64_t limit);

// Master-key retirement (C06's backup window), what `alcove keys retire` runs.
// `before` is when the oldest database backup still kept was taken: a backup taken at
// time T needs the versions that wrapped data keys at T, so a version may go once it was
// replaced (its rotation finished) before `before`. Retiring removes those versions from
// the key file (atomic write); every database backup taken before the latest of their
// `replaced` times then no longer opens with this key file, nor with any copy of it made
// from now on — which is what makes a deleted client unreadable in those old copies.
// The newest version is never retired.
struct RetirementPlan {
  std::uint32_t current = 0;              // the newest version, kept
  std::optional<Micros> current_created;  // when it was created, if the file says
  std::vector<std::uint32_t> retire;      // versions retired (or to retire: dry run)
  Micros unreadable_before = 0;           // with `retire` non-empty: see above
  std::vector<std::uint32_t> kept;        // older versions backups since `before` need
  bool applied = false;                   // the key file was rewritten
};
// With `apply` false nothing changes (a dry run that says what would happen).
// Errors (nothing is changed): kFailedPrecondition when a version below the newest is not
// marked replaced (a rotation has not finished: run `alcove keys rotate`), when a
// version to retire still wraps a data key in `db` (e.g. a database restored from an
// older backup: `alcove keys rotate` re-wraps it first), or when the current version is
// the only one and was created before `before` (or the file does not say when): it is
// never retired, rotate first; errors of the key file and the database.
Result<RetirementPlan> RetireMasterKeys(store::Db& db, const std::filesystem::path& key_file,
                                        Micros before, bool apply);

// For `alcove restore`: unwraps every DEK in `db` with the master keys of `key_file`
// (each key is wiped at once) and returns how many. Errors: kFailedPrecondition naming
// the first DEK whose master-key version the file lacks (the version was retired, or
// the file belongs to another installation) or that does not unwrap (a different key
// under the same version number); errors of the key file and the database.
Result<std::int64_t> CheckKeyFileOpensEveryDek(store::Db& db,
                                               const std::filesystem::path& key_file);

// How many DEKs are wrapped by each master-key version (version -> count), for checks.
Result<std::vector<std::pair<std::uint32_t, std::int64_t>>> CountDeksByMasterVersion(store::Db& db);

}  // namespace alcove::crypto
